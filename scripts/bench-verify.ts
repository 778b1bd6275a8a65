// Benchmark: checking the whole VPC Flow Logs lab through a delaying proxy in front of moto. Prints AWS calls,
// sequential rounds, and whole-lab time over one call's time. Targets: at most 3 rounds after AssumeRole, ratio at most 4.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { labStepIds, deployVerifierRole, motoLabClients, solve } from '../labs/vpc-flow-logs/solve';
import { loadLabs } from '../server/labs/loader';
import { loadCheckRegistry } from '../server/labs/registry';
import { LABS_DIR } from '../server/paths';
import { startMoto } from '../server/sandbox/moto-process';
import { AwsSessions } from '../server/verify/aws-session';
import { runChecks } from '../server/verify/engine';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LEARNER = '111111111111';
const VERILAB = '123456789012';
const REGION = 'us-east-1';
const EXTERNAL_ID = 'verilab-bench-0123456789abcdef';

/** Forwards every request to moto after DELAY_MS, like a distant AWS region, and counts them. */
async function delayingProxy(target: string) {
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(async () => {
        try {
          const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined });
          const body = Buffer.from(await upstream.arrayBuffer());
          const headers: Record<string, string> = {};
          upstream.headers.forEach((v, k) => {
            if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(k)) headers[k] = v;
          });
          res.writeHead(upstream.status, headers).end(body);
        } catch (err) {
          res.writeHead(502).end(String(err));
        } finally {
          inFlight -= 1;
        }
      }, DELAY_MS);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counters: () => ({ requests, maxInFlight }),
    reset: () => {
      requests = 0;
      maxInFlight = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const moto = await startMoto();
  const proxy = await delayingProxy(moto.url);
  try {
    // The learner builds the whole lab and deploys the verifier role, straight to moto (not timed).
    const learner = motoLabClients(moto.url, LEARNER, REGION);
    await solve(learner, labStepIds());
    const roleArn = await deployVerifierRole(learner.cloudformation, { externalId: EXTERNAL_ID, trustedAccountId: VERILAB });

    const labs = loadLabs(LABS_DIR);
    const lab = labs.get('vpc-flow-logs')!;
    const checks = loadCheckRegistry(labs);
    const sessions = new AwsSessions({ timeoutMs: 10_000, maxAttempts: 3, endpoint: () => proxy.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const aws = await sessions.forRole({ roleArn, externalId: EXTERNAL_ID, region: REGION, sessionName: 'bench' });

    const oneCall: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await aws.ec2.send(new DescribeVpcsCommand({}));
      oneCall.push(performance.now() - t);
    }
    const whole: number[] = [];
    let calls = 0;
    let counted = 0;
    let rounds = 0;
    let passed = 0;
    for (let i = 0; i < RUNS; i++) {
      proxy.reset();
      const t = performance.now();
      const run = await runChecks(aws, lab, checks, lab.steps.map((s) => s.id), { now: new Date(), labStartedAt: new Date(Date.now() - 3600_000) });
      whole.push(performance.now() - t);
      calls = proxy.counters().requests;
      rounds = run.stats.rounds;
      counted = run.stats.calls;
      passed = [...run.results.values()].filter((r) => r.passed).length;
    }
    const call = median(oneCall);
    const lap = median(whole);
    const ratio = lap / call;
    console.log(`verify benchmark: whole VPC Flow Logs lab, ${DELAY_MS} ms added to every AWS call, median of ${RUNS} runs`);
    console.log(`  steps passed              ${passed} of ${lab.steps.length}`);
    console.log(`  AWS calls per check       ${calls} through the proxy (the gatherer counted ${counted})`);
    console.log(`  sequential rounds         ${rounds}   (target <= 3)  ${rounds <= 3 ? 'met' : 'NOT MET'}`);
    console.log(`  one call                  ${call.toFixed(0)} ms`);
    console.log(`  whole-lab check           ${lap.toFixed(0)} ms`);
    console.log(`  whole-lab / one call      ${ratio.toFixed(2)}   (target <= 4)  ${ratio <= 4 ? 'met' : 'NOT MET'}`);
    console.log(`  most calls in flight      ${proxy.counters().maxInFlight}`);
  } finally {
    await proxy.close();
    await moto.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
