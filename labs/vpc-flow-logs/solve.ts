// Performs each step of the VPC Flow Logs lab in an account, as a learner following the CLI tab would, after finding what the learner already built: Skip, Rebuild, the self-test and tests.
import { CloudWatchLogsClient, CreateLogGroupCommand, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AcceptVpcPeeringConnectionCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateFlowLogsCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteFlowLogsCommand,
  DeleteRouteCommand,
  DescribeFlowLogsCommand,
  DescribeImagesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ReplaceRouteCommand,
  RunInstancesCommand,
  type IpPermission,
  type ResourceType,
} from '@aws-sdk/client-ec2';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import path from 'node:path';
import type { CheckContext } from '../../server/labs/check-types';
import { deliveryGroup, isDefaultFormat, roleNameOf, rolesTrusting } from '../../server/labs/kit';
import { loadLabs } from '../../server/labs/loader';
import type { LabSolver } from '../../server/labs/solver-registry';
import { LABS_DIR } from '../../server/paths';
import { inMotoAccount } from '../../server/sandbox/moto-process';
import { echoTimes, planTraffic, readNetwork, simulatePing } from '../../server/sandbox/traffic';
import type { AwsClients } from '../../server/verify/aws-session';
import { gatherSnapshot } from '../../server/verify/gather';
import type { AccountSnapshot, Need } from '../../server/verify/snapshot';
import { gather } from './checks';
import { FLOW_LOGS_SERVICE, LAB_LOG_GROUP, LAB_QUERY, LAB_ROLE_NAME, SIDES, labModel, type Side as SideName } from './lab-model';

/** Clients in the account the steps are performed in: the simulator's clients too. */
export type LabClients = AwsClients;

export interface Side {
  vpcId: string;
  /** A public subnet: instance n's subnet once there is one. */
  subnetId: string;
  /** The subnet's effective route table. */
  routeTableId: string;
  internetGatewayId: string;
  securityGroupId?: string;
  instanceId?: string;
  eniId?: string;
  privateIp?: string;
  publicIp?: string;
}

/** What the account holds for the lab, made by the steps here or found by discoverLabState; each step adds to it. */
export interface LabState {
  /** VPC n with a public subnet; absent until step 1 is done for it. */
  a?: Side;
  b?: Side;
  /** VPCs found with the lab's CIDRs but no public subnet yet: step 1 completes these rather than making new ones. */
  vpcIds?: { a?: string; b?: string };
  /** The log group the flow log delivers to (or will): the lab's name unless the learner's flow log uses another. */
  logGroupName?: string;
  /** A role that trusts VPC Flow Logs. */
  roleArn?: string;
  /** A flow log on VPC 1 that step 4 accepts: ALL traffic, default format, to the log group with the role. */
  flowLogId?: string;
  peeringId?: string;
  /** False while the peering connection waits for acceptance. */
  peeringActive?: boolean;
}

export type SolveStepId = 'vpcs' | 'instances' | 'flow-logs' | 'iam-role' | 'ping' | 'peering' | 'routes' | 'insights';

type Key = 'a' | 'b';
const KEYS: { key: Key; n: 1 | 2; side: SideName }[] = [
  { key: 'a', n: 1, side: 'A' },
  { key: 'b', n: 2, side: 'B' },
];

/** Echo requests per ping, as the lab's `ping -c 5`. */
const PING_COUNT = 5;

const DELIVERY_POLICY = 'VPCFlowLogsDeliveryPolicy';
const TRUST_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: FLOW_LOGS_SERVICE }, Action: 'sts:AssumeRole' }] };
const DELIVERY_PERMISSIONS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'], Resource: '*' }],
};
const ICMP_FROM_ANYWHERE: IpPermission = { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
const SSH_FROM_ANYWHERE: IpPermission = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

const nameTag = (type: ResourceType, name: string) => [{ ResourceType: type, Tags: [{ Key: 'Name', Value: name }] }];

function errorName(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string })?.name ?? (err as { Code?: string })?.Code;
}

function ignoring(...names: string[]) {
  return (err: unknown) => {
    if (!names.includes(errorName(err) ?? '')) throw err;
  };
}

/**
 * The end of a ping `minutesBefore` whole minutes before `now`, a few seconds into its minute: its echoes fall in one
 * 60-second aggregation window (one record per flow), and the pings of different steps never overlap in time, so the
 * failed ping of step 5 is not taken as answered by the ping of step 7 when both run at once.
 */
