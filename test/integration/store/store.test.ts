import { randomBytes } from 'node:crypto';
import { openStore } from '../../../server/store';
import { FIRST_SHELL_UID } from '../../../server/store/sandbox-accounts';
import { createTestDatabase, type TestDatabase } from '../../helpers/store';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.destroy());

const attempt = (userId: string, stepId: string, status: 'passed' | 'failed', at: string) => ({
  userId,
  labId: 'vpc-flow-logs',
  stepId,
  status,
  checks: [{ label: 'VPC 1 exists', ok: status === 'passed', hint: status === 'passed' ? undefined : 'Create it' }],
  evidence: { vpcId: 'vpc-0abc' },
  durationMs: 120,
  at: new Date(at),
});

describe('store', () => {
  it('labStartedAt: none before anything; the first attempt at this lab; an earlier enrolment in a class for it wins; other labs do not count', async () => {
    const store = await openStore(database.options);
    try {
      const user = (await store.users.create({ email: 'ben@example.com', name: 'Ben', passwordHash: 'x', role: 'learner' }))!;
      const teacher = (await store.users.create({ email: 'tess@example.com', name: 'Tess', passwordHash: 'x', role: 'instructor' }))!;
      expect(await store.progress.labStartedAt(user.id, 'vpc-flow-logs')).toBeUndefined();

      await store.progress.recordAttempt({ ...attempt(user.id, 'vpcs', 'failed', '2026-11-27T10:00:00Z'), labId: 'other-lab' });
      expect(await store.progress.labStartedAt(user.id, 'vpc-flow-logs')).toBeUndefined();
      await store.progress.recordAttempt(attempt(user.id, 'vpcs', 'failed', '2026-11-27T12:00:00Z'));
      await store.progress.recordAttempt(attempt(user.id, 'vpcs', 'passed', '2026-11-27T13:00:00Z'));
      expect((await store.progress.labStartedAt(user.id, 'vpc-flow-logs'))?.toISOString()).toBe('2026-11-27T12:00:00.000Z');

      // Enrolling now is later than the first attempt: the attempt stays the start.
      const klass = await store.classes.create({ name: 'Networking 101', labId: 'vpc-flow-logs', instructorId: teacher.id });
      await store.classes.enroll(klass.id, user.id);
      expect((await store.progress.labStartedAt(user.id, 'vpc-flow-logs'))?.toISOString()).toBe('2026-11-27T12:00:00.000Z');

      // A learner who enrolled and has not checked yet began when they enrolled.
      const newcomer = (await store.users.create({ email: 'cy@example.com', name: 'Cy', passwordHash: 'x', role: 'learner' }))!;
      const before = Date.now();
      await store.classes.enroll(klass.id, newcomer.id);
      const began = (await store.progress.labStartedAt(newcomer.id, 'vpc-flow-logs'))!.getTime();
      expect(began).toBeGreaterThanOrEqual(before - 1000);
      expect(began).toBeLessThanOrEqual(Date.now());
    } finally {
      await store.close();
    }
  });

  it('sandbox accounts: a whole class creating its accounts at once gets one each, with distinct shell uids, and nobody an error', async () => {
    const store = await openStore(database.options);
    try {
      const learners = await Promise.all(Array.from({ length: 60 }, (_, i) => store.users.create({ email: `l${i}@example.com`, name: `L${i}`, passwordHash: 'x', role: 'learner' })));
      const fresh = () => ({ accountId: String(100_000_000_000 + randomBytes(4).readUInt32BE()), accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretSealed: 'sealed', region: 'us-east-1' });
      // Each learner twice, as when a page and the shell ask for the account in the same moment.
      const created = await Promise.all([...learners, ...learners].map((u) => store.sandboxAccounts.create(u!.id, fresh)));
      const uids = new Set(created.map((a) => a.shellUid));
      expect(uids.size).toBe(60);
      expect(Math.min(...uids)).toBe(FIRST_SHELL_UID);
      expect(Math.max(...uids)).toBe(FIRST_SHELL_UID + 59);
      // The second request of each learner got the same account as the first.
      for (let i = 0; i < 60; i++) expect(created[i + 60]).toEqual(created[i]);
      expect(new Set(created.map((a) => a.userId)).size).toBe(60);
      expect(created.every((a, i) => a.userId === learners[i % 60]!.id)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('statuses and the latest attempt of a step: what the step page reads, without the evidence', async () => {
    const store = await openStore(database.options);
    try {
      const user = (await store.users.create({ email: 'sia@example.com', name: 'Sia', passwordHash: 'x', role: 'learner' }))!;
      expect(await store.progress.statuses(user.id, 'vpc-flow-logs')).toEqual([]);
      expect(await store.progress.latestAttempt(user.id, 'vpc-flow-logs', 'vpcs')).toBeUndefined();
      await store.progress.recordAttempt(attempt(user.id, 'vpcs', 'failed', '2026-11-27T12:00:00Z'));
      await store.progress.recordAttempt(attempt(user.id, 'vpcs', 'passed', '2026-11-27T12:05:00Z'));
      await store.progress.recordAttempt(attempt(user.id, 'instances', 'failed', '2026-11-27T12:06:00Z'));
      const latest = await store.progress.latestAttempt(user.id, 'vpc-flow-logs', 'vpcs');
      expect(latest).toMatchObject({ stepId: 'vpcs', status: 'passed', createdAt: '2026-11-27T12:05:00.000Z', checks: [{ label: 'VPC 1 exists', ok: true }], skipped: false });
      expect(latest).not.toHaveProperty('evidence');
      const statuses = await store.progress.statuses(user.id, 'vpc-flow-logs');
      expect(statuses.sort((a, b) => a.stepId.localeCompare(b.stepId))).toEqual([
        { stepId: 'instances', status: 'failed', attemptsCount: 1, updatedAt: '2026-11-27T12:06:00.000Z', skippedAt: null },
        { stepId: 'vpcs', status: 'passed', attemptsCount: 2, updatedAt: '2026-11-27T12:05:00.000Z', skippedAt: null },
      ]);
    } finally {
      await store.close();
    }
  });

  it('progress survives a restart: write, close the store, reopen, read', async () => {
    const first = await openStore(database.options);
    const user = (await first.users.create({ email: 'ada@example.com', name: 'Ada', passwordHash: 'x', role: 'learner' }))!;
    await first.progress.recordAttempt(attempt(user.id, 'vpcs', 'passed', '2026-11-27T10:00:00Z'));
    await first.reflections.save({ userId: user.id, labId: 'vpc-flow-logs', stepId: 'vpcs', promptId: 'what-is-vpc', text: 'A private network.' });
    await first.close();

    const second = await openStore(database.options);
    try {
      const progress = await second.progress.forLearner(user.id, 'vpc-flow-logs');
      expect(progress).toEqual([
        expect.objectContaining({ stepId: 'vpcs', status: 'passed', attemptsCount: 1, passedAt: '2026-11-27T10:00:00.000Z', latestEvidence: { vpcId: 'vpc-0abc' } }),
      ]);
      const attempts = await second.progress.attempts(user.id, 'vpc-flow-logs');
      expect(attempts).toHaveLength(1);
      expect(attempts[0].checks).toEqual([{ label: 'VPC 1 exists', ok: true }]);
      expect(attempts[0].durationMs).toBe(120);
      expect(await second.reflections.forLearner(user.id, 'vpc-flow-logs')).toEqual([
        expect.objectContaining({ stepId: 'vpcs', promptId: 'what-is-vpc', text: 'A private network.' }),
      ]);
    } finally {
      await second.close();
    }
  });

  it('migrations: opening an up-to-date database twice is harmless', async () => {
    await (await openStore(database.options)).close();
    const again = await openStore(database.options);
    await expect(again.users.countByRole('learner')).resolves.toBe(0);
    await again.close();
  });

  it('progress: attempts accumulate, a passed step stays passed after a later failure, first attempt and pass times kept', async () => {
    const store = await openStore(database.options);
    try {
      const user = (await store.users.create({ email: 'b@example.com', name: 'B', passwordHash: 'x', role: 'learner' }))!;
      await store.progress.recordAttempt(attempt(user.id, 'routes', 'failed', '2026-11-27T10:00:00Z'));
      let { progress } = await store.progress.recordAttempt(attempt(user.id, 'routes', 'passed', '2026-11-27T10:05:00Z'));
      expect(progress).toMatchObject({ status: 'passed', attemptsCount: 2, firstAttemptAt: '2026-11-27T10:00:00.000Z', passedAt: '2026-11-27T10:05:00.000Z' });
      ({ progress } = await store.progress.recordAttempt(attempt(user.id, 'routes', 'failed', '2026-11-27T10:09:00Z')));
      expect(progress).toMatchObject({ status: 'passed', attemptsCount: 3, passedAt: '2026-11-27T10:05:00.000Z', updatedAt: '2026-11-27T10:09:00.000Z' });
      expect((await store.progress.attempts(user.id, 'vpc-flow-logs')).map((a) => a.status)).toEqual(['failed', 'passed', 'failed']);
    } finally {
      await store.close();
    }
  });

  it('users: emails are unique regardless of case; sessions expire and can be deleted', async () => {
    const store = await openStore(database.options);
    try {
      const user = (await store.users.create({ email: 'Ada@Example.com', name: 'Ada', passwordHash: 'x', role: 'learner' }))!;
      expect(user.email).toBe('ada@example.com');
      expect(await store.users.create({ email: 'ADA@example.com', name: 'Other', passwordHash: 'y', role: 'learner' })).toBeUndefined();

      const live = await store.sessions.create(user.id, 60_000);
      expect((await store.sessions.findUser(live.token))?.id).toBe(user.id);
      const expired = await store.sessions.create(user.id, -1);
      expect(await store.sessions.findUser(expired.token)).toBeUndefined();
      expect(await store.sessions.deleteExpired()).toBe(1);
      await store.sessions.delete(live.token);
      expect(await store.sessions.findUser(live.token)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('classes: unique join codes, enrollment once, members listed', async () => {
    const store = await openStore(database.options);
    try {
      const teacher = (await store.users.create({ email: 't@example.com', name: 'T', passwordHash: 'x', role: 'instructor' }))!;
      const learner = (await store.users.create({ email: 'l@example.com', name: 'L', passwordHash: 'x', role: 'learner' }))!;
      const a = await store.classes.create({ name: 'Morning', labId: 'vpc-flow-logs', instructorId: teacher.id });
      const b = await store.classes.create({ name: 'Evening', labId: 'vpc-flow-logs', instructorId: teacher.id });
      expect(a.joinCode).toMatch(/^[A-Z0-9]{8}$/);
      expect(a.joinCode).not.toBe(b.joinCode);
      expect((await store.classes.findByJoinCode(` ${a.joinCode.toLowerCase()} `))?.id).toBe(a.id);
      expect(await store.classes.enroll(a.id, learner.id)).toBe(true);
      expect(await store.classes.enroll(a.id, learner.id)).toBe(false);
      expect((await store.classes.members(a.id)).map((m) => m.userId)).toEqual([learner.id]);
      expect((await store.classes.listForInstructor(teacher.id)).map((c) => [c.name, c.members]).sort()).toEqual([['Evening', 0], ['Morning', 1]]);
      expect((await store.classes.listForLearner(learner.id)).map((c) => c.id)).toEqual([a.id]);
    } finally {
      await store.close();
    }
  });
});
