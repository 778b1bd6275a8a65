// Simulated traffic in a moto account: the network is read as it is, the engine decides, and real-format records land in the flow log's group.
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRouteCommand, DeleteRouteCommand } from '@aws-sdk/client-ec2';
import { PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { LAB_LOG_GROUP, LAB_ROLE_NAME } from '../../../labs/vpc-flow-logs/lab-model';
import { solve, type LabState } from '../../../labs/vpc-flow-logs/solve';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import { readNetwork, sendTraffic, simulatePing } from '../../../server/sandbox/traffic';
import { learnerClients, motoForThisFile, REGION } from '../../helpers/moto';

const moto = motoForThisFile();

function clients() {
  const c = learnerClients(moto());
  return { ...c, region: REGION };
}

async function records(c: ReturnType<typeof clients>) {
  const out = await c.logs.send(new FilterLogEventsCommand({ logGroupName: LAB_LOG_GROUP }));
  return (out.events ?? []).map((e) => ({ timestamp: e.timestamp!, record: parseFlowRecord(e.message!, e.logStreamName!)! }));
}

/** 30 s into the last whole minute: a ping of a few echoes ending then stays in one 60-second aggregation window (one record per flow). */
function midMinute(): Date {
  return new Date(Math.floor(Date.now() / 60_000) * 60_000 - 30_000);
}

async function labUpToFlowLog(c: ReturnType<typeof clients>): Promise<LabState> {
  return solve(c, ['vpcs', 'instances', 'flow-logs', 'iam-role']);
}

describe('simulated traffic in a sandbox account', () => {
  it('reads interfaces, network ACLs and both instances with their public addresses', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    const view = await readNetwork(c, new Date());
    const eniA = view.state.networkInterfaces!.find((n) => n.instanceId === s.a!.instanceId);
    expect(eniA).toMatchObject({ networkInterfaceId: s.a!.eniId, privateIpAddress: s.a!.privateIp, publicIp: s.a!.publicIp, groupIds: [s.a!.securityGroupId] });
    expect(view.state.networkAcls!.some((a) => a.vpcId === s.a!.vpcId && a.isDefault)).toBe(true);
    expect(view.logGroupNames.has(LAB_LOG_GROUP)).toBe(true);
  });

  it('the private ping before peering: no reply, and one outbound ACCEPT of 84 bytes per echo on A in the default format', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    const now = midMinute();
    const out = await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.privateIp!, count: 5 }, { now });
    expect(out.result.replied).toBe(false);
    expect(out.result.explanation.join(' ')).toContain('internet gateway cannot deliver to a private address');
    const got = await records(c);
    expect(got).toHaveLength(1);
    const { record, timestamp } = got[0]!;
    expect(record).toMatchObject({ version: 2, interfaceId: s.a!.eniId, srcAddr: s.a!.privateIp, dstAddr: s.b!.privateIp, srcPort: 0, dstPort: 0, protocol: 1, packets: 5, bytes: 420, action: 'ACCEPT' });
    expect(record.logStreamName).toBe(`${s.a!.eniId}-all`);
    expect(timestamp).toBe(record.start! * 1000);
    expect(record.end! - record.start!).toBe(4);
    expect(record.end).toBe(Math.floor(now.getTime() / 1000));
  });

  it('after peering and routes both ways: replies, with request and reply records on A (B has no flow log)', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    await solve(c, ['peering'], { state: s });
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.b!.routeTableId, DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    const out = await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.privateIp!, count: 3 }, { now: midMinute() });
    expect(out.result.replied).toBe(true);
    const got = (await records(c)).map((r) => r.record);
    expect(got.map((r) => [r.srcAddr, r.dstAddr, r.action, r.packets])).toEqual(
      expect.arrayContaining([
        [s.a!.privateIp, s.b!.privateIp, 'ACCEPT', 3],
        [s.b!.privateIp, s.a!.privateIp, 'ACCEPT', 3],
      ]),
    );
    expect(got).toHaveLength(2);
  });

  it('with the route on one side only it fails, and the explanation names the table without the route', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    await solve(c, ['peering'], { state: s });
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: s.peeringId }));
    const out = await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.privateIp! });
    expect(out.result.delivered).toBe(true);
    expect(out.result.replied).toBe(false);
    expect(out.result.explanation.join(' ')).toContain(s.b!.routeTableId);
    await c.ec2.send(new DeleteRouteCommand({ RouteTableId: s.a!.routeTableId, DestinationCidrBlock: '10.2.0.0/16' }));
  });

  it('a role that does not trust VPC Flow Logs delivers nothing, and says why', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyDocument: JSON.stringify(trust) }));
    const out = await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.publicIp! });
    expect(out.result.replied).toBe(true);
    expect(out.recordsWritten).toBe(0);
    expect(out.undelivered).toEqual([{ flowLogId: s.flowLogId, problem: expect.stringContaining('does not trust vpc-flow-logs.amazonaws.com') }]);
    expect(await records(c)).toHaveLength(0);
  });

  it('a policy on the bare group ARN cannot write log events: nothing is delivered', async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${REGION}:${c.accountId}:log-group:${LAB_LOG_GROUP}` }] };
    await c.iam.send(new PutRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyName: 'VPCFlowLogsDeliveryPolicy', PolicyDocument: JSON.stringify(policy) }));
    const out = await simulatePing(c, { from: s.a!.instanceId!, to: s.b!.publicIp! });
    expect(out.undelivered[0]?.problem).toMatch(/log stream/);
    expect(await records(c)).toHaveLength(0);
  });

  it("noise: an SSH probe at A's public interface is let in by its group (port 22 is open) and recorded both ways", async () => {
    const c = clients();
    const s = await labUpToFlowLog(c);
    const out = await sendTraffic(c, { from: s.a!.instanceId!, to: s.b!.publicIp!, protocol: 'icmp', times: [Math.floor(Date.now() / 1000)] }, { noise: { random: () => 0.1, rate: 1 } });
    const ssh = (await records(c)).map((r) => r.record).filter((r) => r.protocol === 6);
    // Only VPC 1 has a flow log: A's group allows SSH from anywhere, so the probe is accepted and answered.
    expect(ssh.map((r) => [r.dstPort === 22 ? 'in' : 'out', r.action])).toEqual(expect.arrayContaining([['in', 'ACCEPT'], ['out', 'ACCEPT']]));
    expect(out.recordsWritten).toBeGreaterThanOrEqual(4);
  });
});
