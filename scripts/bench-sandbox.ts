// Benchmark for sandbox mode: ping simulation time per echo and a Logs Insights query over 100,000 flow records (the pure
// engines), the signing proxy's added latency per call (p50/p95 next to moto's own), the time from opening a cloud shell to
// its first prompt, and memory with 20 shells open. Targets: under 20 ms per echo; under 1 s for the query; proxy overhead
// under 5 ms p50; first prompt within 1 s; under 15 MB per idle shell. Prints figures and exits 0; it is not a timed test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import pino from 'pino';
import WebSocket from 'ws';
import { hashPassword } from '../server/auth/passwords';
import { ROOT_DIR } from '../server/paths';
import { runQuery, type InsightsEvent } from '../server/sandbox/insights';
import { reach, type NetworkState } from '../server/sandbox/network';
import { echoTimes, planTraffic, readNetwork, sendTraffic } from '../server/sandbox/traffic';
import type { AccountSnapshot } from '../server/verify/snapshot';
import { start } from '../server/main';
import { freePort, inMotoAccount } from '../server/sandbox/moto-process';
import { SESSION_COOKIE } from '../server/web/security';
import { ANSI_ESCAPES, descendants, memoryKb, percentile } from './bench-kit';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const SHELLS = Number(process.env.BENCH_SHELLS ?? 20);

const ms = (n: number) => `${n.toFixed(2)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** The pure engines alone: a simulated echo through the finished lab's network, and the lab's top-10 query over many records. */
function benchEngines(): void {
  const snapshot = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'test', 'fixtures', 'snapshots', 'vpc-flow-logs', 'complete.json'), 'utf8')) as AccountSnapshot;
  const value = <T>(part: { ok: true; value: T } | { ok: false } | undefined): T => (part && part.ok ? part.value : ([] as unknown as T));
  const state: NetworkState = {
    vpcs: value(snapshot.vpcs),
    subnets: value(snapshot.subnets),
    routeTables: value(snapshot.routeTables),
    internetGateways: value(snapshot.internetGateways),
    securityGroups: value(snapshot.securityGroups),
    instances: value(snapshot.instances),
    peerings: value(snapshot.peerings),
    flowLogs: value(snapshot.flowLogs),
  };
  const [a, b] = state.instances.filter((i) => i.state === 'running').sort((x, y) => (x.privateIpAddress ?? '').localeCompare(y.privateIpAddress ?? ''));
  const echo = () => reach(state, { from: a.instanceId, to: b.privateIpAddress!, protocol: 'icmp', count: 1 });
  if (!echo().replied) console.log('  (note: the fixture ping was not answered; timing the failing path)');
  for (let i = 0; i < 200; i++) echo();
  const echoes = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < echoes; i++) echo();
  const perEcho = Number(process.hrtime.bigint() - t0) / 1e6 / echoes;
  console.log('reachability engine (pure), instance 1 → instance 2 over the peering:');
  console.log(`  ${ms(perEcho)} per echo, over ${echoes} echoes (target: under 20 ms)`);

  const RECORDS = 100_000;
  const start = 1_718_000_000;
  const events: InsightsEvent[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const src = `10.${1 + (i % 2)}.${i % 7}.${(i * 7) % 250}`;
    const dst = `10.${2 - (i % 2)}.${i % 5}.${(i * 13) % 250}`;
    const t = start + (i % 3600);
    events.push({ timestamp: t * 1000, logStreamName: `eni-${(i % 4).toString(16).padStart(8, '0')}-all`, logGroupName: 'vpc-flow-logs-lab', message: `2 123456789012 eni-${(i % 4).toString(16).padStart(8, '0')} ${src} ${dst} 0 0 1 ${1 + (i % 9)} ${84 * (1 + (i % 9))} ${t} ${t + 60} ${i % 10 === 0 ? 'REJECT' : 'ACCEPT'} OK` });
  }
  const query = 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10';
  runQuery(query, events, { startTime: start, endTime: start + 7200 });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    runQuery(query, events, { startTime: start, endTime: start + 7200 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((x, y) => x - y);
  console.log(`Logs Insights engine (pure), the lab's top-10 query over ${RECORDS.toLocaleString('en')} flow records:`);
  console.log(`  median ${ms(times[2])}, fastest ${ms(times[0])} of 5 runs (target: under 1 s)`);
}

