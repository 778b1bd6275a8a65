import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, EC2Client, type FlowLog as Ec2FlowLog } from '@aws-sdk/client-ec2';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { gather as vpcFlowLogsGather } from '../../../labs/vpc-flow-logs/checks';
import { FLOW_RECORD_LIMIT, expandNeeds, gatherSnapshot, toInstance, toRouteTable } from '../../../server/verify/gather';
import type { IamRole } from '../../../server/verify/snapshot';

const ec2 = mockClient(EC2Client);
const logs = mockClient(CloudWatchLogsClient);
const iam = mockClient(IAMClient);
afterAll(() => {
  ec2.restore();
  logs.restore();
  iam.restore();
});
beforeEach(() => {
  ec2.reset();
  logs.reset();
  iam.reset();
});

function clients() {
  return { accountId: '111122223333', region: 'us-east-1', ec2: new EC2Client({ region: 'us-east-1' }), iam: new IAMClient({ region: 'us-east-1' }), logs: new CloudWatchLogsClient({ region: 'us-east-1' }) };
}

const denied = (action: string) => Object.assign(new Error(`User is not authorized to perform: ${action}`), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const DEFAULT_LINE = '2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 0 0 1 5 420 1718010000 1718010060 ACCEPT OK';

describe('expandNeeds', () => {
  it('records, queries and roles bring the flow logs they depend on', () => {
    expect([...expandNeeds(['flowRecords'])].sort()).toEqual(['flowLogs', 'flowRecords']);
    expect([...expandNeeds(['insightsQueries', 'vpcs'])].sort()).toEqual(['flowLogs', 'insightsQueries', 'vpcs']);
    expect([...expandNeeds(['iamRoles'])].sort()).toEqual(['flowLogs', 'iamRoles']);
  });
});

describe('mappers', () => {
  it('an instance: groups from the instance and its interfaces, once each; absent public IP stays absent', () => {
    const i = toInstance({
      InstanceId: 'i-1',
      State: { Name: 'running' },
      SecurityGroups: [{ GroupId: 'sg-1' }],
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', Groups: [{ GroupId: 'sg-1' }, { GroupId: 'sg-2' }] }],
      Tags: [{ Key: 'Name', Value: 'one' }],
    });
    expect(i).toMatchObject({ instanceId: 'i-1', state: 'running', securityGroupIds: ['sg-1', 'sg-2'], networkInterfaceIds: ['eni-1'], tags: { Name: 'one' } });
    expect(i.publicIpAddress).toBeUndefined();
  });

  it('a route table: the main association keeps no subnet id, a blackhole route keeps its state', () => {
    const t = toRouteTable({
      RouteTableId: 'rtb-1',
      VpcId: 'vpc-1',
      Routes: [{ DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: 'pcx-1', State: 'blackhole' }],
      Associations: [{ Main: true }],
    });
    expect(t.associations).toEqual([{ subnetId: undefined, main: true }]);
    expect(t.routes[0]).toMatchObject({ vpcPeeringConnectionId: 'pcx-1', state: 'blackhole' });
  });
});

describe('flow record reads', () => {
  const flowLog = (extra: Partial<Ec2FlowLog> = {}): Ec2FlowLog => ({ FlowLogId: 'fl-1', ResourceId: 'vpc-1', LogDestinationType: 'cloud-watch-logs', LogGroupName: 'vpc-flow-logs-lab', ...extra });

  it("with the lab's declaration: asks for ICMP records of interface streams in the window, page after page, and stops at the limit", async () => {
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog()] });
    const page = { events: Array.from({ length: 1000 }, () => ({ message: DEFAULT_LINE, logStreamName: 'eni-0a1-all' })), nextToken: 'more' };
    logs.on(FilterLogEventsCommand).resolves(page);
    const now = new Date('2024-06-10T11:00:00Z');
    const { snapshot, stats } = await gatherSnapshot(clients(), ['flowRecords'], { now, declared: vpcFlowLogsGather });

    const input = logs.commandCalls(FilterLogEventsCommand)[0].args[0].input;
    expect(input).toMatchObject({ logGroupName: 'vpc-flow-logs-lab', logStreamNamePrefix: 'eni-', endTime: now.getTime(), startTime: now.getTime() - 24 * 3600_000 });
    expect(input.filterPattern).toBe('[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol=1, packets, bytes, start, end, action, log_status]');
    const sets = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(sets).toHaveLength(1);
    expect(sets[0].records).toHaveLength(FLOW_RECORD_LIMIT);
    expect(sets[0].truncated).toBe(true);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(FLOW_RECORD_LIMIT / 1000);
    // flow logs (round 1), then five sequential pages of records
    expect(stats).toEqual({ calls: 1 + FLOW_RECORD_LIMIT / 1000, rounds: 1 + FLOW_RECORD_LIMIT / 1000 });
  });

  it('nothing declared: no filter pattern, and records of every protocol are kept', async () => {
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog()] });
    const tcp = '2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 40000 443 6 3 180 1718010000 1718010060 ACCEPT OK';
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: DEFAULT_LINE, logStreamName: 'eni-0a1-all' }, { message: tcp, logStreamName: 'eni-0a1-all' }] });
    const { snapshot } = await gatherSnapshot(clients(), ['flowRecords'], { now: new Date() });

    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input.filterPattern).toBeUndefined();
    const sets = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(sets[0].records.map((r) => r.protocol)).toEqual([1, 6]);
  });

  it('a custom LogFormat: the pattern follows its field order and records parse by it instead of being dropped', async () => {
    const logFormat = '${interface-id} ${srcaddr} ${dstaddr} ${protocol} ${action} ${vpc-id}';
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog({ LogFormat: logFormat })] });
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { message: 'eni-0a1 10.1.0.10 10.2.0.20 1 REJECT vpc-1', logStreamName: 'eni-0a1-all' },
        // moto ignores patterns: the declared protocol is applied in code too
        { message: 'eni-0a1 10.1.0.10 10.2.0.20 6 ACCEPT vpc-1', logStreamName: 'eni-0a1-all' },
        { message: DEFAULT_LINE, logStreamName: 'eni-0a1-all' },
      ],
    });
    const { snapshot } = await gatherSnapshot(clients(), ['flowRecords'], { now: new Date(), declared: vpcFlowLogsGather });

    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input.filterPattern).toBe('[interface_id, srcaddr, dstaddr, protocol=1, action, vpc_id]');
    const set = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value[0] : undefined;
    expect(set?.records).toEqual([expect.objectContaining({ interfaceId: 'eni-0a1', srcAddr: '10.1.0.10', dstAddr: '10.2.0.20', protocol: 1, action: 'REJECT', version: null })]);
    expect(set?.unparsed).toBe(1);
  });

  it('two flow logs with different formats into one group: no pattern (it cannot fit both), each line read by the format it fits', async () => {
    const custom = '${srcaddr} ${dstaddr} ${protocol}';
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog(), flowLog({ FlowLogId: 'fl-2', LogFormat: custom })] });
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: DEFAULT_LINE, logStreamName: 'eni-0a1-all' }, { message: '10.1.0.10 10.2.0.20 1', logStreamName: 'eni-0b2-all' }] });
    const { snapshot } = await gatherSnapshot(clients(), ['flowRecords'], { now: new Date(), declared: vpcFlowLogsGather });

    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input.filterPattern).toBeUndefined();
    const set = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value[0] : undefined;
    expect(set?.records.map((r) => [r.logStreamName, r.version])).toEqual([
      ['eni-0a1-all', 2],
      ['eni-0b2-all', null],
    ]);
  });
  it('flow logs on a subnet and on a network interface: the records of both groups are read, from their eni- streams', async () => {
    ec2.on(DescribeFlowLogsCommand).resolves({
      FlowLogs: [
        flowLog({ FlowLogId: 'fl-subnet', ResourceId: 'subnet-1', LogGroupName: 'subnet-flows' }),
        flowLog({ FlowLogId: 'fl-eni', ResourceId: 'eni-0a1', LogGroupName: undefined, LogDestination: 'arn:aws:logs:us-east-1:111122223333:log-group:eni-flows:*' }),
      ],
    });
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: DEFAULT_LINE, logStreamName: 'eni-0a1-all' }] });
    const { snapshot } = await gatherSnapshot(clients(), ['flowRecords'], { now: new Date(), declared: vpcFlowLogsGather });

    const asked = logs.commandCalls(FilterLogEventsCommand).map((c) => [c.args[0].input.logGroupName, c.args[0].input.logStreamNamePrefix]);
    expect(asked).toEqual([
      ['eni-flows', 'eni-'],
      ['subnet-flows', 'eni-'],
    ]);
    const sets = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(sets.map((set) => [set.logGroupName, set.records.length])).toEqual([
      ['eni-flows', 1],
      ['subnet-flows', 1],
    ]);
  });
});

