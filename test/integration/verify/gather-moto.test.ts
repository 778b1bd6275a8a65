// Gatherers end to end against moto server: the learner builds the lab in one account, Verilab assumes a role from another.
import { CreateFlowLogsCommand, DeleteFlowLogsCommand } from '@aws-sdk/client-ec2';
import { checks, gather } from '../../../labs/vpc-flow-logs/checks';
import { solve, labStepIds } from '../../../labs/vpc-flow-logs/solve';
import type { CheckContext } from '../../../server/labs/check-types';
import { AwsSessions } from '../../../server/verify/aws-session';
import { gatherSnapshot } from '../../../server/verify/gather';
import type { Need } from '../../../server/verify/snapshot';
import { EXTERNAL_ID, LEARNER_ACCOUNT, REGION, createVerifierRole, learnerClients, motoAwsSettings, motoForThisFile } from '../../helpers/moto';

const moto = motoForThisFile();

/** The context the engine gives checks: the Region read and the lab's step order (from lab.md), with the times given. */
const context = (times: { now: Date; labStartedAt?: Date }): CheckContext => ({ ...times, region: REGION, steps: labStepIds() });

const ALL_NEEDS = [...new Set(Object.values(checks).flatMap((c) => c.needs))] as Need[];

async function verifierClients() {
  const learner = learnerClients(moto());
  const roleArn = await createVerifierRole(learner);
  const sessions = new AwsSessions({ timeoutMs: 5000, maxAttempts: 2, ...motoAwsSettings(moto()) });
  return { learner, roleArn, aws: await sessions.forRole({ roleArn, externalId: EXTERNAL_ID, region: REGION, sessionName: 'learner-1' }) };
}

describe('gather against moto', () => {
  it('complete lab: every part is read from the learner account and every step passes', async () => {
    const { learner, aws } = await verifierClients();
    const now = new Date();
    const state = await solve(learner, labStepIds(), { now });
    expect(aws.accountId).toBe(LEARNER_ACCOUNT);

    const { snapshot, stats } = await gatherSnapshot(aws, ALL_NEEDS, { now: new Date(now.getTime() + 1000), declared: gather });
    for (const need of ALL_NEEDS) expect({ need, ok: snapshot[need]?.ok }).toEqual({ need, ok: true });
    expect(snapshot.accountId).toBe(LEARNER_ACCOUNT);
    // the learner's VPCs are there, Verilab's own account's are not
    const cidrs = snapshot.vpcs!.ok ? snapshot.vpcs!.value.map((v) => v.cidrBlock).sort() : [];
    expect(cidrs).toEqual(expect.arrayContaining(['10.1.0.0/16', '10.2.0.0/16']));
    const records = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(records.map((r) => [r.logGroupName, r.records.length])).toEqual([['vpc-flow-logs-lab', 5]]);
    expect(records[0].records[0]).toMatchObject({ version: 2, interfaceId: state.a!.eniId, protocol: 1, srcAddr: state.a!.privateIp });
    const roles = snapshot.iamRoles!.ok ? snapshot.iamRoles!.value : [];
    expect(roles.map((r) => r.roleName)).toEqual(['VPCFlowLogsDeliveryRole']);
    expect(roles[0].policies).toEqual([expect.objectContaining({ kind: 'inline', name: 'VPCFlowLogsDeliveryPolicy', document: expect.objectContaining({ Statement: expect.any(Array) }) })]);
    expect(stats.rounds).toBeLessThanOrEqual(3);

    const ctx = context({ now: new Date(now.getTime() + 1000), labStartedAt: new Date(now.getTime() - 3600_000) });
    for (const [stepId, check] of Object.entries(checks)) {
      const result = check.run(snapshot, ctx);
      expect({ stepId, passed: result.passed, failing: result.checks.filter((c) => c.ok !== true) }).toEqual({ stepId, passed: true, failing: [] });
    }
  });

  it('one step: gathers only what that step needs', async () => {
    const { learner, aws } = await verifierClients();
    await solve(learner, ['vpcs', 'instances', 'peering']);
    const { snapshot, stats } = await gatherSnapshot(aws, checks.peering.needs, { now: new Date(), declared: gather });
    expect(Object.keys(snapshot).filter((k) => !['accountId', 'region', 'gatheredAt'].includes(k)).sort()).toEqual([...checks.peering.needs].sort());
    expect(stats.rounds).toBe(1);
    expect(checks.peering.run(snapshot, context({ now: new Date() })).passed).toBe(true);
  });

  it('an empty account: reads succeed and every step fails', async () => {
    const { aws } = await verifierClients();
    const { snapshot } = await gatherSnapshot(aws, ALL_NEEDS, { now: new Date(), declared: gather });
    for (const need of ALL_NEEDS) expect(snapshot[need]?.ok).toBe(true);
    for (const [stepId, check] of Object.entries(checks)) {
      expect({ stepId, passed: check.run(snapshot, context({ now: new Date() })).passed }).toEqual({ stepId, passed: false });
    }
  });

  it('steps done one by one: each step passes exactly once its solution has run', async () => {
    const { learner, aws } = await verifierClients();
    const state = {};
    const start = new Date(Date.now() - 60_000);
    for (const step of labStepIds()) {
      const before = await gatherSnapshot(aws, checks[step].needs, { now: new Date(), declared: gather });
      expect({ step, before: checks[step].run(before.snapshot, context({ now: new Date(), labStartedAt: start })).passed }).toEqual({ step, before: false });
      await solve(learner, [step], { state });
      const after = await gatherSnapshot(aws, checks[step].needs, { now: new Date(), declared: gather });
      const result = checks[step].run(after.snapshot, context({ now: new Date(), labStartedAt: start }));
      expect({ step, after: result.passed, failing: result.checks.filter((c) => c.ok !== true) }).toEqual({ step, after: true, failing: [] });
    }
  });

  it("a flow log on instance 1's subnet instead of VPC 1: its records are read, steps 5, 7 and 8 pass, step 4 still asks for VPC 1", async () => {
    const { learner, aws } = await verifierClients();
    const now = new Date();
    const state = await solve(learner, labStepIds(), { now });
    // Flow logs cannot be modified: the learner deletes the VPC one and makes one on the subnet, delivering to the same group.
    await learner.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [state.flowLogId!] }));
    await learner.ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'Subnet',
        ResourceIds: [state.a!.subnetId],
        TrafficType: 'ALL',
        MaxAggregationInterval: 60,
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: 'vpc-flow-logs-lab',
        DeliverLogsPermissionArn: state.roleArn,
      }),
    );
    const { snapshot } = await gatherSnapshot(aws, ALL_NEEDS, { now: new Date(now.getTime() + 1000), declared: gather });
    const records = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(records.map((r) => [r.logGroupName, r.records.length])).toEqual([['vpc-flow-logs-lab', 5]]);
    const ctx = context({ now: new Date(now.getTime() + 1000), labStartedAt: new Date(now.getTime() - 3600_000) });
    for (const step of ['flow-logs', 'ping', 'routes', 'insights']) {
      const result = checks[step].run(snapshot, ctx);
      expect({ step, failing: result.checks.filter((c) => c.ok !== true) }).toEqual({ step, failing: [] });
    }
    const flowLogLine = checks['iam-role'].run(snapshot, ctx).checks.find((c) => c.label === 'VPC 1 has a flow log that records ALL traffic')!;
    expect(flowLogLine.ok).toBe(false);
    expect(flowLogLine.hint).toContain("on instance 1's subnet records the same traffic, so steps 5, 7 and 8 can use it");
  });
});
