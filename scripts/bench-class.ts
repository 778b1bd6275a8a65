// Benchmark: a class in sandbox mode. 200 learners press Check on step 1 of the VPC Flow Logs lab at the same moment,
// against Verilab run as `npm start` runs it (the built CLI's serve, its embedded defaults: sandbox mode, SQLite, NODE_ENV
// unset), in a child process. Prints the errors (target 0), p50, p95 and max latency of the checks and the wall time, next
// to moto's own p50/p95 for the same AWS calls made straight to Verilab's moto, 200 at once. Then Verilab's own resident
// memory (the Node process alone: moto and the shells are other processes) at idle, after the checks and with 50 cloud
// shells open. Target: under 250 MB each time. BENCH_LEARNERS and BENCH_SHELLS change the class size (200 and 50).
// Exits 0 when it ran to the end, targets met or not; 1 with the error when it could not.
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInternetGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import WebSocket from 'ws';
import { solver } from '../labs/vpc-flow-logs/solve';
import { DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR } from '../server/config';
import { VERILAB_SANDBOX_CREDENTIALS } from '../server/sandbox/keys';
import { freePort, inMotoAccount } from '../server/sandbox/moto-process';
import type { AwsClients } from '../server/verify/aws-session';
import { ANSI_ESCAPES, descendants, listeningPorts, memoryKb, mergeCookies, percentile, sleep, startChild, stopChild, submitForm } from './bench-kit';

const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 200);
const SHELLS = Math.min(Number(process.env.BENCH_SHELLS ?? 50), LEARNERS);
const LAB = 'vpc-flow-logs';
const STEP = 'vpcs';
const STEP_PAGE = `/labs/${LAB}/steps/${STEP}`;
const PASSWORD = 'a bench password that is long';
/** A quarter of the accounts stay empty, so their checks fail: a class is never all done at once. */
const EMPTY_EVERY = 4;
/** A check slower than this counts as an error (a browser would still be waiting, but the learner would not). */
const CHECK_TIMEOUT_MS = 60_000;
/** The name the lab's verifier-role.yaml gives the role Verilab assumes in each sandbox account. */
const VERIFIER_ROLE = 'VerilabVerifier';
const MEMORY_TARGET_MB = 250;
/** The defaults of the limits this benchmark may have to lift (server/config.ts). */
const DEFAULT_MAX_SHELLS = 50;

const ms = (n: number) => `${n.toFixed(0)} ms`;
const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

interface Learner {
  index: number;
  /** The browser's cookie header: session and CSRF cookies. */
  cookie: string;
  csrf?: string;
  accountId?: string;
  region?: string;
  /** Whether step 1 was done in their sandbox account (their check should pass). */
  prepared: boolean;
}

/** Runs `work` over `items`, at most `limit` at a time: what a class does over a few minutes, squeezed. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Processes and their memory, from /proc

/** Resident size now (VmRSS), or its peak so far (VmHWM). */
function vmRssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user and system, seconds) a process has used so far: where a burst's time went, Verilab or moto. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, counted from the pid; `fields` starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * Verilab's own moto: the `moto_server -H 127.0.0.1 -p 0` it started as its child (server/sandbox/moto-process.ts).
 * A launcher in between (a pyenv shim) may show the same command line; the deepest match is moto itself, and all of
 * them are moto's, not the shells'.
 */
function findMoto(verilabPid: number): { pid: number; url: string; pids: number[] } | undefined {
  const matches = descendants(verilabPid).filter((pid) => cmdline(pid).some((a) => a.endsWith('moto_server')));
  const pid = matches[matches.length - 1];
  if (pid === undefined) return undefined;
  // moto binds a port of its own (-p 0) and only says which in its log: read it from the socket it listens on.
  const [port] = listeningPorts(pid);
  if (port === undefined) return undefined;
  return { pid, url: `http://127.0.0.1:${port}`, pids: [...new Set(matches.flatMap((m) => [m, ...descendants(m)]))] };
}

/**
 * Resident (shared pages counted in each process) and proportional (shared pages split among their users) memory of the
 * processes below Verilab, moto and its own children left out: the shells' bwrap, socat and bash.
 */
function shellsMemoryMb(verilabPid: number, motoPids: number[]): { count: number; rss: number; pss: number } {
  const moto = new Set(motoPids);
  const { count, rss, pss } = memoryKb(descendants(verilabPid).filter((pid) => !moto.has(pid)));
  return { count, rss: rss / 1024, pss: pss / 1024 };
}

// ---------------------------------------------------------------------------------------------
// Verilab as `npm start` runs it

