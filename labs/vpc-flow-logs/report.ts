// What the completion report and "Your network" say about this lab: sentences per step and the network picture, made
// from the evidence of the learner's checks (checks.ts writes it). Pure: nothing here reads an account.
import type { LabReport, StepEvidence } from '../../server/reports/lab-report';
import type { NetworkPicture, PartState, PictureVpc } from '../../server/reports/types';
import { SIDES } from './lab-model';

interface VpcEv { vpcId?: string; cidr?: string }
interface SubnetEv { subnetId?: string; cidr?: string; routeTableId?: string; internetGatewayId?: string }
interface InstanceEv { instanceId?: string; state?: string; subnetId?: string; privateIp?: string; publicIp?: string; securityGroupIds?: string[] }
interface RecordEv { src: string | null; dst: string | null; protocol: number | null; action: string | null; packets: number | null; start: number | null; end: number | null }
interface FlowLogEv { flowLogId?: string; trafficType?: string; logDestinationType?: string; deliverLogsPermissionArn?: string; flowLogStatus?: string; deliverLogsStatus?: string; maxAggregationInterval?: number }
interface RouteEv { vpc?: string; routeTableId?: string; destination?: string; target?: string }

const obj = <T>(value: unknown): T | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined);
const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The first evidence, in step order, holding `key`. */
function first<T>(evidence: StepEvidence, key: string, steps = Object.keys(evidence)): T | undefined {
  for (const step of steps) {
    const found = obj<T>(evidence[step]?.[key]);
    if (found) return found;
  }
  return undefined;
}

const vpcOf = (e: StepEvidence, side: 'A' | 'B') => first<VpcEv>(e, `vpc${side}`);
const subnetOf = (e: StepEvidence, side: 'A' | 'B') => first<SubnetEv>(e, `publicSubnet${side}`);
const instanceOf = (e: StepEvidence, side: 'A' | 'B') => first<InstanceEv>(e, `instance${side}`, ['instances', 'ping', 'routes']);

function vpcSentence(e: StepEvidence, side: 'A' | 'B'): string[] {
  const vpc = vpcOf(e, side);
  const subnet = subnetOf(e, side);
  if (!vpc?.vpcId) return [];
  const name = `${SIDES[side].name} (${vpc.vpcId}, ${vpc.cidr ?? SIDES[side].cidr})`;
  if (!subnet?.subnetId) return [`${name} exists.`];
  const where = subnet.cidr ? ` (${subnet.cidr})` : '';
  const route = subnet.routeTableId && subnet.internetGatewayId ? ` whose route table ${subnet.routeTableId} sends 0.0.0.0/0 to ${subnet.internetGatewayId}` : '';
  return [`${name} has public subnet ${subnet.subnetId}${where}${route}.`];
}

function instanceSentence(e: StepEvidence, side: 'A' | 'B'): string[] {
  const i = instanceOf(e, side);
  if (!i?.instanceId) return [];
  const label = side === 'A' ? 'Instance 1' : 'Instance 2';
  const where = i.subnetId ? ` in subnet ${i.subnetId}` : '';
  const ips = [i.privateIp && `private IP ${i.privateIp}`, i.publicIp && `public IP ${i.publicIp}`].filter(Boolean).join(' and ');
  const groups = i.securityGroupIds?.length ? `; security group${i.securityGroupIds.length === 1 ? '' : 's'} ${i.securityGroupIds.join(', ')}` : '';
  return [`${label} (${i.instanceId}) is ${i.state ?? 'running'}${where}${ips ? ` with ${ips}` : ''}${groups}.`];
}