async function main(): Promise<void> {
  benchEngines();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-bench-sandbox-'));
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const running = await start({ PORT: String(port), PUBLIC_URL: base, DATA_DIR: dir, VERILAB_MODE: 'sandbox', LOG_LEVEL: 'silent', SANDBOX_MAX_SHELLS: String(SHELLS + 5), SANDBOX_REQUESTS_PER_SECOND: '100000' }, { logger: pino({ level: 'silent' }) });
  const sandbox = running.sandbox!;
  const motoUrl = sandbox.moto.url()!;
  try {
    const passwordHash = await hashPassword('bench password 123');
    const users = [];
    for (let i = 0; i < SHELLS; i++) {
      const user = (await running.store.users.create({ email: `bench${i}@example.com`, name: `Bench ${i}`, passwordHash, role: 'learner' }))!;
      users.push({ user, cookie: `${SESSION_COOKIE}=${(await running.store.sessions.create(user.id, 3_600_000)).token}` });
    }

    // 1. Proxy overhead: the same call straight to moto (in the learner's account) and through /sandbox/aws, interleaved.
    //    The per-key rate limit is lifted above, since this measures latency, not a learner's pace.
    const c = await sandbox.accounts.credentials(users[0].user.id);
    const viaProxy = new EC2Client({ region: c.region, endpoint: `${base}/sandbox/aws`, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, maxAttempts: 1 });
    const direct = inMotoAccount(new EC2Client({ region: c.region, endpoint: motoUrl, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1 }), c.accountId);
    const call = () => new DescribeVpcsCommand({});
    for (let i = 0; i < 20; i++) {
      await viaProxy.send(call());
      await direct.send(call());
    }
    const motoTimes: number[] = [];
    const proxyTimes: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      motoTimes.push(await timed(() => direct.send(call())));
      proxyTimes.push(await timed(() => viaProxy.send(call())));
    }
    motoTimes.sort((a, b) => a - b);
    proxyTimes.sort((a, b) => a - b);
    const [m50, m95, p50, p95] = [percentile(motoTimes, 50), percentile(motoTimes, 95), percentile(proxyTimes, 50), percentile(proxyTimes, 95)];
    console.log(`signing proxy, ${CALLS} × ec2 DescribeVpcs (SDK v3, keep-alive):`);
    console.log(`  moto directly       p50 ${ms(m50)}   p95 ${ms(m95)}`);
    console.log(`  through the proxy   p50 ${ms(p50)}   p95 ${ms(p95)}`);
    console.log(`  added by the proxy  p50 ${ms(p50 - m50)}   p95 ${ms(p95 - m95)}   (target: under 5 ms at p50)`);

    // 1b. A simulated ping in a real sandbox account, as an instance shell sends it: each echo decided on the account's
    //     network as read from moto (the proxy keeps a read for a few seconds), and the records written once at the end.
    const learner = sandbox.labClients(c.accountId, c.region);
    const solver = sandbox.solvers.get('vpc-flow-logs')!;
    const labState = (await solver.discover(learner, { now: new Date() })) as { a?: { instanceId?: string }; b?: { privateIp?: string } };
    for (const step of ['vpcs', 'instances', 'flow-logs', 'iam-role', 'peering', 'routes']) await solver.solveStep(learner, step, labState, { now: new Date() });
    const ping = { from: labState.a!.instanceId!, to: labState.b!.privateIp!, protocol: 'icmp' as const };
    const view = await readNetwork(learner, new Date());
    const planned = (n: number) => planTraffic(view, { ...ping, times: [Math.floor(Date.now() / 1000) + n] });
    for (let i = 0; i < 50; i++) planned(i);
    const perPlanned = (await timed(async () => {
      for (let i = 0; i < 500; i++) planned(i);
    })) / 500;
    const reads: number[] = [];
    for (let i = 0; i < 20; i++) reads.push(await timed(() => readNetwork(learner, new Date())));
    reads.sort((x, y) => x - y);
    const writes: number[] = [];
    for (let i = 0; i < 10; i++) writes.push(await timed(() => sendTraffic(learner, { ...ping, times: echoTimes(5, new Date()) })));
    writes.sort((x, y) => x - y);
    console.log(`simulated ping in a sandbox account (instance 1 → instance 2 over the peering, ${planned(0).result.replied ? 'answered' : 'NOT answered'}):`);
    console.log(`  per echo, on a network read shortly before  ${ms(perPlanned)} (target: under 20 ms)`);
    console.log(`  reading the account's network from moto     p50 ${ms(percentile(reads, 50))}   max ${ms(reads[reads.length - 1])}   (once per few seconds of pinging)`);
    console.log(`  a 5-echo ping: read, decide, write records  p50 ${ms(percentile(writes, 50))}   max ${ms(writes[writes.length - 1])}`);

    // 2 and 3. Shells: time to the first prompt for each, then memory with all of them open and idle.
    const available = await sandbox.shell.available();
    if (!available.ok) {
      console.log(`cloud shell: not measured (${available.reason})`);
      return;
    }
    for (const u of users) await sandbox.accounts.credentials(u.user.id);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const motoPid = (sandbox.moto as { pid?: () => number | undefined }).pid?.();
    const skip = new Set<number>(motoPid ? [motoPid, ...descendants(motoPid)] : []);
    const sockets: WebSocket[] = [];
    const prompts: number[] = [];
    for (const u of users) {
      const started = process.hrtime.bigint();
      const ws = new WebSocket(`ws://localhost:${port}/shell/ws?cols=120&rows=30`, { headers: { Cookie: u.cookie, Origin: base } });
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no prompt after 15 s; the shell printed: ${JSON.stringify(output.slice(-300))}`)), 15_000);
        ws.on('message', (data: Buffer) => {
          output += data.toString();
          if (/\$ $/.test(output.replace(ANSI_ESCAPES, '').trimEnd() + ' ')) {
            clearTimeout(timer);
            prompts.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          }
        });
        ws.on('close', (code, reason) => reject(new Error(`shell closed: ${code} ${reason.toString()}`)));
        ws.on('error', reject);
      });
    }
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = process.memoryUsage().rss;
    const shells = memoryKb(descendants(process.pid).filter((p) => !skip.has(p)));
    const sorted = [...prompts].sort((a, b) => a - b);
    console.log(`cloud shell, ${SHELLS} learners:`);
    console.log(`  WebSocket open to first prompt  p50 ${ms(percentile(sorted, 50))}   max ${ms(sorted[sorted.length - 1])}   first ${ms(prompts[0])}   (target: within 1 s)`);
    console.log(`  Verilab's resident memory       ${(rssBefore / 1048576).toFixed(1)} MB before, ${(rssAfter / 1048576).toFixed(1)} MB with ${SHELLS} shells open (+${((rssAfter - rssBefore) / 1048576 / SHELLS).toFixed(2)} MB per shell)`);
    console.log(`  the shells' own processes       ${shells.count} processes; per idle shell ${(shells.pss / 1024 / SHELLS).toFixed(2)} MB proportional (PSS), ${(shells.rss / 1024 / SHELLS).toFixed(2)} MB resident counting shared pages in each (target: under 15 MB)`);
    for (const ws of sockets) ws.close();
  } finally {
    await running.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
