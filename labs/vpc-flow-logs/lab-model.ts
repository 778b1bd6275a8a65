// The VPC Flow Logs lab's view of an account: its two VPCs, instances, flow logs, peering and records, found by what they are.
import type { CheckContext } from '../../server/labs/check-types';
import * as kit from '../../server/labs/kit';
import {
  allOf,
  choiceNote,
  choose,
  deliveryGroup,
  found,
  findVpc,
  fromStep,
  inboundFinding,
  instanceInPublicSubnet,
  instancePublicIp,
  instanceRunning,
  isDefaultFormat,
  memo,
  missing,
  once,
  peeringActive,
  peeringFinding,
  publicSubnetOf,
  readPart,
  stepNumbering,
  timeOf,
  unusableFormat,
  vpcRoutings,
  type Criterion,
  type FlowRecordField,
  type Found,
  type InboundFound,
  type NotFound,
  type SubnetRouting,
  type Traffic,
} from '../../server/labs/kit';
import { NetworkUnreadable, networkStateFromSnapshot, reach, type NetworkState, type Reachability } from '../../server/sandbox/network';
import type { AccountSnapshot, FlowLog, FlowRecord, FlowRecordSet, Instance, PeeringConnection, SecurityGroup, Vpc } from '../../server/verify/snapshot';

// ---------------------------------------------------------------------------------------------
// The lab's fixed facts

export type Side = 'A' | 'B';

export interface SideFacts {
  /** How the lab text names the VPC. */
  name: string;
  cidr: string;
  subnetCidr: string;
  instance: string;
}

export const SIDES: Record<Side, SideFacts> = {
  A: { name: 'VPC 1', cidr: '10.1.0.0/16', subnetCidr: '10.1.0.0/24', instance: 'instance 1' },
  B: { name: 'VPC 2', cidr: '10.2.0.0/16', subnetCidr: '10.2.0.0/24', instance: 'instance 2' },
};

export const OTHER: Record<Side, Side> = { A: 'B', B: 'A' };

/** Names the lab text tells the learner to use: in hints, and the log group name counts in step 3. */
export const LAB_LOG_GROUP = 'vpc-flow-logs-lab';
export const LAB_ROLE_NAME = 'VPCFlowLogsDeliveryRole';
export const FLOW_LOGS_SERVICE = 'vpc-flow-logs.amazonaws.com';
export const LAB_QUERY = 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10';
/** The step ids the model points back to; their numbers come from lab.md through the check context. */
export type StepId = 'vpcs' | 'instances' | 'flow-logs' | 'iam-role' | 'ping' | 'peering' | 'routes' | 'insights';
export const ICMP = 1;
const ECHO_REQUEST: Traffic = { protocol: 'icmp', type: 8, code: 0 };
/**
 * The record fields steps 5 and 7 read. A custom LogFormat that has them all is read like the default one (the
 * gatherer parses each flow log's own format); one that lacks any cannot show a ping, so the steps say so instead of
 * waiting for records that will never fit.
 */
export const RECORD_FIELDS: FlowRecordField[] = ['srcaddr', 'dstaddr', 'protocol', 'action', 'start', 'end'];

/** missing() tagged with the step that creates the piece. */
function lacking(origin: StepId, hint: string) {
  return missing(hint, undefined, origin);
}

// ---------------------------------------------------------------------------------------------
// Security groups: does instance 2 let a ping from instance 1 in?

/** Instance 2's groups against a ping from instance 1's private address (over peering) and its public one (over the internet). */
export function icmpAllowance(groups: readonly SecurityGroup[], a: Instance & { privateIpAddress: string }, vpcCidr: string): Found<InboundFound> {
  const from = { address: a.privateIpAddress, publicAddress: a.publicIpAddress, groupIds: a.securityGroupIds };
  const fix = `allow All ICMP - IPv4 from 0.0.0.0/0 (or at least ${vpcCidr})`;
  const wanted = { traffic: ECHO_REQUEST, from, protocolName: 'ICMP', requestName: 'echo requests (ICMP type 8)', receiver: 'instance 2', sender: 'instance 1', fix };
  return fromStep(inboundFinding(groups, wanted), 'instances');
}

