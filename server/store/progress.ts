// Step progress and the attempts behind it: every check is stored with its full result and duration.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CheckLine } from '../labs/check-types';
import { compileOnce } from './db';
import type { Database, StepStatus } from './schema';


export interface AttemptInput {
  userId: string;
  labId: string;
  stepId: string;
  status: Exclude<StepStatus, 'not-started'>;
  checks: CheckLine[];
  evidence: Record<string, unknown>;
  durationMs: number;
  at?: Date;
}

export interface Attempt extends Omit<AttemptInput, 'at'> {
  id: string;
  createdAt: string;
  /** The check that followed a Skip: Verilab had just run the step's solution. */
  skipped: boolean;
}

export interface StepProgress {
  userId: string;
  labId: string;
  stepId: string;
  status: StepStatus;
  firstAttemptAt: string;
  passedAt: string | null;
  attemptsCount: number;
  latestEvidence: Record<string, unknown>;
  updatedAt: string;
  /** When the learner skipped the step (and its check passed); null when they did it themselves. */
  skippedAt: string | null;
}

/** A step's status without its evidence: what the step list and the lab page show, and what says a drawing is current. */
export type StepStatusRow = Pick<StepProgress, 'stepId' | 'status' | 'updatedAt' | 'attemptsCount' | 'skippedAt'>;

type ProgressRow = Database['step_progress'];
const toProgress = (r: ProgressRow): StepProgress => ({
  userId: r.user_id,
  labId: r.lab_id,
  stepId: r.step_id,
  status: r.status,
  firstAttemptAt: r.first_attempt_at,
  passedAt: r.passed_at,
  attemptsCount: Number(r.attempts_count),
  latestEvidence: JSON.parse(r.latest_evidence) as Record<string, unknown>,
  updatedAt: r.updated_at,
  skippedAt: r.skipped_at ?? null,
});

/** An attempt without its evidence: what a step page shows of the latest check. */
export type AttemptSummary = Omit<Attempt, 'evidence'>;

const toSummary = (r: Omit<Selectable<Database['attempts']>, 'evidence'>): AttemptSummary => ({
  id: r.id,
  userId: r.user_id,
  labId: r.lab_id,
  stepId: r.step_id,
  status: r.status as Attempt['status'],
  checks: JSON.parse(r.checks) as CheckLine[],
  durationMs: Number(r.duration_ms),
  createdAt: r.created_at,
  skipped: Number(r.skipped) === 1,
});

const toAttempt = (r: Selectable<Database['attempts']>): Attempt => ({ ...toSummary(r), evidence: JSON.parse(r.evidence) as Record<string, unknown> });

/**
 * The learner's latest attempt at a step, to select from (on the database or inside a transaction). The limit is
 * written into the SQL: SQLite takes several times longer over this statement with a bound one.
 */
const latestAttemptAt = (q: Kysely<Database>, userId: string, labId: string, stepId: string) =>
  q.selectFrom('attempts').where('user_id', '=', userId).where('lab_id', '=', labId).where('step_id', '=', stepId).orderBy('created_at', 'desc').limit(sql.lit(1));

