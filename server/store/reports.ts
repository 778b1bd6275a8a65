// Completion reports: one per learner and lab, replaced when regenerated, and the share link that shows it publicly.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Report } from '../reports/types';
import type { Database } from './schema';

export interface StoredReport {
  userId: string;
  labId: string;
  report: Report;
  generatedAt: string;
  shareToken: string | null;
  sharedAt: string | null;
}

type Row = Database['reports'];
const toStored = (r: Row): StoredReport => ({
  userId: r.user_id,
  labId: r.lab_id,
  report: JSON.parse(r.model) as Report,
  generatedAt: r.generated_at,
  shareToken: r.share_token,
  sharedAt: r.shared_at,
});

/** 32 random bytes, base64url: a share link nobody can guess or enumerate. */
export const newShareToken = () => randomBytes(32).toString('base64url');

/** What a share token looks like; anything else is not looked up. */
export const SHARE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function reportsRepo(db: Kysely<Database>) {
  return {
    /** Stores the report, replacing an earlier one of the same lab; a share link stays valid and shows the new one. */
    async save(userId: string, report: Report): Promise<StoredReport> {
      const row = { user_id: userId, lab_id: report.labId, model: JSON.stringify(report), generated_at: report.generatedAt };
      await db
        .insertInto('reports')
        .values({ ...row, share_token: null, shared_at: null })
        .onConflict((oc) => oc.columns(['user_id', 'lab_id']).doUpdateSet({ model: row.model, generated_at: row.generated_at }))
        .execute();
      return (await this.get(userId, report.labId))!;
    },

    async get(userId: string, labId: string): Promise<StoredReport | undefined> {
      const row = await db.selectFrom('reports').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId).executeTakeFirst();
      return row && toStored(row);
    },

    /** The learners of a class who have a report of its lab, in one query: the class grid links to them. `userId`: that one only. */
    async forClass(classId: string, labId: string, userId?: string): Promise<Set<string>> {
      let query = db
        .selectFrom('reports as r')
        .innerJoin('enrollments as e', (j) => j.onRef('e.user_id', '=', 'r.user_id').on('e.class_id', '=', classId))
        .select('r.user_id')
        .where('r.lab_id', '=', labId);
      if (userId) query = query.where('r.user_id', '=', userId);
      const rows = await query.execute();
      return new Set(rows.map((r) => r.user_id));
    },

    /** Shares the report: keeps a link that is already shared, else makes one. Undefined when there is no report. */
    async share(userId: string, labId: string, at: Date = new Date()): Promise<string | undefined> {
      const current = await this.get(userId, labId);
      if (!current) return undefined;
      if (current.shareToken) return current.shareToken;
      const token = newShareToken();
      await db.updateTable('reports').set({ share_token: token, shared_at: at.toISOString() }).where('user_id', '=', userId).where('lab_id', '=', labId).execute();
      return token;
    },

    /** Revokes the share link: the old link gives 404 from now on. True when there was one. */
    async revoke(userId: string, labId: string): Promise<boolean> {
      const result = await db.updateTable('reports').set({ share_token: null, shared_at: null }).where('user_id', '=', userId).where('lab_id', '=', labId).where('share_token', 'is not', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async byShareToken(token: string): Promise<StoredReport | undefined> {
      if (!SHARE_TOKEN.test(token)) return undefined;
      const row = await db.selectFrom('reports').selectAll().where('share_token', '=', token).executeTakeFirst();
      return row && toStored(row);
    },
  };
}
