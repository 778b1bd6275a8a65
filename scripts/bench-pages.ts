// Benchmark: a step page's requests per second under autocannon, for an anonymous visitor and a signed-in learner, next
// to a bare Express 5 "hello" route started by this script on the same machine. Verilab runs as `npm start` runs it (the
// built CLI's serve, its embedded defaults, NODE_ENV unset). Target: at least 50% of bare Express's rate.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../server/sandbox/moto-process';

const ROOT = path.resolve(__dirname, '..', '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const STEP = '/labs/vpc-flow-logs/steps/peering';
const PASSWORD = 'a bench password that is long';

/** Starts a child process and resolves once `url` answers 200. */
async function startServer(command: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${url} did not answer in 90 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Signs a new learner up through the form, as a browser would, and returns their cookies. */
async function signUp(base: string): Promise<string> {
  const page = await fetch(`${base}/signup`);
  let cookies = page.headers.getSetCookie().map((c) => c.split(';')[0]);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${base}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, name: 'Bench Learner', email: `bench-${Date.now()}@example.com`, password: PASSWORD }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-up failed: ${res.status}`);
  const fresh = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const names = new Set(fresh.map((c) => c.split('=')[0]));
  cookies = [...cookies.filter((c) => !names.has(c.split('=')[0])), ...fresh];
  return cookies.join('; ');
}

async function rate(url: string, headers: Record<string, string> = {}): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  // A short warm-up first: templates compile and the JIT settles, as on any server that has been up for a minute.
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-bench-pages-'));
  const [verilabPort, helloPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${verilabPort}`;
  const hello = await startServer(process.execPath, [path.join(__dirname, 'bench-hello.js')], { PORT: String(helloPort) }, `http://127.0.0.1:${helloPort}/`);
  let verilab: ChildProcess | undefined;
  try {
    verilab = await startServer(process.execPath, ['dist/server/cli.js', 'serve'], { PORT: String(verilabPort), DATA_DIR: dataDir, NODE_ENV: '' }, `${base}/healthz`);
    const cookie = await signUp(base);
    const bare = await rate(`http://127.0.0.1:${helloPort}/`);
    const anonymous = await rate(`${base}${STEP}`);
    const signedIn = await rate(`${base}${STEP}`, { cookie });
    const pct = (x: number) => `${((x / bare.rps) * 100).toFixed(0)}%`;
    const line = (name: string, r: typeof bare, ratio: string) =>
      `  ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(4)} ms   ${ratio}${r.non2xx ? `   (${r.non2xx} non-2xx!)` : ''}`;
    console.log(`step pages: ${CONNECTIONS} connections for ${DURATION} s each, Verilab as npm start runs it (sandbox mode, SQLite, NODE_ENV unset)`);
    console.log(line('bare Express 5 "hello"', bare, 'baseline'));
    console.log(line('step page, anonymous', anonymous, `${pct(anonymous.rps)} of bare (target >= 50%)  ${anonymous.rps / bare.rps >= 0.5 ? 'met' : 'NOT MET'}`));
    console.log(line('step page, signed-in learner', signedIn, `${pct(signedIn.rps)} of bare (target >= 50%)  ${signedIn.rps / bare.rps >= 0.5 ? 'met' : 'NOT MET'}`));
  } finally {
    if (verilab) await stop(verilab);
    await stop(hello);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