export function progressRepo(db: Kysely<Database>) {
  // A step page's reads, compiled once.
  const statusRows = compileOnce(db, (userId: string, labId: string) =>
    db.selectFrom('step_progress').select(['step_id', 'status', 'updated_at', 'attempts_count', 'skipped_at']).where('user_id', '=', userId).where('lab_id', '=', labId),
  );
  const latestSummary = compileOnce(db, (userId: string, labId: string, stepId: string) =>
    latestAttemptAt(db, userId, labId, stepId).select(['id', 'user_id', 'lab_id', 'step_id', 'status', 'checks', 'duration_ms', 'created_at', 'skipped']),
  );
  return {
    /** Stores the attempt and folds it into the step's progress in one transaction. A passed step stays passed. */
    async recordAttempt(input: AttemptInput): Promise<{ attempt: Attempt; progress: StepProgress }> {
      const at = (input.at ?? new Date()).toISOString();
      const attempt: Attempt = {
        id: randomUUID(),
        userId: input.userId,
        labId: input.labId,
        stepId: input.stepId,
        status: input.status,
        checks: input.checks,
        evidence: input.evidence,
        durationMs: Math.max(0, Math.round(input.durationMs)),
        createdAt: at,
        skipped: false,
      };
      const progress = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('attempts')
          .values({
            id: attempt.id,
            user_id: attempt.userId,
            lab_id: attempt.labId,
            step_id: attempt.stepId,
            status: attempt.status,
            checks: JSON.stringify(attempt.checks),
            evidence: JSON.stringify(attempt.evidence),
            duration_ms: attempt.durationMs,
            created_at: at,
          })
          .execute();
        const passed = input.status === 'passed';
        await trx
          .insertInto('step_progress')
          .values({
            user_id: input.userId,
            lab_id: input.labId,
            step_id: input.stepId,
            status: input.status,
            first_attempt_at: at,
            passed_at: passed ? at : null,
            attempts_count: 1,
            latest_evidence: JSON.stringify(input.evidence),
            updated_at: at,
          })
          .onConflict((oc) =>
            oc.columns(['user_id', 'lab_id', 'step_id']).doUpdateSet((eb) => ({
              // Once passed, a later failing check (the learner cleaned up) does not take the tick away.
              status: passed ? 'passed' : eb.case().when('step_progress.status', '=', 'passed').then('passed').else(input.status).end().$castTo<StepStatus>(),
              passed_at: passed ? eb.fn.coalesce('step_progress.passed_at', eb.val(at)) : eb.ref('step_progress.passed_at'),
              attempts_count: eb('step_progress.attempts_count', '+', 1),
              latest_evidence: JSON.stringify(input.evidence),
              updated_at: at,
            })),
          )
          .execute();
        return trx
          .selectFrom('step_progress')
          .selectAll()
          .where('user_id', '=', input.userId)
          .where('lab_id', '=', input.labId)
          .where('step_id', '=', input.stepId)
          .executeTakeFirstOrThrow();
      });
      return { attempt, progress: toProgress(progress) };
    },

    async forLearner(userId: string, labId: string): Promise<StepProgress[]> {
      const rows = await db.selectFrom('step_progress').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId).execute();
      return rows.map(toProgress);
    },

    /** The learner's status per step, without parsing the evidence (the step pages' hot path). */
    async statuses(userId: string, labId: string): Promise<StepStatusRow[]> {
      const rows = await statusRows(userId, labId);
      return rows.map((r) => ({ stepId: r.step_id, status: r.status, updatedAt: r.updated_at, attemptsCount: Number(r.attempts_count), skippedAt: r.skipped_at ?? null }));
    },

    async forLearners(userIds: string[], labId: string): Promise<StepProgress[]> {
      if (userIds.length === 0) return [];
      const rows = await db.selectFrom('step_progress').selectAll().where('user_id', 'in', userIds).where('lab_id', '=', labId).execute();
      return rows.map(toProgress);
    },

    /** When the learner last checked anything: the per-learner rate limit holds across processes through this. */
    async lastAttemptAt(userId: string): Promise<Date | undefined> {
      const row = await db.selectFrom('attempts').select((eb) => eb.fn.max('created_at').as('last')).where('user_id', '=', userId).executeTakeFirst();
      return row?.last ? new Date(row.last) : undefined;
    },

    /**
     * When the learner began the lab: their first attempt at it, or their enrolment in a class that teaches it, whichever
     * came first. Never their account's creation: a learner who signed up months ago did not begin the lab then.
     */
    async labStartedAt(userId: string, labId: string): Promise<Date | undefined> {
      const [attempt, enrolment] = await Promise.all([
        db.selectFrom('attempts').select((eb) => eb.fn.min('created_at').as('first')).where('user_id', '=', userId).where('lab_id', '=', labId).executeTakeFirst(),
        db
          .selectFrom('enrollments')
          .innerJoin('classes', 'classes.id', 'enrollments.class_id')
          .select((eb) => eb.fn.min('enrollments.joined_at').as('first'))
          .where('enrollments.user_id', '=', userId)
          .where('classes.lab_id', '=', labId)
          .executeTakeFirst(),
      ]);
      const times = [attempt?.first, enrolment?.first].filter((t): t is string => Boolean(t)).map((t) => new Date(t).getTime());
      return times.length ? new Date(Math.min(...times)) : undefined;
    },

    /** The latest passing attempt of each step the learner passed, by step id: what the completion report is built from. */
    async latestPasses(userId: string, labId: string): Promise<Map<string, Attempt>> {
      const passed = await db.selectFrom('attempts').select(['step_id', (eb) => eb.fn.max('created_at').as('at')]).where('user_id', '=', userId).where('lab_id', '=', labId).where('status', '=', 'passed').groupBy('step_id').execute();
      const byStep = new Map<string, Attempt>();
      for (const { step_id, at } of passed) {
        const row = await db.selectFrom('attempts').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId).where('step_id', '=', step_id).where('status', '=', 'passed').where('created_at', '=', String(at)).executeTakeFirst();
        if (row) byStep.set(step_id, toAttempt(row));
      }
      return byStep;
    },

    /** When each of the learner's checks in the lab ran, oldest first: the report's time taken. */
    async attemptTimes(userId: string, labId: string): Promise<string[]> {
      const rows = await db.selectFrom('attempts').select('created_at').where('user_id', '=', userId).where('lab_id', '=', labId).orderBy('created_at').execute();
      return rows.map((r) => r.created_at);
    },

    async attempts(userId: string, labId: string, limit = 100, stepId?: string): Promise<Attempt[]> {
      let query = db.selectFrom('attempts').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId);
      if (stepId) query = query.where('step_id', '=', stepId);
      const rows = await query.orderBy('created_at', 'desc').limit(limit).execute();
      return rows.map(toAttempt);
    },

    /** The learner's latest check of a step, without parsing its evidence (a page view's hot path; evidence can be large). */
    async latestAttempt(userId: string, labId: string, stepId: string): Promise<AttemptSummary | undefined> {
      const [row] = await latestSummary(userId, labId, stepId);
      return row && toSummary(row);
    },

    /**
     * Marks the learner's latest attempt at a step as the check after a Skip, and the step as skipped when that check
     * passed it. The step stays marked: a later check of their own does not make it theirs.
     */
    async markSkipped(userId: string, labId: string, stepId: string, at: Date = new Date()): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const latest = await latestAttemptAt(trx, userId, labId, stepId).select(['id', 'status']).executeTakeFirst();
        if (!latest) return;
        await trx.updateTable('attempts').set({ skipped: 1 }).where('id', '=', latest.id).execute();
        if (latest.status !== 'passed') return;
        await trx
          .updateTable('step_progress')
          .set({ skipped_at: at.toISOString() })
          .where('user_id', '=', userId)
          .where('lab_id', '=', labId)
          .where('step_id', '=', stepId)
          .where('skipped_at', 'is', null)
          .execute();
      });
    },
  };
}