async function startVerilab(env: NodeJS.ProcessEnv, base: string): Promise<ChildProcess> {
  // Its log (pino, on stdout) is not wanted here, unless BENCH_VERILAB_LOG names a file to look into errors with; its
  // stderr is, should it fail.
  const log = process.env.BENCH_VERILAB_LOG ? fs.openSync(process.env.BENCH_VERILAB_LOG, 'w') : 'ignore';
  try {
    return await startChild(process.execPath, ['dist/server/cli.js', 'serve'], env, `${base}/healthz`, log);
  } finally {
    if (typeof log === 'number') fs.closeSync(log);
  }
}

// ---------------------------------------------------------------------------------------------
// A learner, as a browser and as the AWS CLI

/** Signs a learner up through the form with its CSRF token and cookies, as a browser would. */
async function signUp(base: string, index: number): Promise<Learner> {
  const cookie = await submitForm(base, '/signup', { name: `Bench Learner ${index}`, email: `bench-${index}-${Date.now()}@example.com`, password: PASSWORD });
  return { index, cookie, prepared: false };
}

/**
 * The learner's sandbox keys, as the My sandbox page fetches them (this also prepares the account in moto), then, for
 * three learners in four, step 1 done with those keys through Verilab's signing proxy, as a learner following the CLI tab
 * would: the lab's own solution for the step, pointed at the learner's endpoint instead of run by Skip.
 */
async function prepareAccount(base: string, learner: Learner, retried: string[]): Promise<void> {
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    res = await fetch(`${base}/connect/sandbox/credentials`, { headers: { cookie: learner.cookie, accept: 'application/json' } });
    if (res.ok || res.status < 500 || attempt === 5) break;
    // A learner would reload the page. Counted and printed: a class arriving at once should not see these.
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    retried.push(`${res.status} ${body?.error?.code ?? ''}`.trim());
    await sleep(100 + Math.random() * 400);
  }
  if (!res.ok) throw new Error(`learner ${learner.index}: sandbox credentials answered ${res.status}`);
  const c = (await res.json()) as { accountId: string; accessKeyId: string; secretAccessKey: string; region: string };
  learner.accountId = c.accountId;
  learner.region = c.region;
  // Retries as the CLI's own: the proxy's per-key rate limit may throttle a burst of calls.
  const config = { region: c.region, endpoint: `${base}/sandbox/aws`, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, maxAttempts: 5 };
  const clients: AwsClients = { accountId: c.accountId, region: c.region, ec2: new EC2Client(config), iam: new IAMClient(config), logs: new CloudWatchLogsClient(config) };
  try {
    if (learner.index % EMPTY_EVERY !== EMPTY_EVERY - 1) {
      // A new account holds nothing of the lab's, so there is nothing to discover first.
      await solver.solveStep(clients, STEP, {}, { now: new Date() });
      learner.prepared = true;
    }
    // Every learner then looks at their VPCs, as the step's CLI tab does with describe-vpcs. moto's first DescribeVpcs in an
    // account costs it about three times a later one; without this look the checks would pay that and the replay straight
    // to moto below, coming second, would not, which would flatter moto's share.
    await clients.ec2.send(new DescribeVpcsCommand({}));
  } finally {
    for (const client of [clients.ec2, clients.iam, clients.logs]) client.destroy();
  }
}

/** The step page, as the learner has it open before pressing Check: its Check form carries the CSRF token. */
async function openStep(base: string, learner: Learner): Promise<void> {
  const res = await fetch(`${base}${STEP_PAGE}`, { headers: { cookie: learner.cookie } });
  const html = await res.text();
  if (res.status !== 200) throw new Error(`learner ${learner.index}: the step page answered ${res.status}`);
  learner.cookie = mergeCookies(learner.cookie, res);
  const form = /<form[^>]*data-enhance="check"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1];
  learner.csrf = form && /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
  if (!learner.csrf) throw new Error(`learner ${learner.index}: the step page has no Check form with a CSRF token`);
}

interface CheckOutcome {
  ms: number;
  /** Why this check counts as an error; undefined for a check result, passed or failed. */
  error?: string;
  status?: string;
}

