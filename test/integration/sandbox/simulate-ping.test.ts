// `verilab simulate-ping`: a learner's own key through the sandbox endpoint, or a local emulator; never anything else.
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { LAB_LOG_GROUP } from '../../../labs/vpc-flow-logs/lab-model';
import { motoLabClients, solve } from '../../../labs/vpc-flow-logs/solve';
import { runCli } from '../../../server/cli';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import { endpointRefusal, PING_MESSAGES } from '../../../server/sandbox/traffic/ping-command';
import { makeUser } from '../../helpers/app';
import { motoCommandEnv, motoForThisFile, REGION, VERILAB_ACCOUNT } from '../../helpers/moto';
import { createSandboxContext, learnerEnv, type SandboxTestContext } from '../../helpers/sandbox';

const moto = motoForThisFile();

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['simulate-ping', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => '' }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('verilab simulate-ping', () => {
  it('against an emulator on loopback: the private ping before peering fails (exit 1), says why, and writes the ACCEPT record', async () => {
    const c = motoLabClients(moto().url, VERILAB_ACCOUNT, REGION);
    const s = await solve({ ...c, region: REGION }, ['vpcs', 'instances', 'flow-logs', 'iam-role']);
    const result = await run(['--from', s.a!.instanceId!, '--to', s.b!.privateIp!, '--count', '3'], motoCommandEnv(moto()));
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    expect(result.out).toContain('3 packets transmitted, 0 received, 100% packet loss');
    expect(result.out).toContain('an internet gateway cannot deliver to a private address');
    // One record, or two when the echoes straddle a minute (the flow log aggregates per 60-second window, as AWS does).
    const events = await c.logs.send(new FilterLogEventsCommand({ logGroupName: LAB_LOG_GROUP }));
    const records = (events.events ?? []).map((e) => parseFlowRecord(e.message!, e.logStreamName!)!);
    expect(result.out).toContain(`Flow records written: ${records.length}, to ${LAB_LOG_GROUP} (${s.a!.eniId}-all)`);
    expect(records.length).toBeGreaterThanOrEqual(1);
    for (const r of records) expect(r).toMatchObject({ srcAddr: s.a!.privateIp, dstAddr: s.b!.privateIp, protocol: 1, action: 'ACCEPT' });
    expect(records.reduce((sum, r) => sum + r.packets!, 0)).toBe(3);
    expect(records.reduce((sum, r) => sum + r.bytes!, 0)).toBe(252);
  });

  it("with a learner's key through the sandbox endpoint: the public ping is answered (exit 0), in the learner's own account", async () => {
    let ctx: SandboxTestContext | undefined;
    try {
      ctx = await createSandboxContext(moto());
      const user = await makeUser(ctx.store);
      const key = await ctx.sandbox.credentials(user.id);
      const c = motoLabClients(moto().url, key.accountId, key.region);
      const s = await solve({ ...c, region: key.region }, ['vpcs', 'instances', 'flow-logs', 'iam-role']);
      // One echo: its request and its reply make exactly two records, whatever the minute.
      const result = await run(['--from', s.a!.instanceId!, '--to', s.b!.publicIp!, '--count', '1', '--json'], { ...learnerEnv(key), AWS_REGION: key.region });
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const answer = JSON.parse(result.out) as { replied: boolean; recordsWritten: number };
      expect(answer).toMatchObject({ replied: true, recordsWritten: 2 });
    } finally {
      await ctx?.close();
    }
  });

  it('bad arguments: exit 2 with what is wrong, and nothing is called', async () => {
    const result = await run(['--from', 'vpc-123', '--to', '10.2.0', '--count', '0'], { AWS_REGION: REGION });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--from must be an instance id');
    expect(result.err).toContain('--to must be an IPv4 address');
    expect(result.err).toContain('--count must be a whole number from 1 to 100');
  });

  it('an unknown instance: exit 1 and the engine names it', async () => {
    const result = await run(['--from', 'i-0123456789abcdef0', '--to', '10.2.0.5'], motoCommandEnv(moto()));
    expect(result.code).toBe(1);
    expect(result.out).toContain('i-0123456789abcdef0 is not an instance or network interface with a private address in this account');
  });
});

describe('where simulated records may be written', () => {
  it('loopback hosts and answers marked as a Verilab sandbox only', () => {
    expect(endpointRefusal('127.0.0.1', false, true)).toBeUndefined();
    expect(endpointRefusal('localhost', false, true)).toBeUndefined();
    expect(endpointRefusal('[::1]', false, true)).toBeUndefined();
    expect(endpointRefusal('labs.example.edu', true, true)).toBeUndefined();
    expect(endpointRefusal('ec2.us-east-1.amazonaws.com', false, true)).toBe(PING_MESSAGES.NOT_SANDBOX('ec2.us-east-1.amazonaws.com'));
    expect(endpointRefusal('sts.amazonaws.com', false, false)).toBe(PING_MESSAGES.NO_ENDPOINT);
    expect(endpointRefusal('127.evil.example', false, true)).toBeDefined();
  });
});