function pingEnd(now: Date, minutesBefore: number): Date {
  const minute = Math.floor(now.getTime() / 60_000) - minutesBefore;
  return new Date(minute * 60_000 + (PING_COUNT + 5) * 1000);
}

// ---------------------------------------------------------------------------------------------
// Finding what the learner built

const DISCOVERY_NEEDS: Need[] = ['vpcs', 'subnets', 'routeTables', 'internetGateways', 'securityGroups', 'instances', 'peerings', 'flowLogs', 'logGroups', 'iamRoles'];

let stepOrder: string[] | undefined;

/** The lab's steps in the order lab.md gives them (the one place the order lives), each with its solution here. */
export function labStepIds(): SolveStepId[] {
  stepOrder ??= loadLabs(path.join(LABS_DIR, 'vpc-flow-logs')).labs[0].steps.map((s) => s.id);
  const unsolved = stepOrder.filter((id) => !(id in SOLVERS));
  if (unsolved.length > 0) throw new Error(`solve.ts has no solution for step ${unsolved.join(', ')}`);
  return stepOrder as SolveStepId[];
}

/**
 * What the learner built, found in a snapshot by what it is, with the lab model the checks use (so a solution builds on
 * the same VPC, subnet and instance a check would choose). Pure.
 */
export function stateFromSnapshot(snapshot: AccountSnapshot, ctx: CheckContext): LabState {
  for (const need of DISCOVERY_NEEDS) {
    const part = snapshot[need];
    if (!part?.ok) throw new Error(`could not read ${need} in account ${snapshot.accountId}: ${part ? part.reason : 'not gathered'}`);
  }
  const m = labModel(snapshot, ctx);
  const state: LabState = {};
  for (const { key, side } of KEYS) {
    const vpc = m.vpc(side);
    if (vpc.ok !== true) continue;
    const ready = m.instance(side);
    const subnet = m.publicSubnet(side);
    const routing = ready.ok === true ? ready.value.routing : subnet.ok === true ? subnet.value : undefined;
    if (!routing?.isPublic || !routing.routeTable || !routing.internetGatewayId) {
      state.vpcIds = { ...state.vpcIds, [key]: vpc.value.vpc.vpcId };
      continue;
    }
    const found: Side = { vpcId: vpc.value.vpc.vpcId, subnetId: routing.subnet.subnetId, routeTableId: routing.routeTable.routeTableId, internetGatewayId: routing.internetGatewayId };
    if (ready.ok === true) {
      const { instance, privateIp, publicIp } = ready.value;
      Object.assign(found, { instanceId: instance.instanceId, eniId: instance.networkInterfaceIds[0], privateIp, publicIp, securityGroupId: instance.securityGroupIds[0] });
    }
    state[key] = found;
  }

  const groups = new Set((snapshot.logGroups!.ok ? snapshot.logGroups!.value : []).map((g) => g.logGroupName));
  const trusting = rolesTrusting(snapshot.iamRoles!.ok ? snapshot.iamRoles!.value : [], FLOW_LOGS_SERVICE);
  const chosen = m.vpcFlowLog();
  const flowLog = chosen.ok === true ? chosen.value.flowLog : undefined;
  const group = flowLog && deliveryGroup(flowLog);
  const role = trusting.find((r) => r.arn === flowLog?.deliverLogsPermissionArn) ?? trusting.find((r) => r.roleName === LAB_ROLE_NAME) ?? trusting[0];
  state.roleArn = role?.arn;
  // A flow log that step 4 would not accept is replaced by step 4's solution (flow logs cannot be modified).
  const acceptable =
    flowLog !== undefined &&
    group !== undefined &&
    groups.has(group) &&
    flowLog.trafficType === 'ALL' &&
    flowLog.flowLogStatus === 'ACTIVE' &&
    flowLog.deliverLogsStatus !== 'FAILED' &&
    isDefaultFormat(flowLog.logFormat) &&
    role !== undefined &&
    flowLog.deliverLogsPermissionArn === role.arn;
  if (acceptable) {
    state.flowLogId = flowLog.flowLogId;
    state.logGroupName = group;
  } else if (groups.has(LAB_LOG_GROUP)) {
    state.logGroupName = LAB_LOG_GROUP;
  }

  const peering = m.peering();
  if (peering.ok === true && ['active', 'pending-acceptance'].includes(peering.value.status)) {
    state.peeringId = peering.value.vpcPeeringConnectionId;
    state.peeringActive = peering.value.status === 'active';
  }
  return state;
}