// ---------------------------------------------------------------------------------------------
// Flow logs and records

const FLOW_LOG_CRITERIA: Criterion<FlowLog>[] = [
  { score: (f) => f.trafficType === 'ALL', because: 'it records ALL traffic' },
  { score: (f) => deliveryGroup(f) !== undefined, because: 'it delivers to CloudWatch Logs' },
  { score: (f) => f.flowLogStatus === 'ACTIVE', because: 'it is active' },
  { score: (f) => f.deliverLogsStatus !== 'FAILED', because: 'its delivery is not failing' },
  { score: (f) => isDefaultFormat(f.logFormat), because: 'it writes the AWS default format' },
  { score: (f) => f.maxAggregationInterval === 60, because: 'it aggregates every minute' },
  { score: (f) => timeOf(f.creationTime), because: 'it is the newest' },
];

/** A flow log that records instance 1's traffic: on VPC 1, on instance 1's subnet, or on its network interface. */
export interface Cover {
  flowLog: FlowLog;
  /** "VPC 1", "instance 1's subnet" or "instance 1's network interface", for messages. */
  scope: string;
  /** The CloudWatch Logs group it delivers to; undefined for S3 or Firehose. */
  groupName?: string;
}

export interface FlowLogChoice {
  flowLog: FlowLog;
  groupName?: string;
  note?: string;
}

/** Which address of instance 2 a traced ping goes to. */
export type PingTarget = 'private' | 'public';

/** A ping from instance 1 to instance 2, sent through the account's network state by the reachability engine. */
export interface PingTrace {
  target: PingTarget;
  /** Instance 1's private address, where the ping starts. */
  from: string;
  to: string;
  result: Reachability;
}

export interface FlowRecordsA {
  groupNames: string[];
  /** Records of instance 1: its interface, or its private address on either side. */
  records: FlowRecord[];
  sets: FlowRecordSet[];
}

// ---------------------------------------------------------------------------------------------
// The model: every finder memoised, so a step asks freely without recomputing

export interface VpcChoice {
  vpc: Vpc;
  side: Side;
  /** Every subnet of the VPC with its routing, when subnets, route tables and gateways could be read. */
  routings?: SubnetRouting[];
}

export interface InstanceChoice {
  instance: Instance;
  side: Side;
  /** The routing of the instance's subnet; undefined when the routing parts could not be read. */
  routing?: SubnetRouting;
  note?: string;
}

/** An instance that passed step 2: running, public IPv4, public subnet. */
export interface ReadyInstance {
  instance: Instance;
  privateIp: string;
  publicIp: string;
  routing: SubnetRouting;
}

export interface InstanceReadiness {
  running: Found<Instance>;
  publicSubnet: Found<SubnetRouting>;
  publicIp: Found<string>;
}

export interface LabModel {
  snapshot: AccountSnapshot;
  region: string;
  vpc(side: Side): Found<VpcChoice>;
  publicSubnet(side: Side): Found<SubnetRouting>;
  instanceCandidate(side: Side): Found<InstanceChoice>;
  readiness(side: Side): InstanceReadiness;
  instance(side: Side): Found<ReadyInstance>;
  /** Every flow log that records instance 1's traffic (see Cover). */
  covers(): Found<Cover[]>;
  /** The flow log on VPC 1 that step 4 asks for. */
  vpcFlowLog(): Found<FlowLogChoice>;
  /** The log groups that covering flow logs deliver to, or why there is none (pointing back to step 4). */
  flowGroups(): Found<Cover[]>;
  flowRecordsA(): Found<FlowRecordsA>;
  peering(): Found<PeeringConnection>;
  activePeering(): Found<PeeringConnection>;
  /**
   * How the network as it is now treats a ping from instance 1 to instance 2's address: advice for failed lines, never a
   * finding. Undefined when either instance or address is unknown or a part the engine reads could not be read.
   */
  trace(target: PingTarget): PingTrace | undefined;
  /** See kit after(): points back to the step, numbered as lab.md orders the steps. */
  after(dependency: NotFound, step: StepId): NotFound;
  /** See kit blocked(). */
  blocked(dependency: NotFound, current: StepId, sameStepHint: string): NotFound;
}

