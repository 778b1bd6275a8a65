// Benchmark: the instructor's class page for 500 learners on SQLite. Prints the grid page's server time (median), its SQL
// statements, the live summary's server time, and how long one recorded check takes to reach 200 open event streams.
// Targets: a constant number of statements, under 50 ms median, under 1 s to fan out.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../server/app';
import { hashPassword } from '../server/auth/passwords';
import { loadConfig } from '../server/config';
import { loadLabs } from '../server/labs/loader';
import { loadCheckRegistry } from '../server/labs/registry';
import { LABS_DIR } from '../server/paths';
import { openStore } from '../server/store';
import { createLogger } from '../server/logger';
import { AwsSessions, awsSettings } from '../server/verify/aws-session';
import { VerifyEngine } from '../server/verify/engine';
import { percentile, submitForm } from './bench-kit';

const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 500);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const WARM = 10;
const PASSWORD = 'bench password that is long';
const LAB_ID = 'vpc-flow-logs';
const MIN = 60_000;


/** A seeded random stream, so every run seeds the same class. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Signs in through the form, as a browser would; returns the browser's cookies. */
const signIn = (base: string, email: string) => submitForm(base, '/login', { email, password: PASSWORD });

/** Opens a stream; resolves once it is ready, and `rowSeen` resolves at its first row event. */
function openStream(url: string, cookie: string): Promise<{ rowSeen: Promise<number>; close(): void }> {
  return new Promise((resolve, reject) => {
    let seen: (at: number) => void;
    const rowSeen = new Promise<number>((r) => (seen = r));
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: ready')) resolve({ rowSeen, close: () => req.destroy() });
        if (text.includes('event: row')) seen(performance.now());
      });
    });
    req.on('error', () => undefined);
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-bench-dashboard-'));
  const counter = { statements: 0 };
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'verilab.sqlite') }, { log: () => (counter.statements += 1) });
  const config = loadConfig({ VERILAB_MODE: 'aws', LOG_LEVEL: 'silent', DATA_DIR: dir, AUTH_RATE_LIMIT_PER_15_MIN: '100000' });
  const logger = createLogger('silent');
  const labs = loadLabs(LABS_DIR, { mode: 'aws' });
  const lab = labs.get(LAB_ID)!;
  const checks = loadCheckRegistry(labs);
  const aws = new AwsSessions({ ...awsSettings(config), credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  const engine = new VerifyEngine({ labs, checks, store, aws, logger, rateLimitMs: 1000 });
  const app = buildApp({ config, logger, labs, store, sessionSecret: 'bench-secret-that-is-long-enough-0123456789', checks, aws, engine });
  const server = http.createServer();
  // Server time: from the request's arrival to its last byte handed to the socket, so the client's own parsing is not counted.
  const served: number[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t0 = performance.now();
    if (req.url?.startsWith('/classes/') && !req.url.endsWith('/events')) res.on('finish', () => served.push(performance.now() - t0));
  });
  server.on('request', app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    // Seeding: learners spread along the lab, most failing a step once or twice before passing it, some stuck.
    const seedStart = performance.now();
    const hash = await hashPassword(PASSWORD);
    const owner = (await store.users.create({ email: 'owner@bench.test', name: 'Owner', passwordHash: hash, role: 'instructor' }))!;
    const cls = await store.classes.create({ name: 'Bench class', labId: LAB_ID, instructorId: owner.id });
    const rand = random(11);
    const now = Date.now();
    let attempts = 0;
    const learners: string[] = [];
    for (let i = 0; i < LEARNERS; i++) {
      const u = (await store.users.create({ email: `learner${i}@bench.test`, name: `Learner ${String(i).padStart(3, '0')}`, passwordHash: hash, role: 'learner' }))!;
      learners.push(u.id);
      await store.classes.enroll(cls.id, u.id);
      const reached = Math.floor(rand() * (lab.steps.length + 1));
      let t = now - 120 * MIN + rand() * 30 * MIN;
      for (let s = 0; s <= Math.min(reached, lab.steps.length - 1); s++) {
        const fails = Math.floor(rand() * 3) + (s === reached ? 1 : 0);
        for (let f = 0; f < fails; f++) {
          t += rand() * 4 * MIN;
          await store.progress.recordAttempt({ userId: u.id, labId: LAB_ID, stepId: lab.steps[s].id, status: 'failed', checks: [{ label: 'found it', ok: true }, { label: 'the missing piece', ok: false }], evidence: {}, durationMs: 800, at: new Date(t) });
          attempts += 1;
        }
        if (s === reached) break;
        t += rand() * 6 * MIN;
        await store.progress.recordAttempt({ userId: u.id, labId: LAB_ID, stepId: lab.steps[s].id, status: 'passed', checks: [{ label: 'found it', ok: true }], evidence: {}, durationMs: 800, at: new Date(t) });
        attempts += 1;
      }
    }
    const seedMs = performance.now() - seedStart;

    // The grid page, one load at a time. The first WARM loads are not counted: they compile the templates, prepare the
    // statements and let the JIT settle, as on any server that has been up for a minute.
    const ownerCookie = await signIn(base, owner.email);
    const statements: number[] = [];
    let pageBytes = 0;
    for (let r = -WARM; r < RUNS; r++) {
      const before = counter.statements;
      const res = await fetch(`${base}/classes/${cls.id}`, { headers: { cookie: ownerCookie, accept: 'text/html' } });
      const body = await res.text();
      if (r === 0) pageBytes = Buffer.byteLength(body);
      if (res.status !== 200) throw new Error(`grid page: ${res.status}`);
      if (r >= 0) statements.push(counter.statements - before);
    }
    const times = served.slice(WARM);

    // The summary (needs help, counts, funnel) that each open page reads again a second after changes and every minute.
    const summaryFrom = served.length;
    for (let r = -WARM; r < RUNS; r++) {
      const res = await fetch(`${base}/classes/${cls.id}/summary`, { headers: { cookie: ownerCookie, accept: 'text/html' } });
      await res.text();
      if (res.status !== 200) throw new Error(`class summary: ${res.status}`);
    }
    const summaryTimes = served.slice(summaryFrom + WARM).sort((a, b) => a - b);

    // Fan-out: STREAMS streams over co-instructors (each instructor may hold a few), then one recorded check.
    const cookies = [ownerCookie];
    const perInstructor = 5;
    for (let i = 1; i * perInstructor < STREAMS; i++) {
      const co = (await store.users.create({ email: `co${i}@bench.test`, name: `Co ${i}`, passwordHash: hash, role: 'instructor' }))!;
      await store.classes.addInstructor(cls.id, co.id);
      cookies.push(await signIn(base, co.email));
    }
    const streams = await Promise.all(Array.from({ length: STREAMS }, (_, i) => openStream(`${base}/classes/${cls.id}/events`, cookies[Math.floor(i / perInstructor)])));
    const learner = learners[0];
    const at = new Date();
    const sent = performance.now();
    await store.progress.recordAttempt({ userId: learner, labId: LAB_ID, stepId: lab.steps[0].id, status: 'passed', checks: [{ label: 'found it', ok: true }], evidence: {}, durationMs: 800, at });
    await store.events.publish({ userId: learner, labId: LAB_ID, at: at.toISOString() });
    const arrivals = await Promise.all(streams.map((s) => s.rowSeen));
    const fanOut = Math.max(...arrivals) - sent;
    for (const s of streams) s.close();

    const sorted = [...times].sort((a, b) => a - b);
    const med = percentile(sorted, 50);
    const constant = new Set(statements).size === 1;
    console.log(`dashboard benchmark: class of ${LEARNERS} learners on SQLite (${attempts} attempts seeded in ${(seedMs / 1000).toFixed(1)} s), ${RUNS} loads of ${Math.round(pageBytes / 1024)} KiB after ${WARM} to warm up`);
    console.log(`  grid page server time     ${med.toFixed(1)} ms median, ${sorted[0].toFixed(1)} fastest, ${percentile(sorted, 90).toFixed(1)} p90   (target: median < 50)  ${med < 50 ? 'met' : 'NOT MET'}`);
    console.log(`  class summary server time ${percentile(summaryTimes, 50).toFixed(1)} ms median, ${percentile(summaryTimes, 90).toFixed(1)} p90   (read by each open page after changes, at most once a second)`);
    console.log(`  SQL statements per load   ${statements[0]}${constant ? '' : ` (varied: ${[...new Set(statements)].join(', ')})`}   (target: constant, none per learner)  ${constant ? 'met' : 'NOT MET'}`);
    console.log(`  one update to ${STREAMS} streams ${fanOut.toFixed(1)} ms   (target < 1000)  ${fanOut < 1000 ? 'met' : 'NOT MET'}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
