// The VPC Flow Logs solutions against moto: after steps done by hand (or earlier solutions), discovery finds them and any step's solution runs on top.
import { CreateVpcCommand, DescribeFlowLogsCommand, DescribeInstancesCommand, DescribeRouteTablesCommand, DescribeVpcPeeringConnectionsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { checks, gather } from '../../../labs/vpc-flow-logs/checks';
import { discoverLabState, labStepIds, missingFor, solve, solver, type SolveStepId } from '../../../labs/vpc-flow-logs/solve';
import { gatherSnapshot } from '../../../server/verify/gather';
import { learnerClients, motoForThisFile, REGION } from '../../helpers/moto';

jest.setTimeout(120_000);

const moto = motoForThisFile();

/** Runs a step's real check over a fresh snapshot of the learner's account; the lab began a minute ago. */
async function checkStep(c: ReturnType<typeof learnerClients>, step: string) {
  const now = new Date();
  const { snapshot } = await gatherSnapshot(c, checks[step].needs, { now, declared: gather });
  const result = checks[step].run(snapshot, { now, labStartedAt: new Date(now.getTime() - 60_000), region: REGION, steps: labStepIds() });
  return { step, passed: result.passed, failing: result.checks.filter((l) => l.ok !== true).map((l) => `${l.label}: ${l.hint ?? l.detail ?? ''}`) };
}

const passes = (step: string) => ({ step, passed: true, failing: [] });

describe('VPC Flow Logs solutions after discovery', () => {
  it('steps 1 to 3 built, then discovered: step 4 solved from the discovered state passes its check', async () => {
    const c = learnerClients(moto());
    await solve(c, ['vpcs', 'instances', 'flow-logs']);
    const state = await discoverLabState(c);
    expect(state.a?.instanceId).toMatch(/^i-/);
    expect(state.b?.publicIp).toBeDefined();
    expect(state).toMatchObject({ logGroupName: 'vpc-flow-logs-lab' });
    expect(state.flowLogId).toBeUndefined();
    expect(missingFor('iam-role', state)).toEqual([]);
    expect(missingFor('ping', state)).toEqual(['iam-role']);
    expect(await checkStep(c, 'iam-role')).toMatchObject({ passed: false });
    await solver.solveStep(c, 'iam-role', state, { now: new Date() });
    expect(await checkStep(c, 'iam-role')).toEqual(passes('iam-role'));
  });

  it('every step, one at a time, from a fresh discovery of what the steps before it made: each check passes', async () => {
    const c = learnerClients(moto());
    for (const step of labStepIds()) {
      const state = await discoverLabState(c);
      expect({ step, missing: missingFor(step, state) }).toEqual({ step, missing: [] });
      await solver.solveStep(c, step, state, { now: new Date() });
      expect(await checkStep(c, step)).toEqual(passes(step));
    }
    // Earlier steps still pass at the end: in particular the failed ping of step 5 stays unanswered after step 7's ping.
    for (const step of labStepIds()) expect(await checkStep(c, step)).toEqual(passes(step));
  });

  it('safe to run again: a second pass over the finished lab makes no second VPC, instance, flow log or peering, and every step still passes', async () => {
    const c = learnerClients(moto());
    await solve(c, labStepIds());
    const again = await discoverLabState(c);
    for (const step of labStepIds()) await solver.solveStep(c, step, again, { now: new Date() });
    const vpcs = (await c.ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs.filter((v) => v.CidrBlock?.startsWith('10.')).map((v) => v.CidrBlock).sort()).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    const instances = ((await c.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(instances.filter((i) => i.State?.Name === 'running')).toHaveLength(2);
    expect((await c.ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs).toHaveLength(1);
    const peerings = (await c.ec2.send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections ?? [];
    expect(peerings.filter((p) => p.Status?.Code === 'active')).toHaveLength(1);
    for (const step of labStepIds()) expect(await checkStep(c, step)).toEqual(passes(step));
  });

  it('VPC 1 made by hand without a subnet: step 1 completes that VPC rather than making another', async () => {
    const c = learnerClients(moto());
    const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    const state = await discoverLabState(c);
    expect(state).toEqual({ vpcIds: { a: vpcId } });
    await solver.solveStep(c, 'vpcs', state, { now: new Date() });
    expect(state.a?.vpcId).toBe(vpcId);
    const vpcs = (await c.ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs.filter((v) => v.CidrBlock === '10.1.0.0/16')).toHaveLength(1);
    expect(await checkStep(c, 'vpcs')).toEqual(passes('vpcs'));
  });

  it('step 5 on an account already peered and routed: the failed ping is made without the routes, which are back afterwards', async () => {
    const c = learnerClients(moto());
    const built: SolveStepId[] = ['vpcs', 'instances', 'flow-logs', 'iam-role', 'peering', 'routes'];
    const made = await solve(c, built);
    const state = await discoverLabState(c);
    await solver.solveStep(c, 'ping', state, { now: new Date() });
    expect(await checkStep(c, 'ping')).toEqual(passes('ping'));
    const table = (await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [made.a!.routeTableId] }))).RouteTables![0];
    expect(table.Routes?.some((r) => r.DestinationCidrBlock === '10.2.0.0/16' && r.VpcPeeringConnectionId === made.peeringId)).toBe(true);
    expect(await checkStep(c, 'routes')).toEqual(passes('routes'));
  });
});