function pingSentences(e: StepEvidence, stepId: 'ping' | 'routes'): string[] {
  const step = e[stepId] ?? {};
  const a = obj<InstanceEv>(step.instanceA);
  const b = obj<InstanceEv>(step.instanceB);
  if (!a?.privateIp || !b?.privateIp) return [];
  const records = list<RecordEv>(step.records).filter((r) => r.protocol === 1);
  const between = (src: string | undefined, dst: string | undefined) => records.filter((r) => src && dst && r.src === src && r.dst === dst);
  const groups = list<string>(step.logGroupNames).join(', ');
  const from = groups ? ` in ${groups}` : '';
  const out: string[] = [];
  const toPrivate = between(a.privateIp, b.privateIp);
  const backPrivate = between(b.privateIp, a.privateIp).filter((r) => r.action === 'ACCEPT');
  // A request is answered when an accepted reply was recorded in an overlapping window (as the checks pair them).
  const overlaps = (q: RecordEv, r: RecordEv) => q.start === null || q.end === null || r.start === null || r.end === null || (r.start <= q.end && r.end >= q.start);
  const answered = toPrivate.filter((q) => backPrivate.some((r) => overlaps(q, r)));
  if (stepId === 'ping') {
    const unanswered = toPrivate.filter((q) => !answered.includes(q));
    const requests = unanswered.reduce((n, r) => n + (r.packets ?? 0), 0);
    out.push(`Instance 1 (${a.privateIp}) pinged instance 2's private IP ${b.privateIp} and no reply came back: VPC 1 had no route to VPC 2. The flow log has ${plural(unanswered.length, 'record')} of those requests (${plural(requests, 'packet')})${from}.`);
    const toPublic = between(a.privateIp, b.publicIp);
    const backPublic = between(b.publicIp, a.privateIp);
    if (b.publicIp) out.push(`It then pinged instance 2's public IP ${b.publicIp} over the internet: ${plural(toPublic.length, 'record')} of requests and ${plural(backPublic.length, 'record')} of replies.`);
  } else {
    const replies = backPrivate.filter((r) => answered.some((q) => overlaps(q, r)));
    out.push(`With the peering routes in place, instance 1 pinged ${b.privateIp} again: ${plural(answered.length, 'record')} of requests and ${plural(replies.length, 'record')} of replies${from} show the ping crossing the peering connection both ways.`);
  }
  return out;
}

const sentences: Record<string, (e: StepEvidence) => string[]> = {
  vpcs: (e) => [...vpcSentence(e, 'A'), ...vpcSentence(e, 'B')],
  instances: (e) => {
    const rule = obj<{ groupId?: string; rule?: string; source?: string }>(e.instances?.icmpRule);
    // The rule's words already say where from ("all ICMP from 0.0.0.0/0").
    const allow = rule?.groupId ? [`Instance 2's security group ${rule.groupId} allows ${rule.rule ?? `ICMP from ${rule.source ?? 'instance 1'}`}.`] : [];
    return [...instanceSentence(e, 'A'), ...instanceSentence(e, 'B'), ...allow];
  },
  'flow-logs': (e) => {
    const group = obj<{ logGroupName?: string; arn?: string; createdAt?: string }>(e['flow-logs']?.logGroup);
    if (!group?.logGroupName) return [];
    const created = group.createdAt ? `, created ${group.createdAt.replace('T', ' ').slice(0, 16)} UTC,` : '';
    return [`CloudWatch Logs log group ${group.logGroupName}${group.arn ? ` (${group.arn})` : ''}${created} receives VPC 1's flow logs.`];
  },
  'iam-role': (e) => {
    const step = e['iam-role'] ?? {};
    const out: string[] = [];
    const roleName = text(step.roleName);
    const trusted = list<string>(step.trustedServices);
    if (roleName) out.push(`IAM role ${roleName}${text(step.roleArn) ? ` (${text(step.roleArn)})` : ''} trusts ${trusted.length ? trusted.join(', ') : 'vpc-flow-logs.amazonaws.com'} to assume it, and its policy lets it create log streams and put log events in the log group.`);
    const f = obj<FlowLogEv>(step.flowLog);
    if (f?.flowLogId) {
      const interval = f.maxAggregationInterval ? `, aggregating every ${f.maxAggregationInterval} seconds` : '';
      const dest = text(step.logGroupName) ? ` to log group ${text(step.logGroupName)}` : '';
      const status = f.flowLogStatus ? ` Its status is ${f.flowLogStatus}${f.deliverLogsStatus ? `, delivery ${f.deliverLogsStatus}` : ''}.` : '';
      out.push(`Flow log ${f.flowLogId} on VPC 1 records ${f.trafficType ?? 'ALL'} traffic${interval}, and delivers${dest}${roleName ? ` with role ${roleName}` : ''}.${status}`);
    }
    return out;
  },
  ping: (e) => pingSentences(e, 'ping'),
  peering: (e) => {
    const p = obj<{ peeringId?: string; status?: string; requesterVpcId?: string; accepterVpcId?: string }>(e.peering?.peering);
    if (!p?.peeringId) return [];
    const ends = p.requesterVpcId && p.accepterVpcId ? ` between ${p.requesterVpcId} (requester) and ${p.accepterVpcId} (accepter)` : ' between VPC 1 and VPC 2';
    return [`Peering connection ${p.peeringId}${ends} is ${p.status ?? 'active'}.`];
  },
  routes: (e) => {
    const routes = list<RouteEv>(e.routes?.routes).map((r) => `${r.vpc ?? 'A VPC'}'s route table ${r.routeTableId} sends ${r.destination ?? 'the other VPC'} to ${r.target}.`);
    return [...routes, ...pingSentences(e, 'routes')];
  },
  insights: (e) => {
    const q = obj<{ queryString?: string; logGroupName?: string; status?: string; createdAt?: string }>(e.insights?.query);
    if (!q?.queryString) return [];
    const when = q.createdAt ? ` at ${q.createdAt.replace('T', ' ').slice(0, 16)} UTC` : '';
    const outcome = q.status === 'Complete' ? 'completed' : q.status === 'Running' || q.status === 'Scheduled' ? 'is still running' : `ended ${(q.status ?? 'unknown').toLowerCase()}`;
    return [`A Logs Insights query over ${q.logGroupName ?? text(e.insights?.logGroupName) ?? 'the flow log group'} ran${when} and ${outcome}: "${q.queryString.replace(/\s+/g, ' ').trim()}".`];
  },
};