export function labModel(snapshot: AccountSnapshot, ctx: CheckContext): LabModel {
  const { region } = ctx;
  const numberOf = stepNumbering(ctx.steps);
  const after = (dependency: NotFound, step: StepId) => kit.after(dependency, step, numberOf);
  const blocked = (dependency: NotFound, current: StepId, sameStepHint: string) => kit.blocked(dependency, current, sameStepHint, numberOf);

  const routingParts = once(() =>
    allOf(readPart(snapshot, 'subnets'), readPart(snapshot, 'routeTables'), readPart(snapshot, 'internetGateways')),
  );

  const vpc = memo((side: Side): Found<VpcChoice> => {
    const vpcs = readPart(snapshot, 'vpcs');
    if (vpcs.ok !== true) return vpcs;
    const { name, cidr } = SIDES[side];
    const parts = routingParts();
    const routingsOf = (v: Vpc) => (parts.ok === true ? vpcRoutings(v.vpcId, ...parts.value, name) : undefined);
    const excludeId = side === 'B' ? valueOfVpc('A')?.vpcId : undefined;
    const choice = fromStep(findVpc(vpcs.value, { cidr, name, region, excludeId }, routingsOf), 'vpcs');
    return choice.ok === true ? found({ ...choice.value, side }, choice.detail) : choice;
  });

  const valueOfVpc = (side: Side): Vpc | undefined => valueOf(vpc(side))?.vpc;

  const publicSubnet = memo((side: Side): Found<SubnetRouting> => {
    const v = vpc(side);
    if (v.ok !== true) return v;
    const parts = routingParts();
    if (parts.ok !== true) return parts;
    return fromStep(publicSubnetOf(v.value, SIDES[side].name, SIDES[side].subnetCidr), 'vpcs');
  });

  const instanceCandidate = memo((side: Side): Found<InstanceChoice> => {
    const v = vpc(side);
    if (v.ok !== true) return v;
    const instances = readPart(snapshot, 'instances');
    if (instances.ok !== true) return instances;
    const { vpc: theVpc, routings } = v.value;
    const subnetIds = new Set((routings ?? []).map((r) => r.subnet.subnetId));
    const inVpc = instances.value.filter((i) => i.vpcId === theVpc.vpcId || (i.subnetId !== undefined && subnetIds.has(i.subnetId)));
    const routingOf = (i: Instance) => routings?.find((r) => r.subnet.subnetId === i.subnetId);
    const choice = choose(inVpc, [
      { score: (i) => i.state === 'running', because: 'it is running' },
      { score: (i) => routingOf(i)?.isPublic ?? false, because: 'it is in a public subnet' },
      { score: (i) => i.publicIpAddress !== undefined, because: 'it has a public IPv4 address' },
      { score: (i) => !['terminated', 'shutting-down'].includes(i.state), because: 'it is not terminated' },
      { score: (i) => timeOf(i.launchTime), because: 'it was launched most recently' },
    ]);
    const facts = SIDES[side];
    if (!choice) return lacking('instances', `${facts.name} has no instance in ${region}; launch one in ${publicSubnetPhrase(publicSubnet(side), facts)}.`);
    const note = choiceNote(choice, `instances are in ${facts.name}`, (i) => i.instanceId, inVpc);
    return found({ instance: choice.chosen, side, routing: routingOf(choice.chosen), note });
  });

  const readiness = memo((side: Side): InstanceReadiness => {
    const candidate = instanceCandidate(side);
    if (candidate.ok !== true) return { running: candidate, publicSubnet: candidate, publicIp: candidate };
    return instanceReadiness(candidate.value, publicSubnet(side), routingParts());
  });

  const instance = memo((side: Side): Found<ReadyInstance> => {
    const r = readiness(side);
    const all = allOf(r.running, r.publicSubnet, r.publicIp);
    if (all.ok !== true) return all;
    const [running, routing, publicIp] = all.value;
    const privateIp = running.privateIpAddress;
    if (!privateIp) return lacking('instances', `Instance ${running.instanceId} has no private IPv4 address.`);
    return found({ instance: running, privateIp, publicIp, routing });
  });

  const covers = once((): Found<Cover[]> => {
    const a = vpc('A');
    if (a.ok !== true) return a;
    const flowLogs = readPart(snapshot, 'flowLogs');
    if (flowLogs.ok !== true) return flowLogs;
    // A subnet or interface flow log records the same traffic of instance 1 as a VPC one.
    const candidate = instanceCandidate('A');
    const i = valueOf(candidate)?.instance;
    const scopeOf = (f: FlowLog) =>
      f.resourceId === a.value.vpc.vpcId
        ? 'VPC 1'
        : i && f.resourceId === i.subnetId
          ? "instance 1's subnet"
          : i?.networkInterfaceIds.includes(f.resourceId)
            ? "instance 1's network interface"
            : undefined;
    const list = flowLogs.value.flatMap((flowLog) => {
      const scope = scopeOf(flowLog);
      return scope ? [{ flowLog, scope, groupName: deliveryGroup(flowLog) }] : [];
    });
    if (list.length === 0 && candidate.ok === 'unknown') return candidate;
    return found(list);
  });

  const noFlowLog = (all: Cover[]) => lacking('iam-role', noFlowLogHint(valueOfVpc('A')!, all, readPart(snapshot, 'flowLogs'), region));

  const vpcFlowLog = once((): Found<FlowLogChoice> => {
    const all = covers();
    if (all.ok !== true) return all;
    const onVpc = all.value.filter((c) => c.scope === 'VPC 1');
    const choice = choose(onVpc, FLOW_LOG_CRITERIA.map((c) => ({ ...c, score: (x: Cover) => c.score(x.flowLog) })));
    if (!choice) return noFlowLog(all.value);
    const note = choiceNote(choice, 'flow logs watch VPC 1', (c) => c.flowLog.flowLogId, onVpc);
    return found({ flowLog: choice.chosen.flowLog, groupName: choice.chosen.groupName, note }, note);
  });

  const flowGroups = once((): Found<Cover[]> => {
    const all = covers();
    if (all.ok !== true) return all;
    if (all.value.length === 0) return noFlowLog(all.value);
    const delivering = all.value.filter((c) => c.groupName !== undefined);
    if (delivering.length > 0) return found(delivering);
    const { flowLog, scope } = all.value[0];
    return lacking('iam-role', `Flow log ${flowLog.flowLogId} on ${scope} sends its records to ${flowLog.logDestinationType}, not to a CloudWatch Logs log group; create one that does.`);
  });

  const flowRecordsA = once((): Found<FlowRecordsA> => {
    const groups = flowGroups();
    if (groups.ok !== true) return groups;
    const usable = groups.value.filter((c) => unusableFormat(c.flowLog, RECORD_FIELDS) === undefined);
    if (usable.length === 0) return lacking('iam-role', unusableFormat(groups.value[0].flowLog, RECORD_FIELDS)!);
    const groupNames = [...new Set(usable.map((c) => c.groupName!))];
    const recordsPart = readPart(snapshot, 'flowRecords');
    if (recordsPart.ok !== true) return recordsPart;
    const sets = recordsPart.value.filter((s) => groupNames.includes(s.logGroupName));
    const a = valueOf(instanceCandidate('A'))?.instance;
    const ours = (r: FlowRecord) =>
      (r.interfaceId !== null && !!a?.networkInterfaceIds.includes(r.interfaceId)) || (a?.privateIpAddress !== undefined && (r.srcAddr === a.privateIpAddress || r.dstAddr === a.privateIpAddress));
    return found({ groupNames, records: sets.flatMap((s) => s.records).filter(ours), sets });
  });

  const peering = once((): Found<PeeringConnection> => {
    const vpcs = allOf(vpc('A'), vpc('B'));
    if (vpcs.ok !== true) return after(vpcs, 'vpcs');
    const peerings = readPart(snapshot, 'peerings');
    if (peerings.ok !== true) return peerings;
    const [a, b] = vpcs.value;
    return fromStep(peeringFinding(peerings.value, { vpcId: a.vpc.vpcId, name: SIDES.A.name }, { vpcId: b.vpc.vpcId, name: SIDES.B.name }, region), 'peering');
  });

  const activePeering = once((): Found<PeeringConnection> => {
    const p = peering();
    return p.ok === true ? fromStep(peeringActive(p.value, 'VPC 1 and VPC 2'), 'peering') : p;
  });

  const network = once((): NetworkState | undefined => {
    try {
      return networkStateFromSnapshot(snapshot);
    } catch (err) {
      if (err instanceof NetworkUnreadable) return undefined;
      throw err;
    }
  });

  // The chosen instances, not only ready ones: "instance 2 is stopped, so nothing receives the echo requests" is worth saying.
  const trace = memo((target: PingTarget): PingTrace | undefined => {
    const a = valueOf(instanceCandidate('A'))?.instance;
    const b = valueOf(instanceCandidate('B'))?.instance;
    const from = a?.privateIpAddress;
    const to = target === 'private' ? b?.privateIpAddress : b?.publicIpAddress;
    if (!a || !from || !to) return undefined;
    const state = network();
    if (!state) return undefined;
    try {
      return { target, from, to, result: reach(state, { from: a.instanceId, to, protocol: 'icmp' }) };
    } catch {
      // Advice never stops a check: an account shaped in a way the engine does not expect gets no trace, not an error.
      return undefined;
    }
  });

  return { snapshot, region, vpc, publicSubnet, instanceCandidate, readiness, instance, covers, vpcFlowLog, flowGroups, flowRecordsA, peering, activePeering, trace, after, blocked };
}

