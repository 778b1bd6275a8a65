// The live grid across processes: two Verilab app instances on one PostgreSQL database, a check through one reaching a stream on the other.
import type { Express } from 'express';
import { openStore, type Store } from '../../../server/store';
import { labs, makeUser } from '../../helpers/app';
import { serve } from '../../helpers/browser';
import { LAB_ID, liveApp, openStream, signInOver, verdictKey, type Verdicts } from '../../helpers/live';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../../helpers/store';

const STEPS = labs().get(LAB_ID)!.steps.map((s) => s.id);
const describePostgres = usingPostgres ? describe : describe.skip;

describePostgres('class events on PostgreSQL: two app instances sharing the database', () => {
  let database: TestDatabase;
  const stores: Store[] = [];
  const servers: Awaited<ReturnType<typeof serve>>[] = [];
  const verdicts: Verdicts = new Map();
  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const store = await openStore(database.options);
      stores.push(store);
      const app: Express = liveApp(store, verdicts);
      servers.push(await serve(app));
    }
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const s of stores) await s.close();
    await database.destroy();
  });

  it('a check recorded through instance 1 arrives on a stream opened on instance 2', async () => {
    const [one, two] = servers;
    const instructor = await makeUser(stores[0], 'instructor');
    const learner = await makeUser(stores[0], 'learner', 'Pia Postgres');
    const cls = await stores[0].classes.create({ name: 'Across processes', labId: LAB_ID, instructorId: instructor.id });
    await stores[0].classes.enroll(cls.id, learner.id);

    const teacher = await signInOver(two.url, instructor.email);
    const stream = await openStream(`${two.url}/classes/${cls.id}/events`, { cookie: teacher.cookie });
    try {
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === 'ready');
      verdicts.set(verdictKey(learner.id, STEPS[0]), { passed: false, label: 'VPC 10.1.0.0/16' });
      const pia = await signInOver(one.url, learner.email);
      const path = `/labs/${LAB_ID}/steps/${STEPS[0]}`;
      expect((await pia.post(`${path}/check`, { _csrf: await pia.token(path) })).status).toBe(200);
      const started = Date.now();
      const update = await stream.next((e) => e.event === 'row' && (e.data as { userId: string }).userId === learner.id, 3000);
      expect(Date.now() - started).toBeLessThan(1000);
      const cell = (update.data as { cells: { stepId: string; state: string; words: string }[] }).cells.find((c) => c.stepId === STEPS[0]);
      expect(cell).toMatchObject({ state: 'failed', words: 'failing after 1 attempt: VPC 10.1.0.0/16' });
    } finally {
      stream.close();
    }
  });

  it('another schema on the same server hears nothing: channels are per database and schema', async () => {
    const other = await createTestDatabase();
    const store = await openStore(other.options);
    try {
      const heard: unknown[] = [];
      const stop = await store.events.subscribe((e) => heard.push(e));
      const mine: unknown[] = [];
      const stopMine = await stores[1].events.subscribe((e) => mine.push(e));
      await stores[0].events.publish({ userId: 'u', labId: LAB_ID, at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 300));
      expect(mine).toHaveLength(1);
      expect(heard).toEqual([]);
      stop();
      stopMine();
    } finally {
      await store.close();
      await other.destroy();
    }
  });
});

