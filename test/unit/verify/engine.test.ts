// The engine's context for checks: when the learner began (never their account's creation), the Region read, and the lab's step order.
import pino from 'pino';
import type { CheckContext, StepCheck } from '../../../server/labs/check-types';
import type { CheckRegistry } from '../../../server/labs/registry';
import type { Lab, LabCatalog } from '../../../server/labs/types';
import { openStore, type Store } from '../../../server/store';
import type { User } from '../../../server/store/users';
import type { AwsClients } from '../../../server/verify/aws-session';
import { VerifyEngine } from '../../../server/verify/engine';
import { createTestDatabase, type TestDatabase } from '../../helpers/store';

const LAB_ID = 'mini-lab';
// Step order as lab.md gives it; the checks module lists them in another order on purpose.
const LAB = { id: LAB_ID, steps: [{ id: 'second' }, { id: 'first' }].map((s, i) => ({ ...s, number: i + 1 })) } as unknown as Lab;
const CATALOG: LabCatalog = { labs: [LAB], get: (id) => (id === LAB_ID ? LAB : undefined) };

let database: TestDatabase;
let store: Store;
beforeEach(async () => {
  database = await createTestDatabase();
  store = await openStore(database.options);
});
afterEach(async () => {
  await store.close();
  await database.destroy();
});

/** An engine whose checks need nothing from AWS and record the context they were given. */
function engineAt(clock: { now: Date }, seen: CheckContext[]) {
  const check: StepCheck = {
    needs: [],
    run: (_snapshot, ctx) => {
      seen.push(ctx);
      return { passed: false, checks: [{ label: 'looked', ok: false, hint: 'keep going' }], evidence: {} };
    },
  };
  const checks: CheckRegistry = { get: () => check, has: () => true, gather: () => undefined, cleanup: () => undefined };
  const clients = { accountId: '111122223333', region: 'eu-west-1' } as AwsClients;
  const role = { roleArn: 'arn:aws:iam::111122223333:role/VerilabReadOnly', externalId: 'x', region: 'eu-west-1', sessionName: 'test' };
  return new VerifyEngine({
    labs: CATALOG,
    checks,
    store,
    aws: { forRole: async () => clients },
    accounts: { roleFor: async () => role },
    logger: pino({ level: 'silent' }),
    rateLimitMs: 0,
    now: () => clock.now,
  });
}

/** A learner whose Verilab account is a year older than anything they did in the lab. */
async function oldLearner(): Promise<User> {
  const user = (await store.users.create({ email: 'ola@example.com', name: 'Ola', passwordHash: 'x', role: 'learner' }))!;
  return { ...user, createdAt: '2023-06-01T08:00:00.000Z' };
}

describe('VerifyEngine: the context checks get', () => {
  it('first check ever: the learner began at this attempt, not when their account was created', async () => {
    const seen: CheckContext[] = [];
    const now = new Date('2024-06-10T11:00:00Z');
    await engineAt({ now }, seen).check(await oldLearner(), LAB_ID, ['first']);
    expect(seen[0].labStartedAt?.toISOString()).toBe(now.toISOString());
  });

  it('a later check: the learner began at their first attempt at the lab', async () => {
    const seen: CheckContext[] = [];
    const clock = { now: new Date('2024-06-10T09:00:00Z') };
    const engine = engineAt(clock, seen);
    const user = await oldLearner();
    await engine.check(user, LAB_ID, ['first']);
    clock.now = new Date('2024-06-10T11:00:00Z');
    await engine.check(user, LAB_ID, ['first']);
    expect(seen.map((c) => c.labStartedAt?.toISOString())).toEqual(['2024-06-10T09:00:00.000Z', '2024-06-10T09:00:00.000Z']);
  });

  it('enrolled in a class for the lab before any check: the learner began at the enrolment', async () => {
    const seen: CheckContext[] = [];
    const user = await oldLearner();
    const teacher = (await store.users.create({ email: 'tess@example.com', name: 'Tess', passwordHash: 'x', role: 'instructor' }))!;
    const klass = await store.classes.create({ name: 'Networking 101', labId: LAB_ID, instructorId: teacher.id });
    await store.classes.enroll(klass.id, user.id);
    const enrolledAt = (await store.progress.labStartedAt(user.id, LAB_ID))!;
    await engineAt({ now: new Date(enrolledAt.getTime() + 3_600_000) }, seen).check(user, LAB_ID, ['first']);
    expect(seen[0].labStartedAt?.toISOString()).toBe(enrolledAt.toISOString());
  });

  it("the Region that was read and the lab's step order from lab.md", async () => {
    const seen: CheckContext[] = [];
    await engineAt({ now: new Date('2024-06-10T11:00:00Z') }, seen).check(await oldLearner(), LAB_ID, ['first']);
    expect(seen[0]).toMatchObject({ region: 'eu-west-1', steps: ['second', 'first'] });
  });
});

describe('VerifyEngine: checks at once', () => {
  it('with one slot, a second learner waits for the first check; their rate limit is still answered at once', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const check: StepCheck = { needs: [], run: () => ({ passed: true, checks: [{ label: 'looked', ok: true }], evidence: {} }) };
    const checks: CheckRegistry = { get: () => check, has: () => true, gather: () => undefined, cleanup: () => undefined };
    const role = { roleArn: 'arn:aws:iam::111122223333:role/VerilabReadOnly', externalId: 'x', region: 'eu-west-1', sessionName: 'test' };
    const engine = new VerifyEngine({
      labs: CATALOG,
      checks,
      store,
      aws: {
        forRole: async () => {
          order.push(`look ${order.length}`);
          if (order.length === 1) await held;
          return { accountId: '111122223333', region: 'eu-west-1' } as AwsClients;
        },
      },
      accounts: { roleFor: async () => role },
      logger: pino({ level: 'silent' }),
      rateLimitMs: 60_000,
      concurrency: 1,
    });
    const [ada, bo] = await Promise.all(['ada', 'bo'].map((n) => store.users.create({ email: `${n}@example.com`, name: n, passwordHash: 'x', role: 'learner' })));
    const first = engine.check(ada!, LAB_ID, ['first']);
    const second = engine.check(bo!, LAB_ID, ['first']);
    // Ada's look starts (after her role and rate limit are read from the store); Bo's would follow within milliseconds
    // were there no slot to wait for.
    for (let i = 0; i < 400 && order.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['look 0']);
    // Ada pressing Check again for another step is refused now, not after the wait.
    await expect(engine.check(ada!, LAB_ID, ['second'])).rejects.toMatchObject({ status: 429 });
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['look 0', 'look 1']);
  });
});