/** Reads the account and finds what the learner built by hand (or with earlier solutions), so any step's solution can run next. */
export async function discoverLabState(c: LabClients, options: { now?: Date } = {}): Promise<LabState> {
  const now = options.now ?? new Date();
  const { snapshot } = await gatherSnapshot(c, DISCOVERY_NEEDS, { now, declared: gather });
  return stateFromSnapshot(snapshot, { now, region: c.region, steps: labStepIds() });
}

// ---------------------------------------------------------------------------------------------
// What each solution needs from the steps before it

const hasInstances = (s: LabState) => Boolean(s.a?.instanceId && s.a.privateIp && s.b?.instanceId && s.b.privateIp && s.b.publicIp);
const vpcsNeeded = (s: LabState): SolveStepId[] => (s.a && s.b ? [] : ['vpcs']);
const instancesNeeded = (s: LabState): SolveStepId[] => (hasInstances(s) ? [] : [...vpcsNeeded(s), 'instances']);
const flowLogNeeded = (s: LabState): SolveStepId[] => (s.flowLogId ? [] : [...(s.logGroupName ? [] : ['flow-logs' as const]), 'iam-role']);

const NEEDS: Record<SolveStepId, (s: LabState) => SolveStepId[]> = {
  vpcs: () => [],
  instances: vpcsNeeded,
  'flow-logs': () => [],
  'iam-role': (s) => [...(s.a ? [] : ['vpcs' as const]), ...(s.logGroupName ? [] : ['flow-logs' as const])],
  ping: (s) => [...instancesNeeded(s), ...flowLogNeeded(s)],
  peering: vpcsNeeded,
  routes: (s) => [...instancesNeeded(s), ...flowLogNeeded(s), ...(s.peeringId && s.peeringActive ? [] : ['peering' as const])],
  insights: flowLogNeeded,
};

/** The earlier steps whose work the step's solution needs and the state lacks, in lab order; empty when it can run. */
export function missingFor(step: SolveStepId, state: LabState): SolveStepId[] {
  const missing = new Set(NEEDS[step](state));
  return labStepIds().filter((id) => missing.has(id));
}

function need<T>(value: T | undefined, step: SolveStepId, what: string): T {
  if (value === undefined) throw new Error(`the solution needs ${what} (step ${step}) first`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// The pieces, each made only when it is missing

/** VPC n with a public subnet: the VPC, subnet, internet gateway, route table and default route, whichever are missing. */
async function completeSide(c: LabClients, n: 1 | 2, vpcId?: string): Promise<Side> {
  const facts = n === 1 ? SIDES.A : SIDES.B;
  vpcId ??= (await c.ec2.send(new CreateVpcCommand({ CidrBlock: facts.cidr, TagSpecifications: nameTag('vpc', `lab-vpc-${n}`) }))).Vpc!.VpcId!;
  const byVpc = [{ Name: 'vpc-id', Values: [vpcId] }];

  const subnets = ((await c.ec2.send(new DescribeSubnetsCommand({ Filters: byVpc }))).Subnets ?? []).filter((s) => s.VpcId === vpcId);
  const subnetId =
    (subnets.find((s) => s.CidrBlock === facts.subnetCidr) ?? subnets[0])?.SubnetId ??
    (await c.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: facts.subnetCidr, TagSpecifications: nameTag('subnet', `lab-public-${n}`) }))).Subnet!.SubnetId!;
  await c.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));

  const gateways = (await c.ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }))).InternetGateways ?? [];
  let internetGatewayId = gateways.find((g) => g.Attachments?.some((a) => a.VpcId === vpcId))?.InternetGatewayId;
  if (!internetGatewayId) {
    internetGatewayId = (await c.ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: nameTag('internet-gateway', `lab-igw-${n}`) }))).InternetGateway!.InternetGatewayId!;
    await c.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: internetGatewayId, VpcId: vpcId }));
  }

  // The subnet's own table if it has one; otherwise a new one, so the VPC's main table stays private as in the lab.
  const tables = (await c.ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc }))).RouteTables ?? [];
  let routeTableId = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId))?.RouteTableId;
  if (!routeTableId) {
    routeTableId = (await c.ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: nameTag('route-table', `lab-public-rt-${n}`) }))).RouteTable!.RouteTableId!;
    await c.ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
  }
  await ensureRoute(c, routeTableId, '0.0.0.0/0', { GatewayId: internetGatewayId });
  return { vpcId, subnetId, routeTableId, internetGatewayId };
}