/** Presses Check as public/app.js does: the form posted, JSON asked for. */
async function pressCheck(base: string, learner: Learner): Promise<CheckOutcome> {
  const started = process.hrtime.bigint();
  try {
    const res = await fetch(`${base}/labs/${LAB}/steps/${STEP}/check`, {
      method: 'POST',
      headers: { cookie: learner.cookie, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: learner.csrf! }).toString(),
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    const text = await res.text();
    const took = elapsed(started);
    let body: { step?: unknown; status?: unknown; checks?: unknown; error?: { code?: string } } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) return { ms: took, error: `${res.status} ${body?.error?.code ?? text.slice(0, 80)}` };
    if (body?.step !== STEP || typeof body.status !== 'string' || !Array.isArray(body.checks)) return { ms: took, error: `200 but not a check result: ${text.slice(0, 80)}` };
    return { ms: took, status: body.status };
  } catch (err) {
    return { ms: elapsed(started), error: (err as Error).name === 'TimeoutError' ? `timeout after ${CHECK_TIMEOUT_MS / 1000} s` : `network: ${(err as Error).message}` };
  }
}

/**
 * What one check asks moto for, straight to moto: the verifier role read to see it still trusts Verilab, AssumeRole into
 * it, then the step's one round of reads (its needs: VPCs, subnets, route tables, internet gateways) at once with the
 * role's keys. Times the whole and the round of reads alone.
 */
async function motoCalls(motoUrl: string, learner: Learner): Promise<{ all: number; reads: number; error?: string }> {
  const region = learner.region!;
  const started = process.hrtime.bigint();
  const iam = inMotoAccount(new IAMClient({ region, endpoint: motoUrl, credentials: VERILAB_SANDBOX_CREDENTIALS, maxAttempts: 1 }), learner.accountId!);
  const sts = new STSClient({ region, endpoint: motoUrl, credentials: VERILAB_SANDBOX_CREDENTIALS, maxAttempts: 1 });
  let ec2: EC2Client | undefined;
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: VERIFIER_ROLE }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: `bench-${learner.index}`, ExternalId: 'bench', DurationSeconds: 3600 }));
    const c = assumed.Credentials!;
    ec2 = new EC2Client({ region, endpoint: motoUrl, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken }, maxAttempts: 1 });
    const readsStarted = process.hrtime.bigint();
    await Promise.all([
      ec2.send(new DescribeVpcsCommand({})),
      ec2.send(new DescribeSubnetsCommand({})),
      ec2.send(new DescribeRouteTablesCommand({})),
      ec2.send(new DescribeInternetGatewaysCommand({})),
    ]);
    return { all: elapsed(started), reads: elapsed(readsStarted) };
  } catch (err) {
    return { all: elapsed(started), reads: 0, error: (err as Error).name || String(err) };
  } finally {
    for (const client of [iam, sts, ec2]) client?.destroy();
  }
}

