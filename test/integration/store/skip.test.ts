// The store's part of Skip: whether a learner's classes allow it, and which attempt and step were skipped; on SQLite and PostgreSQL alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { openStore, type Store } from '../../../server/store';
import { migrations } from '../../../server/store/migrations';
import type { Database } from '../../../server/store/schema';
import { openTestStore } from '../../helpers/store';

let store: Store;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ store, close } = await openTestStore());
});
afterEach(() => close());

let n = 0;
const user = async (role: 'learner' | 'instructor' = 'learner') => (await store.users.create({ email: `u${++n}@example.com`, name: `User ${n}`, passwordHash: 'x', role }))!;
const attempt = (userId: string, stepId: string, status: 'passed' | 'failed', at: string) => ({ userId, labId: 'vpc-flow-logs', stepId, status, checks: [], evidence: {}, durationMs: 5, at: new Date(at) });

describe('store: Skip', () => {
  it('skipPolicy: no class for the lab; a class that does not allow it; any one class allowing it is enough; a class for another lab does not count', async () => {
    const [learner, teacher] = [await user(), await user('instructor')];
    expect(await store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('no-class');
    const other = await store.classes.create({ name: 'Other lab', labId: 'other-lab', instructorId: teacher.id });
    await store.classes.setAllowSkip(other.id, true);
    await store.classes.enroll(other.id, learner.id);
    expect(await store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('no-class');
    const strict = await store.classes.create({ name: 'Strict', labId: 'vpc-flow-logs', instructorId: teacher.id });
    expect(strict.allowSkip).toBe(false);
    await store.classes.enroll(strict.id, learner.id);
    expect(await store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('not-allowed');
    const lenient = await store.classes.create({ name: 'Lenient', labId: 'vpc-flow-logs', instructorId: teacher.id });
    await store.classes.setAllowSkip(lenient.id, true);
    await store.classes.enroll(lenient.id, learner.id);
    expect(await store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('allowed');
    expect((await store.classes.listForLearner(learner.id)).map((c) => [c.name, c.allowSkip]).sort()).toEqual([['Lenient', true], ['Other lab', true], ['Strict', false]]);
    expect((await store.classes.listForInstructor(teacher.id)).find((c) => c.id === lenient.id)).toMatchObject({ allowSkip: true, members: 1 });
  });

  it('markSkipped: the latest attempt at the step is marked; the step only when that attempt passed; a later check of their own keeps the mark', async () => {
    const learner = await user();
    await store.progress.recordAttempt(attempt(learner.id, 'ping', 'failed', '2026-11-27T10:00:00Z'));
    await store.progress.markSkipped(learner.id, 'vpc-flow-logs', 'ping', new Date('2026-11-27T10:00:01Z'));
    expect((await store.progress.attempts(learner.id, 'vpc-flow-logs')).map((a) => a.skipped)).toEqual([true]);
    expect((await store.progress.forLearner(learner.id, 'vpc-flow-logs'))[0]).toMatchObject({ status: 'failed', skippedAt: null });

    await store.progress.recordAttempt(attempt(learner.id, 'ping', 'passed', '2026-11-27T10:05:00Z'));
    await store.progress.markSkipped(learner.id, 'vpc-flow-logs', 'ping', new Date('2026-11-27T10:05:01Z'));
    await store.progress.recordAttempt(attempt(learner.id, 'ping', 'passed', '2026-11-27T10:09:00Z'));
    await store.progress.markSkipped(learner.id, 'vpc-flow-logs', 'vpcs');
    expect((await store.progress.attempts(learner.id, 'vpc-flow-logs')).map((a) => [a.createdAt, a.skipped])).toEqual([
      ['2026-11-27T10:09:00.000Z', false],
      ['2026-11-27T10:05:00.000Z', true],
      ['2026-11-27T10:00:00.000Z', true],
    ]);
    expect(await store.progress.forLearner(learner.id, 'vpc-flow-logs')).toEqual([expect.objectContaining({ stepId: 'ping', status: 'passed', skippedAt: '2026-11-27T10:05:01.000Z' })]);
  });

  it('migration 0004 on a SQLite database made before it: earlier classes read as not allowing Skip, earlier progress and attempts as not skipped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-migrate-'));
    const file = path.join(dir, 'verilab.sqlite');
    try {
      const before = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
      const earlier = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'));
      await new Migrator({ db: before, provider: { getMigrations: async () => earlier } }).migrateToLatest();
      const at = '2026-11-27T10:00:00.000Z';
      await before.insertInto('users').values({ id: 'u1', email: 'a@example.com', name: 'A', password_hash: 'x', role: 'learner', created_at: at }).execute();
      await before.insertInto('users').values({ id: 't1', email: 't@example.com', name: 'T', password_hash: 'x', role: 'instructor', created_at: at }).execute();
      await sql`insert into classes (id, name, lab_id, instructor_id, join_code, created_at) values ('c1', 'Old', 'vpc-flow-logs', 't1', 'ABCDEFGH', ${at})`.execute(before);
      await sql`insert into enrollments (class_id, user_id, joined_at) values ('c1', 'u1', ${at})`.execute(before);
      await sql`insert into attempts (id, user_id, lab_id, step_id, status, checks, evidence, duration_ms, created_at) values ('a1', 'u1', 'vpc-flow-logs', 'vpcs', 'passed', '[]', '{}', 5, ${at})`.execute(before);
      await sql`insert into step_progress (user_id, lab_id, step_id, status, first_attempt_at, passed_at, attempts_count, latest_evidence, updated_at) values ('u1', 'vpc-flow-logs', 'vpcs', 'passed', ${at}, ${at}, 1, '{}', ${at})`.execute(before);
      await before.destroy();

      const after = await openStore({ kind: 'sqlite', file });
      try {
        expect(await after.classes.findById('c1')).toMatchObject({ name: 'Old', allowSkip: false });
        expect(await after.classes.skipPolicy('u1', 'vpc-flow-logs')).toBe('not-allowed');
        expect(await after.progress.attempts('u1', 'vpc-flow-logs')).toEqual([expect.objectContaining({ id: 'a1', skipped: false })]);
        expect(await after.progress.forLearner('u1', 'vpc-flow-logs')).toEqual([expect.objectContaining({ stepId: 'vpcs', status: 'passed', skippedAt: null })]);
      } finally {
        await after.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
