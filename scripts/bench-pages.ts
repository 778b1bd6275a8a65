// Benchmark: a step page's requests per second under autocannon, for an anonymous visitor and a signed-in learner, next
// to a bare Express 5 "hello" route started by this script on the same machine. Verilab runs as `npm start` runs it (the
// built CLI's serve, its embedded defaults, NODE_ENV unset). Target: at least 50% of bare Express's rate.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../server/sandbox/moto-process';
import { startChild, stopChild, submitForm } from './bench-kit';

/** A whole number of at least 1 from the environment, or the default; anything else stops the benchmark with the variable's name. */
function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number of at least 1, not "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** Seconds of load per target, over all rounds: 2 s rounds moved the ratios by 20 points from one round to the next here. */
const DURATION = setting('BENCH_SECONDS', 30);
const CONNECTIONS = setting('BENCH_CONNECTIONS', 10);
/** Each target is measured in this many rounds, the three in turn, so that the machine's drift (it is shared) falls on all three alike. */
const ROUNDS = setting('BENCH_ROUNDS', 5);
const STEP = '/labs/vpc-flow-logs/steps/peering';
const PASSWORD = 'a bench password that is long';

/** Signs a new learner up through the form, as a browser would, and returns their cookies. */
const signUp = (base: string) => submitForm(base, '/signup', { name: 'Bench Learner', email: `bench-${Date.now()}@example.com`, password: PASSWORD });

interface Rate {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

interface Target {
  url: string;
  headers?: Record<string, string>;
  rounds: Rate[];
}

async function round(target: Target, seconds: number): Promise<void> {
  const result = await autocannon({ url: target.url, headers: target.headers, connections: CONNECTIONS, duration: seconds });
  target.rounds.push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx });
}

/** Requests per second over all rounds (each round is as long), the median round's p50 and the worst round's p99. */
function overall(target: Target): Rate {
  const sorted = [...target.rounds].sort((a, b) => a.p50 - b.p50);
  return {
    rps: target.rounds.reduce((n, r) => n + r.rps, 0) / target.rounds.length,
    p50: sorted[Math.floor(sorted.length / 2)].p50,
    p99: Math.max(...target.rounds.map((r) => r.p99)),
    non2xx: target.rounds.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-bench-pages-'));
  const [verilabPort, helloPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${verilabPort}`;
  const hello = await startChild(process.execPath, [path.join(__dirname, 'bench-hello.js')], { PORT: String(helloPort) }, `http://127.0.0.1:${helloPort}/`);
  let verilab: ChildProcess | undefined;
  try {
    verilab = await startChild(process.execPath, ['dist/server/cli.js', 'serve'], { PORT: String(verilabPort), DATA_DIR: dataDir, NODE_ENV: '' }, `${base}/healthz`);
    const cookie = await signUp(base);
    const targets: Target[] = [{ url: `http://127.0.0.1:${helloPort}/` }, { url: `${base}${STEP}` }, { url: `${base}${STEP}`, headers: { cookie } }].map((t) => ({ ...t, rounds: [] }));
    // A short warm-up first: templates compile and the JIT settles, as on any server that has been up for a minute.
    for (const target of targets) await round(target, 2);
    for (const target of targets) target.rounds = [];
    for (let i = 0; i < ROUNDS; i++) for (const target of targets) await round(target, DURATION / ROUNDS);
    const [bare, anonymous, signedIn] = targets.map(overall);
    const pct = (x: number) => `${((x / bare.rps) * 100).toFixed(0)}%`;
    const line = (name: string, r: typeof bare, ratio: string) =>
      `  ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(4)} ms   ${ratio}${r.non2xx ? `   (${r.non2xx} non-2xx!)` : ''}`;
    console.log(`step pages: ${CONNECTIONS} connections for ${DURATION} s each, in ${ROUNDS} rounds taking turns, Verilab as npm start runs it (sandbox mode, SQLite, NODE_ENV unset)`);
    console.log(line('bare Express 5 "hello"', bare, 'baseline'));
    console.log(line('step page, anonymous', anonymous, `${pct(anonymous.rps)} of bare (target >= 50%)  ${anonymous.rps / bare.rps >= 0.5 ? 'met' : 'NOT MET'}`));
    console.log(line('step page, signed-in learner', signedIn, `${pct(signedIn.rps)} of bare (target >= 50%)  ${signedIn.rps / bare.rps >= 0.5 ? 'met' : 'NOT MET'}`));
    // Each round's own ratio, to show how much of the overall figure is the machine's noise.
    const perRound = (t: Target) => t.rounds.map((r, i) => `${((r.rps / targets[0].rounds[i].rps) * 100).toFixed(0)}%`).join(' ');
    console.log(`  for information, each round's ratio: anonymous ${perRound(targets[1])}; signed in ${perRound(targets[2])}`);
  } finally {
    if (verilab) await stopChild(verilab);
    await stopChild(hello);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