/** A route to `destination` through `target`, replacing one to the same destination through something else. */
async function ensureRoute(c: LabClients, routeTableId: string, destination: string, target: { GatewayId?: string; VpcPeeringConnectionId?: string }): Promise<void> {
  try {
    await c.ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: destination, ...target }));
  } catch (err) {
    if (errorName(err) !== 'RouteAlreadyExists') throw err;
    await c.ec2.send(new ReplaceRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: destination, ...target }));
  }
}

/** The lab's group for instance n (lab-sg-n) in its VPC, made when missing, with the inbound rule the lab gives it. */
async function labGroup(c: LabClients, side: Side, n: 1 | 2): Promise<string> {
  const name = `lab-sg-${n}`;
  const found = (await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [side.vpcId] }, { Name: 'group-name', Values: [name] }] }))).SecurityGroups ?? [];
  const groupId =
    found.find((g) => g.VpcId === side.vpcId && g.GroupName === name)?.GroupId ??
    (await c.ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: `Lab instance ${n}`, VpcId: side.vpcId }))).GroupId!;
  await allowInbound(c, groupId, n === 2 ? ICMP_FROM_ANYWHERE : SSH_FROM_ANYWHERE);
  return groupId;
}

async function allowInbound(c: LabClients, groupId: string, permission: IpPermission): Promise<void> {
  await c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permission] })).catch(ignoring('InvalidPermission.Duplicate'));
}

async function launch(c: LabClients, side: Side, n: 1 | 2, imageId: string): Promise<void> {
  side.securityGroupId = await labGroup(c, side, n);
  const run = await c.ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: side.subnetId, Groups: [side.securityGroupId], AssociatePublicIpAddress: true }],
      TagSpecifications: nameTag('instance', `lab-instance-${n}`),
    }),
  );
  const instance = run.Instances![0];
  side.instanceId = instance.InstanceId!;
  side.eniId = instance.NetworkInterfaces?.[0]?.NetworkInterfaceId;
  side.privateIp = instance.PrivateIpAddress;
  side.publicIp = instance.PublicIpAddress ?? instance.NetworkInterfaces?.[0]?.Association?.PublicIp;
}

/** The role that VPC Flow Logs assumes: the lab's, made when missing, trusting the service again if it no longer does. */
async function deliveryRole(c: LabClients): Promise<string> {
  const trust = JSON.stringify(TRUST_POLICY);
  try {
    return (await c.iam.send(new CreateRoleCommand({ RoleName: LAB_ROLE_NAME, AssumeRolePolicyDocument: trust }))).Role!.Arn!;
  } catch (err) {
    if (errorName(err) !== 'EntityAlreadyExists' && errorName(err) !== 'EntityAlreadyExistsException') throw err;
    await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: LAB_ROLE_NAME, PolicyDocument: trust }));
    return (await c.iam.send(new GetRoleCommand({ RoleName: LAB_ROLE_NAME }))).Role!.Arn!;
  }
}

/** Whether a ping would be answered, decided on the network as it is; writes nothing. */
async function answered(c: LabClients, from: string, to: string, end: Date): Promise<boolean> {
  const view = await readNetwork(c, end);
  return planTraffic(view, { from, to, protocol: 'icmp', times: echoTimes(PING_COUNT, end) }).result.replied;
}

/** Runs `send` with the routes through peering connections taken out of a table, and puts them back after. */
async function withoutPeeringRoutes(c: LabClients, routeTableId: string, send: () => Promise<unknown>): Promise<void> {
  const table = (await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
  const routes = (table?.Routes ?? []).filter((r) => r.VpcPeeringConnectionId && r.DestinationCidrBlock);
  for (const r of routes) await c.ec2.send(new DeleteRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: r.DestinationCidrBlock }));
  try {
    await send();
  } finally {
    for (const r of routes) await c.ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: r.DestinationCidrBlock, VpcPeeringConnectionId: r.VpcPeeringConnectionId }));
  }
}

