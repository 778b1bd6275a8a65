// Sandbox mode at start-up: moto started, restarted when it dies and stopped with Verilab; without moto the pages serve and Check says why.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { start, type Running } from '../../../server/main';
import { ManagedMoto } from '../../../server/sandbox/moto-supervisor';
import { SANDBOX_MESSAGES } from '../../../server/sandbox/sandbox';
import { csrfToken, makeUser, signedIn } from '../../helpers/app';

// Starting Verilab starts moto (a few seconds on a busy machine), and one test waits for moto to come back.
jest.setTimeout(120_000);

let dir: string;
let running: Running | undefined;
let lines: string[];

async function startWith(env: Record<string, string>): Promise<Running> {
  lines = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
  running = await start({ PORT: '0', DATA_DIR: dir, VERILAB_MODE: 'sandbox', LOG_LEVEL: 'info', CHECK_RATE_LIMIT_SECONDS: '1', ...env }, { logger });
  return running;
}

const app = (r: Running) => r.server as unknown as Express;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-sandbox-start-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sandbox start-up', () => {
  it('moto_server missing: one log line says how to install it; pages serve; Check answers 503 and says why', async () => {
    const r = await startWith({ SANDBOX_MOTO_COMMAND: path.join(dir, 'no-such-moto_server') });
    const log = lines.join('');
    expect(log.split('pip install \\"moto[server]\\"').length - 1).toBe(1);
    expect(log).toContain('AWS mode');
    await request(app(r)).get('/labs/vpc-flow-logs/steps/vpcs').expect(200);
    const user = await makeUser(r.store);
    const agent = await signedIn(app(r), user);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').set('Accept', 'application/json').type('form').send({ _csrf: token });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('sandbox is not available');
    expect(res.body.error.hint).toContain('pip install "moto[server]"');
    // The HTML form shows the same explanation on the step page instead of an error page.
    const page = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').type('form').send({ _csrf: token });
    expect(page.status).toBe(503);
    expect(page.text).toContain('pip install &#34;moto[server]&#34;');
  });

  it('moto dies: Verilab restarts it on the same port, the learner is told their sandbox was reset, and Check works again', async () => {
    const r = await startWith({});
    const moto = r.sandbox!.moto as ManagedMoto;
    expect(moto.state()).toBe('ready');
    const url = moto.url();
    const pid = moto.pid()!;
    const agent = await signedIn(app(r), await makeUser(r.store));
    await agent.get('/connect/sandbox/credentials').set('Accept', 'application/json').expect(200);

    process.kill(pid, 'SIGKILL');
    await until(() => moto.state() === 'ready' && moto.pid() !== pid);
    expect(moto.url()).toBe(url);
    expect(lines.join('')).toContain('moto server stopped unexpectedly');
    // The instance id is cached for a few seconds in production; the next page after that tells the learner.
    await new Promise((res) => setTimeout(res, 5_100));
    const page = await agent.get('/labs/vpc-flow-logs').expect(200);
    expect(page.text).toContain(SANDBOX_MESSAGES.LOST.slice(0, 60));
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').set('Accept', 'application/json').type('form').send({ _csrf: token });
    expect(res.status).toBe(200);
    expect(res.body.passed).toBe(false);
  });

  it('stop: moto stops with Verilab', async () => {
    const r = await startWith({});
    const pid = (r.sandbox!.moto as ManagedMoto).pid()!;
    expect(alive(pid)).toBe(true);
    await r.stop();
    running = undefined;
    await until(() => !alive(pid), 5_000);
  });
});