/** Opens a cloud shell over its WebSocket as the shell page does, and waits for the prompt. */
function openShell(base: string, learner: Learner): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/shell/ws?cols=120&rows=30`, { headers: { cookie: learner.cookie, origin: base } });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`shell ${learner.index}: no prompt after 20 s; it printed ${JSON.stringify(output.slice(-300))}`)), 20_000);
    const onMessage = (data: Buffer) => {
      output += data.toString();
      if (/\$ $/.test(output.replace(ANSI_ESCAPES, '').trimEnd() + ' ')) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(ws);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      reject(new Error(`shell ${learner.index} closed: ${code} ${reason.toString()} ${JSON.stringify(output.slice(-300))}`));
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// ---------------------------------------------------------------------------------------------

function memoryLine(name: string, mb: number): string {
  return `  ${name.padEnd(40)} ${mb.toFixed(1).padStart(6)} MB   (target: under ${MEMORY_TARGET_MB} MB)  ${mb < MEMORY_TARGET_MB ? 'met' : 'NOT MET'}`;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-bench-class-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { PORT: String(port), DATA_DIR: dataDir, NODE_ENV: '' };
  const lifted: string[] = [];
  // One address signs the whole class up: the per-address sign-up limit is meant for a class behind one NAT, with typos.
  if (LEARNERS >= DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR) {
    env.SIGNUP_RATE_LIMIT_PER_HOUR = String(LEARNERS + 20);
    lifted.push(`SIGNUP_RATE_LIMIT_PER_HOUR=${env.SIGNUP_RATE_LIMIT_PER_HOUR} (default ${DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR} per address per hour; every sign-up here comes from one address)`);
  }
  if (SHELLS > DEFAULT_MAX_SHELLS) {
    env.SANDBOX_MAX_SHELLS = String(SHELLS);
    lifted.push(`SANDBOX_MAX_SHELLS=${SHELLS} (default ${DEFAULT_MAX_SHELLS})`);
  }

  let verilab: ChildProcess | undefined;
  let moto: ReturnType<typeof findMoto>;
  const sockets: WebSocket[] = [];
  /**
   * Every process Verilab started, seen while it ran, with its command line: any left after Verilab stops is ended by its
   * id, and only while the id still names that command (the machine is shared; an id can be reused).
   */
  const seen = new Map<number, string>();
  const see = (pids: number[]) => {
    for (const pid of pids) seen.set(pid, cmdline(pid).join(' '));
  };
  const cleanUp = async () => {
    for (const ws of sockets) ws.terminate();
    if (verilab?.pid) see(descendants(verilab.pid));
    if (verilab) await stopChild(verilab, 15_000);
    await sleep(500);
    for (const [pid, command] of seen) {
      if (!command || cmdline(pid).join(' ') !== command) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended with Verilab, as it should
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const interrupted = () => void cleanUp().finally(() => process.exit(1));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const startedAll = Date.now();
    verilab = await startVerilab(env, base);
    const pid = verilab.pid!;
    moto = findMoto(pid);
    see(moto?.pids ?? []);
    console.log(`class in sandbox mode: ${LEARNERS} learners, step "${STEP}" of ${LAB}; Verilab as npm start runs it (sandbox mode, SQLite, NODE_ENV unset), pid ${pid}`);
    console.log(lifted.length ? `  limits lifted through their variables: ${lifted.join('; ')}` : '  no limit lifted: every setting is its default');

    // Idle: started, and one page served (templates compiled, the lab rendered once).
    if ((await fetch(`${base}${STEP_PAGE}`)).status !== 200) throw new Error('the step page did not answer 200');
    await sleep(1000);
    const idleMb = vmRssMb(pid);
    const startPeakMb = vmRssMb(pid, 'VmHWM');

    // The class arrives: sign-ups (argon2 hashing, a few at a time), accounts, step pages.
    let t = Date.now();
    const learners = await pool(
      Array.from({ length: LEARNERS }, (_, i) => i),
      4,
      (i) => signUp(base, i),
    );
    const signUpSeconds = (Date.now() - t) / 1000;
    const afterSignUpsMb = vmRssMb(pid);
    t = Date.now();
    const retried: string[] = [];
    await pool(learners, 8, (l) => prepareAccount(base, l, retried));
    const prepareSeconds = (Date.now() - t) / 1000;
    await pool(learners, 8, (l) => openStep(base, l));
    const prepared = learners.filter((l) => l.prepared).length;
    console.log(`  set-up: ${LEARNERS} sign-ups through the form in ${signUpSeconds.toFixed(1)} s; ${LEARNERS} sandbox accounts in ${prepareSeconds.toFixed(1)} s,`);
    console.log(`          step 1 done through the signing proxy with each learner's keys in ${prepared}, left empty in ${LEARNERS - prepared} (their checks fail)`);
    if (retried.length) {
      const kinds = [...new Set(retried)].map((k) => `${retried.filter((r) => r === k).length} × ${k}`).join(', ');
      console.log(`  NOTE: ${retried.length} first requests for sandbox keys (8 learners at a time) failed and were retried, as a learner would reload: ${kinds}`);
    }

    // 1. Every learner presses Check at once.
    const cpuBefore = { verilab: cpuSeconds(pid), moto: cpuSeconds(moto?.pid) };
    const wallStart = process.hrtime.bigint();
    const outcomes = await Promise.all(learners.map((l) => pressCheck(base, l)));
    const wall = elapsed(wallStart);
    const cpu = { verilab: cpuSeconds(pid) - cpuBefore.verilab, moto: cpuSeconds(moto?.pid) - cpuBefore.moto };
    const afterChecksMb = vmRssMb(pid);
    const errors = outcomes.filter((o) => o.error);
    const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const passed = outcomes.filter((o, i) => o.status === 'passed' && learners[i].prepared).length;
    const failedAsExpected = outcomes.filter((o, i) => o.status === 'failed' && !learners[i].prepared).length;
    const unexpected = outcomes.filter((o, i) => o.status && o.status !== (learners[i].prepared ? 'passed' : 'failed')).length;
    console.log(`${LEARNERS} learners press Check on "${STEP}" at once (POST .../check, Accept: application/json, as public/app.js):`);
    console.log(`  errors                                  ${errors.length} of ${LEARNERS}   (target: 0)  ${errors.length === 0 ? 'met' : 'NOT MET'}`);
    if (errors.length) {
      const kinds = new Map<string, number>();
      for (const e of errors) kinds.set(e.error!, (kinds.get(e.error!) ?? 0) + 1);
      for (const [kind, n] of kinds) console.log(`    ${n} × ${kind}`);
    }
    console.log(`  check results                           ${passed} passed (of ${prepared} done), ${failedAsExpected} failed (of ${LEARNERS - prepared} empty)${unexpected ? `, ${unexpected} UNEXPECTED` : ''}`);
    console.log(`  latency, through Verilab                p50 ${ms(percentile(latencies, 50))}   p95 ${ms(percentile(latencies, 95))}   max ${ms(latencies[latencies.length - 1])}`);
    console.log(`  wall time, first press to last answer   ${ms(wall)}`);
    console.log(`  CPU used meanwhile (${os.cpus().length} cores)            Verilab ${cpu.verilab.toFixed(1)} s (${((cpu.verilab * 1000) / LEARNERS).toFixed(0)} ms per check)${moto ? `, moto ${cpu.moto.toFixed(1)} s` : ''}, over ${(wall / 1000).toFixed(1)} s`);

    // The same AWS calls straight to Verilab's moto, bypassing Verilab and its proxy, as many at once.
    if (!moto) {
      console.log("  moto's own latency: not measured (Verilab's moto_server child was not found in /proc)");
    } else {
      const withAccount = learners.filter((l) => l.accountId);
      const motoCpu = cpuSeconds(moto.pid);
      const directStart = process.hrtime.bigint();
      const direct = await Promise.all(withAccount.map((l) => motoCalls(moto!.url, l)));
      const directWall = elapsed(directStart);
      const directCpu = cpuSeconds(moto.pid) - motoCpu;
      const fine = direct.filter((d) => !d.error);
      const all = fine.map((d) => d.all).sort((a, b) => a - b);
      const reads = fine.map((d) => d.reads).sort((a, b) => a - b);
      const failed = direct.length - fine.length;
      console.log(`  the same moto calls straight to moto, ${direct.length} at once (GetRole, AssumeRole, then 4 Describe calls in parallel)${failed ? `: ${failed} FAILED (${[...new Set(direct.filter((d) => d.error).map((d) => d.error))].join(', ')})` : ''}:`);
      if (fine.length) {
        console.log(`    all of a check's moto calls           p50 ${ms(percentile(all, 50))}   p95 ${ms(percentile(all, 95))}   max ${ms(all[all.length - 1])}`);
        console.log(`    the round of 4 Describe calls alone   p50 ${ms(percentile(reads, 50))}   p95 ${ms(percentile(reads, 95))}`);
        console.log(`    wall time ${ms(directWall)}, moto's CPU ${directCpu.toFixed(1)} s; moto's calls are ${((percentile(all, 50) / percentile(latencies, 50)) * 100).toFixed(0)}% of the check's p50 through Verilab`);
      }
    }

    // 2 and 3. Shells: opened one after another as learners would over a minute, each waited for, then all left idle.
    const opened = process.hrtime.bigint();
    for (const learner of learners.slice(0, SHELLS)) sockets.push(await openShell(base, learner));
    const openSeconds = elapsed(opened) / 1000;
    await sleep(2000);
    see(descendants(pid));
    const withShellsMb = vmRssMb(pid);
    const shells = shellsMemoryMb(pid, moto?.pids ?? []);
    const motoMb = moto ? vmRssMb(moto.pid) : undefined;
    console.log(`memory: Verilab's own process (VmRSS of pid ${pid}; moto and the shells are other processes):`);
    console.log(memoryLine('idle, after start-up and one page', idleMb));
    console.log(memoryLine(`after the ${LEARNERS}-learner check`, afterChecksMb));
    console.log(memoryLine(`with ${sockets.length} cloud shells open`, withShellsMb));
    console.log(`  for information: ${afterSignUpsMb.toFixed(1)} MB just after the ${LEARNERS} sign-ups (argon2id hashing, 4 at a time)`);
    console.log(`  for information: its peak resident size (VmHWM) was ${startPeakMb.toFixed(1)} MB by idle, ${vmRssMb(pid, 'VmHWM').toFixed(1)} MB over the whole run`);
    console.log(`  for information: the ${sockets.length} shells (opened in ${openSeconds.toFixed(1)} s) are ${shells.count} processes, ${shells.pss.toFixed(1)} MB proportional (PSS), ${shells.rss.toFixed(1)} MB resident counting shared pages in each`);
    if (motoMb !== undefined) console.log(`  for information: moto_server (pid ${moto!.pid}) ${motoMb.toFixed(1)} MB resident`);
    console.log(`  whole run ${((Date.now() - startedAll) / 1000).toFixed(0)} s`);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