/** How long a solution waits for its Logs Insights query, polling as the console does. */
const QUERY_WAIT_MS = 60_000;
const QUERY_POLL_MS = 250;

/** Waits for a query to finish, as a learner watching the console would: the step asks for a completed query. */
async function queryFinished(c: LabClients, queryId: string): Promise<void> {
  const deadline = Date.now() + QUERY_WAIT_MS;
  for (;;) {
    const { status } = await c.logs.send(new GetQueryResultsCommand({ queryId }));
    if (status === 'Complete') return;
    if (status !== 'Scheduled' && status !== 'Running') throw new Error(`the Logs Insights query ${queryId} ended ${status}`);
    if (Date.now() > deadline) throw new Error(`the Logs Insights query ${queryId} was still ${status} after ${QUERY_WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, QUERY_POLL_MS));
  }
}

// ---------------------------------------------------------------------------------------------
// The solutions

const SOLVERS: Record<SolveStepId, (c: LabClients, s: LabState, now: Date) => Promise<void>> = {
  async vpcs(c, s) {
    for (const { key, n } of KEYS) s[key] ??= await completeSide(c, n, s.vpcIds?.[key]);
  },
  async instances(c, s) {
    let image: string | undefined;
    for (const { key, n } of KEYS) {
      const side = need(s[key], 'vpcs', `VPC ${n}`);
      if (side.instanceId) continue;
      image ??= (await c.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId ?? 'ami-12c6146b';
      await launch(c, side, n, image);
    }
    // Instance 2 must let the echo requests in, whichever group the learner gave it.
    if (s.b?.securityGroupId) await allowInbound(c, s.b.securityGroupId, ICMP_FROM_ANYWHERE);
  },
  async 'flow-logs'(c, s) {
    await c.logs.send(new CreateLogGroupCommand({ logGroupName: LAB_LOG_GROUP })).catch(ignoring('ResourceAlreadyExistsException'));
    s.logGroupName ??= LAB_LOG_GROUP;
  },
  async 'iam-role'(c, s) {
    const a = need(s.a, 'vpcs', 'VPC 1');
    const logGroupName = need(s.logGroupName, 'flow-logs', 'the log group');
    s.roleArn ??= await deliveryRole(c);
    await c.iam.send(new PutRolePolicyCommand({ RoleName: roleNameOf(s.roleArn), PolicyName: DELIVERY_POLICY, PolicyDocument: JSON.stringify(DELIVERY_PERMISSIONS) }));
    if (s.flowLogId) return;
    // Flow logs cannot be modified: one on VPC 1 to the same group that step 4 would not accept is replaced.
    const existing = (await c.ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [a.vpcId] }] }))).FlowLogs ?? [];
    const replaced = existing.filter((f) => f.ResourceId === a.vpcId && f.LogGroupName === logGroupName).map((f) => f.FlowLogId!);
    if (replaced.length > 0) await c.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: replaced }));
    const created = await c.ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'VPC',
        ResourceIds: [a.vpcId],
        TrafficType: 'ALL',
        MaxAggregationInterval: 60,
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: logGroupName,
        DeliverLogsPermissionArn: s.roleArn,
      }),
    );
    const failed = created.Unsuccessful?.[0]?.Error;
    if (failed) throw new Error(`CreateFlowLogs failed: ${failed.Code} ${failed.Message}`);
    s.flowLogId = created.FlowLogIds?.[0];
  },
  async ping(c, s, now) {
    const a = need(s.a, 'instances', 'instance 1');
    const b = need(s.b, 'instances', 'instance 2');
    const from = need(a.instanceId, 'instances', 'instance 1');
    const privateIp = need(b.privateIp, 'instances', "instance 2's private IP");
    const publicIp = need(b.publicIp, 'instances', "instance 2's public IP");
    // The private ping must go unanswered, as it does before peering; with the routes already in place it does only without them.
    const privateEnd = pingEnd(now, 8);
    const privatePing = () => simulatePing(c, { from, to: privateIp, count: PING_COUNT }, { now: privateEnd });
    if (await answered(c, from, privateIp, privateEnd)) await withoutPeeringRoutes(c, a.routeTableId, privatePing);
    else await privatePing();
    // The public ping arrives from instance 1's public address: instance 2's group must let ICMP in from anywhere, as the lab says.
    const publicEnd = pingEnd(now, 7);
    if (b.securityGroupId && !(await answered(c, from, publicIp, publicEnd))) await allowInbound(c, b.securityGroupId, ICMP_FROM_ANYWHERE);
    await simulatePing(c, { from, to: publicIp, count: PING_COUNT }, { now: publicEnd });
  },
  async peering(c, s) {
    const a = need(s.a, 'vpcs', 'VPC 1');
    const b = need(s.b, 'vpcs', 'VPC 2');
    s.peeringId ??= (
      await c.ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: a.vpcId, PeerVpcId: b.vpcId, TagSpecifications: nameTag('vpc-peering-connection', 'lab-peering') }))
    ).VpcPeeringConnection!.VpcPeeringConnectionId!;
    if (!s.peeringActive) await c.ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: s.peeringId }));
    s.peeringActive = true;
  },
  async routes(c, s, now) {
    const a = need(s.a, 'instances', 'instance 1');
    const b = need(s.b, 'instances', 'instance 2');
    const peeringId = need(s.peeringId, 'peering', 'the peering connection');
    await ensureRoute(c, a.routeTableId, SIDES.B.cidr, { VpcPeeringConnectionId: peeringId });
    await ensureRoute(c, b.routeTableId, SIDES.A.cidr, { VpcPeeringConnectionId: peeringId });
    const from = need(a.instanceId, 'instances', 'instance 1');
    await simulatePing(c, { from, to: need(b.privateIp, 'instances', "instance 2's private IP"), count: PING_COUNT }, { now: pingEnd(now, 1) });
  },
  async insights(c, s, now) {
    const end = Math.floor(now.getTime() / 1000);
    const { queryId } = await c.logs.send(new StartQueryCommand({ logGroupName: s.logGroupName ?? LAB_LOG_GROUP, startTime: end - 3600, endTime: end, queryString: LAB_QUERY }));
    await queryFinished(c, queryId!);
  },
};

/** Performs the given steps in order (each needs the ones before it, or their work found by discoverLabState), returning what was made. */
export async function solve(c: LabClients, steps: readonly SolveStepId[], options: { now?: Date; state?: LabState } = {}): Promise<LabState> {
  const state = options.state ?? {};
  const now = options.now ?? new Date();
  for (const step of steps) await SOLVERS[step](c, state, now);
  return state;
}

/** The lab's solver, found by the solver registry in this folder: Skip and Rebuild run it in a learner's sandbox account. */
export const solver: LabSolver<LabState> = {
  steps: Object.keys(SOLVERS),
  discover: (c, options) => discoverLabState(c, options),
  missing: (stepId, state) => missingFor(stepId as SolveStepId, state),
  async solveStep(c, stepId, state, options) {
    await SOLVERS[stepId as SolveStepId](c, state, options.now);
  },
};

export const VERIFIER_STACK = 'verilab-verifier';

/** Deploys this lab's verifier role template, as the Connect page tells the learner to, and returns the role ARN. */
export async function deployVerifierRole(cfn: CloudFormationClient, params: { externalId: string; trustedAccountId: string }): Promise<string> {
  await cfn.send(
    new CreateStackCommand({
      StackName: VERIFIER_STACK,
      TemplateBody: fs.readFileSync(path.join(LABS_DIR, 'vpc-flow-logs', 'verifier-role.yaml'), 'utf8'),
      Parameters: [
        { ParameterKey: 'TrustedAccountId', ParameterValue: params.trustedAccountId },
        { ParameterKey: 'ExternalId', ParameterValue: params.externalId },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: VERIFIER_STACK }))).Stacks?.[0];
  const arn = stack?.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue;
  if (stack?.StackStatus !== 'CREATE_COMPLETE' || !arn) throw new Error(`verifier stack did not complete: ${stack?.StackStatus}`);
  return arn;
}

/** Clients acting directly in one account of a moto server (which does not check keys). */
export function motoLabClients(endpoint: string, accountId: string, region: string): LabClients & { cloudformation: CloudFormationClient } {
  const config = { region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return {
    accountId,
    region,
    ec2: inMotoAccount(new EC2Client(config), accountId),
    iam: inMotoAccount(new IAMClient(config), accountId),
    logs: inMotoAccount(new CloudWatchLogsClient(config), accountId),
    cloudformation: inMotoAccount(new CloudFormationClient(config), accountId),
  };
}
