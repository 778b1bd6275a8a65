// `verilab verify` end to end against moto server, given the SDK's standard credential and endpoint variables as its environment.
import { runCli } from '../../../server/cli';
import { solve, labStepIds } from '../../../labs/vpc-flow-logs/solve';
import { EXTERNAL_ID, LEARNER_ACCOUNT, REGION, createVerifierRole, learnerClients, motoCommandEnv, motoForThisFile } from '../../helpers/moto';

const moto = motoForThisFile();

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['verify', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => '' }, motoCommandEnv(moto()));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('verilab verify', () => {
  it('whole lab done: exit 0 and the JSON report', async () => {
    const learner = learnerClients(moto());
    const roleArn = await createVerifierRole(learner);
    await solve(learner, labStepIds());
    const result = await run(['--lab', 'vpc-flow-logs', '--role-arn', roleArn, '--external-id', EXTERNAL_ID, '--region', REGION, '--json', '--started-at', new Date(Date.now() - 3600_000).toISOString()]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(Object.keys(report)).toEqual(['lab', 'account', 'region', 'steps']);
    expect(report).toMatchObject({ lab: 'vpc-flow-logs', account: LEARNER_ACCOUNT, region: REGION });
    expect(report.steps.map((s: { id: string; passed: boolean }) => [s.id, s.passed])).toEqual(labStepIds().map((id) => [id, true]));
    for (const step of report.steps) {
      expect(Object.keys(step)).toEqual(['id', 'passed', 'checks', 'evidence']);
      for (const c of step.checks) expect(c).toEqual(expect.objectContaining({ label: expect.any(String), ok: true }));
    }
  });

  it('part done, --step repeated: only those steps, exit 1 with the hint in the readable report', async () => {
    const learner = learnerClients(moto());
    const roleArn = await createVerifierRole(learner);
    await solve(learner, ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping']);
    const result = await run(['--lab', 'vpc-flow-logs', '--role-arn', roleArn, '--external-id', EXTERNAL_ID, '--region', REGION, '--step', 'vpcs', '--step', 'peering']);
    expect(result.code).toBe(1);
    expect(result.out).toContain('✓ 1. ');
    expect(result.out).toContain('✗ 6. ');
    expect(result.out).not.toContain('[routes]');
    expect(result.out).toMatch(/hint: .*peering/i);
    expect(result.out).toContain('1 of 2 steps passed');
  });

  it('--cleanup: an empty account exits 0 "all clean"; after the lab it exits 1 and names what is left with a cost per hour', async () => {
    const learner = learnerClients(moto());
    const roleArn = await createVerifierRole(learner);
    const args = ['--lab', 'vpc-flow-logs', '--role-arn', roleArn, '--external-id', EXTERNAL_ID, '--region', REGION, '--cleanup'];
    const empty = await run(args);
    expect(empty.err).toBe('');
    expect(empty.code).toBe(0);
    expect(empty.out).toContain('All clean');

    const state = await solve(learner, labStepIds());
    const left = await run(args);
    expect(left.code).toBe(1);
    expect(left.out).toContain(state.a!.instanceId!);
    expect(left.out).toContain(state.peeringId!);
    expect(left.out).toMatch(/Still running: about \$0\.0\d+ per hour/);
    const json = JSON.parse((await run([...args, '--json'])).out);
    expect(json).toMatchObject({ lab: 'vpc-flow-logs', account: LEARNER_ACCOUNT, region: REGION, clean: false });
    expect(json.remaining.length).toBe(8);
  });

  it.each([
    [['--lab', 'vpc-flow-logs', '--role-arn', 'arn:aws:iam::111111111111:role/X', '--external-id', 'abc', '--region', 'us-east-1', '--cleanup', '--step', 'vpcs'], 'leave out --step'],
    [['--role-arn', 'arn:aws:iam::111111111111:role/X', '--external-id', 'abc', '--region', 'us-east-1'], '--lab is required'],
    [['--lab', 'vpc-flow-logs', '--role-arn', 'not-an-arn', '--external-id', 'abc', '--region', 'us-east-1'], '--role-arn must be a role ARN'],
    [['--lab', 'nope', '--role-arn', 'arn:aws:iam::111111111111:role/X', '--external-id', 'abc', '--region', 'us-east-1'], 'there is no lab "nope"'],
    [['--lab', 'vpc-flow-logs', '--role-arn', 'arn:aws:iam::111111111111:role/X', '--external-id', 'abc', '--region', 'us-east-1', '--step', 'nope'], 'has no step nope'],
    [['--lab', 'vpc-flow-logs', '--frobnicate'], "Unknown option '--frobnicate'"],
  ])('bad arguments %j: exit 2 with the reason', async (args, reason) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(reason);
  });
});
