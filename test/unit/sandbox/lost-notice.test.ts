// Sandbox.recoverLost, asked on every signed-in page: a learner whose sandbox was found in moto's current instance is
// not read again until moto's instance id would be read again; a restart, a new instance or moto not answering end that.
import pino from 'pino';
import { Sandbox } from '../../../server/sandbox/sandbox';
import type { MotoSource } from '../../../server/sandbox/moto-supervisor';
import { SecretBox } from '../../../server/sandbox/keys';
import type { SandboxAccountRow } from '../../../server/store/sandbox-accounts';
import type { Store } from '../../../server/store';

const TTL = 5_000;

function setUp(rows: Record<string, Partial<SandboxAccountRow>>) {
  const reads: string[] = [];
  let current = 'instance-1';
  let answering = true;
  const moto: MotoSource = {
    url: () => 'http://127.0.0.1:1',
    state: () => 'ready',
    requireUrl: () => 'http://127.0.0.1:1',
    instance: async () => {
      if (!answering) throw new Error('moto did not answer');
      return current;
    },
    instanceTtlMs: TTL,
    stop: async () => undefined,
  };
  const store = {
    sandboxAccounts: {
      get: async (userId: string) => {
        reads.push(userId);
        return rows[userId] as SandboxAccountRow | undefined;
      },
    },
  } as unknown as Store;
  const sandbox = new Sandbox({ store, moto, secrets: new SecretBox('a secret for the test'), labs: { labs: [], get: () => undefined } as never, publicUrl: 'http://localhost', logger: pino({ level: 'silent' }) });
  const prepared: string[] = [];
  jest.spyOn(sandbox, 'prepare').mockImplementation(async (userId: string) => {
    prepared.push(userId);
    rows[userId] = { ...rows[userId], motoInstance: current };
    return rows[userId] as SandboxAccountRow;
  });
  return {
    sandbox,
    reads,
    prepared,
    newInstance: (id: string) => (current = id),
    setAnswering: (on: boolean) => (answering = on),
  };
}

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-28T08:00:00Z') }));
afterEach(() => jest.useRealTimers());

test('page after page within the time: one read; after it, read again', async () => {
  const t = setUp({ ada: { motoInstance: 'instance-1' }, bo: {} });
  for (let i = 0; i < 5; i++) expect(await t.sandbox.recoverLost('ada')).toBe(false);
  expect(await t.sandbox.recoverLost('bo')).toBe(false);
  expect(await t.sandbox.recoverLost('bo')).toBe(false);
  expect(t.reads).toEqual(['ada', 'bo']);
  jest.advanceTimersByTime(TTL);
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
  expect(t.reads).toEqual(['ada', 'bo', 'ada']);
});

test('moto lost the sandbox: once the time is up the next page says so, once, and the one after does not', async () => {
  const t = setUp({ ada: { motoInstance: 'instance-1' } });
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
  t.newInstance('instance-2');
  jest.advanceTimersByTime(TTL);
  expect(await t.sandbox.recoverLost('ada')).toBe(true);
  expect(t.prepared).toEqual(['ada']);
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
});

test('a new instance seen for one learner sends every learner back to the database', async () => {
  const t = setUp({ ada: { motoInstance: 'instance-1' }, bo: { motoInstance: 'instance-1' } });
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
  jest.advanceTimersByTime(TTL / 2);
  expect(await t.sandbox.recoverLost('bo')).toBe(false);
  t.newInstance('instance-2');
  // ada's time is up, bo's is not: ada's read notices the new instance, and bo is read again too.
  jest.advanceTimersByTime(TTL / 2);
  expect(await t.sandbox.recoverLost('ada')).toBe(true);
  expect(await t.sandbox.recoverLost('bo')).toBe(true);
  expect(t.prepared).toEqual(['ada', 'bo']);
  expect(t.reads).toEqual(['ada', 'bo', 'ada', 'bo']);
});

test('after a restart of moto, the next page reads again at once', async () => {
  const t = setUp({ ada: { motoInstance: 'instance-1' } });
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
  t.newInstance('instance-2');
  t.sandbox.motoRestarted();
  expect(await t.sandbox.recoverLost('ada')).toBe(true);
  expect(t.reads).toEqual(['ada', 'ada']);
});

test('moto not answering: nothing is known, and the next page asks again', async () => {
  const t = setUp({ ada: { motoInstance: 'instance-1' } });
  t.setAnswering(false);
  expect(await t.sandbox.recoverLost('ada')).toBe(false);
  t.setAnswering(true);
  t.newInstance('instance-2');
  expect(await t.sandbox.recoverLost('ada')).toBe(true);
  expect(t.reads).toEqual(['ada', 'ada']);
});