// ---------------------------------------------------------------------------------------------
// Finder helpers

function valueOf<T>(piece: Found<T>): T | undefined {
  return piece.ok === true ? piece.value : undefined;
}

function publicSubnetPhrase(subnet: Found<SubnetRouting>, facts: SideFacts): string {
  return subnet.ok === true ? `its public subnet ${subnet.value.subnet.cidrBlock} (${subnet.value.subnet.subnetId})` : `a public subnet of ${facts.name}`;
}

function instanceReadiness(choice: InstanceChoice, publicSubnet: Found<SubnetRouting>, routingParts: Found<unknown>): InstanceReadiness {
  const { instance: i, side, routing } = choice;
  const place = { vpcName: SIDES[side].name, launchIn: publicSubnetPhrase(publicSubnet, SIDES[side]), hasPublicSubnet: publicSubnet.ok === true };
  const inSubnet = routingParts.ok === true ? instanceInPublicSubnet(i, routing, place) : (routingParts as NotFound);
  return {
    running: fromStep(instanceRunning(i, place), 'instances'),
    publicSubnet: fromStep(inSubnet, 'instances'),
    publicIp: fromStep(instancePublicIp(i), 'instances'),
  };
}

/** VPC 1 has no flow log: says so in the Region checked, and whether a subnet or interface flow log already serves the later steps. */
function noFlowLogHint(vpcA: Vpc, covers: readonly Cover[], flowLogs: Found<FlowLog[]>, region: string): string {
  const create = `create one with filter All, destination CloudWatch Logs, log group ${LAB_LOG_GROUP} and role ${LAB_ROLE_NAME}`;
  const none = `VPC 1 (${vpcA.vpcId}) has no flow log in ${region}`;
  const narrower = covers.find((c) => c.scope !== 'VPC 1');
  if (narrower) {
    const { flowLog, scope } = narrower;
    return `${none}. Flow log ${flowLog.flowLogId} on ${scope} records the same traffic, so steps 5, 7 and 8 can use it, but this step asks for one on VPC 1: ${create}.`;
  }
  const elsewhere = valueOf(flowLogs)?.find((f) => deliveryGroup(f) !== undefined);
  const note = elsewhere ? ` (flow log ${elsewhere.flowLogId} watches ${elsewhere.resourceId}, not VPC 1)` : '';
  return `${none}${note}; ${create}.`;
}