describe('IAM reads: each call names its own permission', () => {
  const TRUST = encodeURIComponent(JSON.stringify({ Statement: { Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' } }));
  const POLICY = encodeURIComponent(JSON.stringify({ Statement: { Effect: 'Allow', Action: 'logs:*', Resource: '*' } }));
  const MANAGED = 'arn:aws:iam::111122223333:policy/FlowLogsWriter';

  function account() {
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    iam.on(ListRolesCommand).resolves({
      Roles: [{ RoleName: 'Delivery', Arn: 'arn:aws:iam::111122223333:role/Delivery', Path: '/', RoleId: 'r', CreateDate: new Date('2024-06-10T09:30:00Z'), AssumeRolePolicyDocument: TRUST }],
    });
    // Nothing attached is listed, so the managed policy's version needs GetPolicy.
    iam.on(ListPoliciesCommand).resolves({ Policies: [] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['Inline'] });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED, PolicyName: 'FlowLogsWriter' }] });
    iam.on(GetRolePolicyCommand).resolves({ RoleName: 'Delivery', PolicyName: 'Inline', PolicyDocument: POLICY });
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: MANAGED, DefaultVersionId: 'v2' } });
    iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: POLICY, VersionId: 'v2' } });
  }

  async function roles() {
    const { snapshot } = await gatherSnapshot(clients(), ['iamRoles'], { now: new Date(), declared: vpcFlowLogsGather });
    return snapshot.iamRoles!;
  }

  const policy = (part: Awaited<ReturnType<typeof roles>>, name: string) => (part.ok ? part.value[0].policies.find((p) => p.name === name) : undefined);

  it('everything readable: both documents, decoded, and nothing marked unreadable', async () => {
    account();
    const part = await roles();
    expect(part.ok && part.value.map((r: IamRole) => r.policies.map((p) => [p.name, p.kind, p.document !== null, p.unreadable]))).toEqual([
      [
        ['Inline', 'inline', true, undefined],
        ['FlowLogsWriter', 'managed', true, undefined],
      ],
    ]);
    expect(iam.commandCalls(GetPolicyVersionCommand)[0].args[0].input).toEqual({ PolicyArn: MANAGED, VersionId: 'v2' });
  });

  it('ListAttachedRolePolicies denied: the roles part is unavailable naming iam:ListAttachedRolePolicies, not ListRolePolicies', async () => {
    account();
    iam.on(ListAttachedRolePoliciesCommand).rejects(denied('iam:ListAttachedRolePolicies'));
    expect(await roles()).toEqual({ ok: false, reason: 'the role lacks iam:ListAttachedRolePolicies', permission: 'iam:ListAttachedRolePolicies' });
  });

  it('GetRolePolicy denied: that inline policy is unreadable naming iam:GetRolePolicy; the managed one is still read', async () => {
    account();
    iam.on(GetRolePolicyCommand).rejects(denied('iam:GetRolePolicy'));
    const part = await roles();
    expect(policy(part, 'Inline')).toEqual({ name: 'Inline', kind: 'inline', document: null, unreadable: { reason: 'the role lacks iam:GetRolePolicy', permission: 'iam:GetRolePolicy' } });
    expect(policy(part, 'FlowLogsWriter')?.document).toEqual(expect.objectContaining({ Statement: expect.anything() }));
  });

  it('GetPolicy denied: the managed policy is unreadable naming iam:GetPolicy', async () => {
    account();
    iam.on(GetPolicyCommand).rejects(denied('iam:GetPolicy'));
    const part = await roles();
    expect(policy(part, 'FlowLogsWriter')).toMatchObject({ document: null, unreadable: { permission: 'iam:GetPolicy', reason: 'the role lacks iam:GetPolicy' } });
    expect(iam.commandCalls(GetPolicyVersionCommand)).toHaveLength(0);
    expect(policy(part, 'Inline')?.document).not.toBeNull();
  });

  it('GetPolicyVersion denied: the managed policy is unreadable naming iam:GetPolicyVersion', async () => {
    account();
    iam.on(GetPolicyVersionCommand).rejects(denied('iam:GetPolicyVersion'));
    const part = await roles();
    expect(policy(part, 'FlowLogsWriter')).toMatchObject({ document: null, unreadable: { permission: 'iam:GetPolicyVersion', reason: 'the role lacks iam:GetPolicyVersion' } });
  });

  it('ListRolePolicies denied: still named as iam:ListRolePolicies', async () => {
    account();
    iam.on(ListRolePoliciesCommand).rejects(denied('iam:ListRolePolicies'));
    expect(await roles()).toMatchObject({ ok: false, permission: 'iam:ListRolePolicies' });
  });

  it('nothing declared: a role trusted by any service is still read (the newest service roles)', async () => {
    account();
    const { snapshot } = await gatherSnapshot(clients(), ['iamRoles'], { now: new Date() });
    expect(snapshot.iamRoles!.ok && snapshot.iamRoles!.value.map((r) => r.roleName)).toEqual(['Delivery']);
  });
});