/** A part's state: ok when found and its step passed, failed when found but its step has not passed, missing when not found. */
const stateOf = (found: unknown, passed: boolean): PartState => (found ? (passed ? 'ok' : 'failed') : 'missing');

function pictureVpc(e: StepEvidence, passed: (step: string) => boolean, side: 'A' | 'B'): PictureVpc {
  const vpc = vpcOf(e, side);
  const subnet = subnetOf(e, side);
  const instance = instanceOf(e, side);
  const route = list<RouteEv>(e.routes?.routes).find((r) => r.vpc === SIDES[side].name);
  return {
    label: SIDES[side].name,
    cidr: vpc?.cidr ?? SIDES[side].cidr,
    id: vpc?.vpcId,
    state: stateOf(vpc?.vpcId, true),
    subnet: { id: subnet?.subnetId, cidr: subnet?.cidr, routeTableId: subnet?.routeTableId, state: stateOf(subnet?.subnetId, true) },
    internetGateway: { id: subnet?.internetGatewayId, state: stateOf(subnet?.internetGatewayId, true) },
    instance: {
      label: side === 'A' ? 'Instance 1' : 'Instance 2',
      id: instance?.instanceId,
      privateIp: instance?.privateIp,
      publicIp: instance?.publicIp,
      state: stateOf(instance?.instanceId, passed('instances')),
    },
    peeringRoute: { destination: route?.destination, target: route?.target, state: stateOf(route?.target, true) },
  };
}

function picture(evidence: StepEvidence, passed: (stepId: string) => boolean): NetworkPicture {
  const p = obj<{ peeringId?: string; status?: string }>(evidence.peering?.peering);
  const roleStep = evidence['iam-role'] ?? {};
  const flowLog = obj<FlowLogEv>(roleStep.flowLog);
  const group = obj<{ logGroupName?: string }>(evidence['flow-logs']?.logGroup);
  return {
    vpcs: [pictureVpc(evidence, passed, 'A'), pictureVpc(evidence, passed, 'B')],
    peering: { id: p?.peeringId, status: p?.status, state: p?.peeringId ? (p.status === 'active' ? 'ok' : 'failed') : 'missing' },
    flowLog: { id: flowLog?.flowLogId, state: stateOf(flowLog?.flowLogId, passed('iam-role')) },
    logGroup: { name: group?.logGroupName ?? text(roleStep.logGroupName), state: stateOf(group?.logGroupName ?? text(roleStep.logGroupName), passed('flow-logs')) },
    role: { name: text(roleStep.roleName), state: stateOf(text(roleStep.roleName), passed('iam-role')) },
  };
}

export const report: LabReport = {
  sentences: (stepId, evidence) => sentences[stepId]?.(evidence) ?? [],
  picture,
  hosts(evidence) {
    const a = instanceOf(evidence, 'A');
    const b = instanceOf(evidence, 'B');
    if (!a?.privateIp || !b?.privateIp) return undefined;
    return { a: { privateIp: a.privateIp, publicIp: a.publicIp }, b: { privateIp: b.privateIp, publicIp: b.publicIp } };
  },
  queryId: (evidence) => text(obj<{ queryId?: string }>(evidence.insights?.query)?.queryId),
};
