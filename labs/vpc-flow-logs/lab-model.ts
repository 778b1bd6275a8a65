// The VPC Flow Logs lab's view of an account: its VPCs, public subnets, instances, flow log, peering and records, found by what they are.
import type { CheckLine } from '../../server/labs/check-types';
import { cidrContains, cidrsOverlap, longestPrefixMatch, parseCidr, sameCidr } from '../../server/verify/cidr';
import type {
  AccountSnapshot,
  FlowLog,
  FlowRecord,
  FlowRecordSet,
  Instance,
  InternetGateway,
  Need,
  Part,
  PeeringConnection,
  Route,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Vpc,
} from '../../server/verify/snapshot';

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

/** Names the lab text tells the learner to use; only used in hints and as a last-resort preference. */
export const LAB_LOG_GROUP = 'vpc-flow-logs-lab';
export const LAB_ROLE_NAME = 'VPCFlowLogsDeliveryRole';
export const FLOW_LOGS_SERVICE = 'vpc-flow-logs.amazonaws.com';
export const LAB_QUERY = 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10';

export const STEP_NUMBERS = {
  vpcs: 1,
  instances: 2,
  'flow-logs': 3,
  'iam-role': 4,
  ping: 5,
  peering: 6,
  routes: 7,
  insights: 8,
} as const;
export type StepId = keyof typeof STEP_NUMBERS;

const ICMP = 1;
const ANY_ADDRESS = '0.0.0.0/0';

// ---------------------------------------------------------------------------------------------
// Found: a piece of the lab that is there, missing (with a hint), or could not be read

export interface Ok<T> {
  ok: true;
  value: T;
  detail?: string;
}
export interface Missing {
  ok: false;
  hint: string;
  detail?: string;
  /** The step that creates the missing piece, so later steps can point back to it. */
  origin?: StepId;
  /** True when the hint already points elsewhere ("Finish step 1 first: ..."); it is passed on unchanged. */
  pointer?: boolean;
}
export interface Unknown {
  ok: 'unknown';
  detail: string;
  hint?: string;
}
export type Found<T> = Ok<T> | Missing | Unknown;
export type NotFound = Missing | Unknown;

export function found<T>(value: T, detail?: string): Ok<T> {
  return { ok: true, value, detail };
}

export function missing(hint: string, detail?: string, origin?: StepId): Missing {
  return { ok: false, hint, detail, origin };
}

/** missing() tagged with the step that creates the piece. */
function lacking(origin: StepId, hint: string): Missing {
  return missing(hint, undefined, origin);
}

export function unknown(detail: string, hint?: string): Unknown {
  return { ok: 'unknown', detail, hint };
}

/**
 * A piece from an earlier step is missing: the line still appears, pointing back to the step the
 * piece comes from (its origin, else `step`). Unknown stays unknown.
 */
export function after(dependency: NotFound, step: StepId): NotFound {
  if (dependency.ok === 'unknown' || dependency.pointer) return dependency;
  const origin = dependency.origin ?? step;
  return { ok: false, hint: `Finish step ${STEP_NUMBERS[origin]} first: ${dependency.hint}`, detail: dependency.detail, origin, pointer: true };
}

/**
 * A line of step `current` that cannot pass until `dependency` is there: a piece of an earlier
 * step points back to it (see after); a piece of this step gets the short `sameStepHint`.
 */
export function blocked(dependency: NotFound, current: StepId, sameStepHint: string): NotFound {
  if (dependency.ok === 'unknown' || dependency.pointer) return dependency;
  if (dependency.origin && dependency.origin !== current) return after(dependency, dependency.origin);
  return { ok: false, hint: sameStepHint, origin: current, pointer: true };
}

/** A check line from a Found; `okDetail` replaces the Found's own detail when it is there. */
export function toLine(label: string, piece: Found<unknown>, okDetail?: string): CheckLine {
  if (piece.ok === true) return clean({ label, ok: true, detail: okDetail ?? piece.detail });
  return clean({ label, ok: piece.ok, detail: piece.detail, hint: piece.hint });
}

/** Drops undefined fields so results and evidence serialise the same way everywhere. */
export function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Reading snapshot parts

type PartKey = Need;
type PartValue<K extends PartKey> = NonNullable<AccountSnapshot[K]> extends Part<infer T> ? T : never;

const PART_NAMES: Record<PartKey, string> = {
  vpcs: 'VPCs',
  subnets: 'subnets',
  routeTables: 'route tables',
  internetGateways: 'internet gateways',
  securityGroups: 'security groups',
  instances: 'instances',
  peerings: 'VPC peering connections',
  flowLogs: 'flow logs',
  logGroups: 'log groups',
  flowRecords: 'flow records',
  insightsQueries: 'Logs Insights queries',
  iamRoles: 'IAM roles',
};

/** A snapshot part's value, or 'unknown' saying what could not be read and which permission is missing. */
export function readPart<K extends PartKey>(snapshot: AccountSnapshot, key: K): Found<PartValue<K>> {
  const part = snapshot[key] as Part<PartValue<K>> | undefined;
  const what = PART_NAMES[key];
  if (part === undefined) return unknown(`Could not check: ${what} were not read for this check.`);
  if (part.ok) return found(part.value);
  if (part.permission) {
    return unknown(
      `Could not check: could not read ${what}: the role lacks ${part.permission}.`,
      `Make sure the Verilab read-only role in your account still allows ${part.permission} (redeploy its template), then check again.`,
    );
  }
  return unknown(`Could not check: could not read ${what}: ${part.reason}.`);
}

/** The first piece that is not there: any missing one wins over unknown ones (it cannot pass either way). */
export function firstProblem(pieces: readonly Found<unknown>[]): NotFound | undefined {
  const problems = pieces.filter((p): p is NotFound => p.ok !== true);
  return problems.find((p) => p.ok === false) ?? problems[0];
}

type Values<T extends readonly Found<unknown>[]> = { [K in keyof T]: T[K] extends Found<infer V> ? V : never };

/** All pieces' values at once, or the first problem among them (see firstProblem). */
export function allOf<T extends readonly Found<unknown>[]>(...pieces: T): Found<Values<T>> {
  const problem = firstProblem(pieces);
  if (problem) return problem;
  return found(pieces.map((p) => (p as Ok<unknown>).value) as unknown as Values<T>);
}

// ---------------------------------------------------------------------------------------------
// Choosing among several candidates, deterministically and saying why

export interface Criterion<T> {
  /** Higher (or true) is preferred. */
  score: (item: T) => number | boolean;
  because: string;
}

export interface Choice<T> {
  chosen: T;
  count: number;
  /** Why the chosen one beat the runner-up; undefined when there was only one. */
  because?: string;
}

export function choose<T>(items: readonly T[], criteria: readonly Criterion<T>[]): Choice<T> | undefined {
  if (items.length === 0) return undefined;
  const scored = items.map((item, index) => ({ item, index, scores: criteria.map((c) => Number(c.score(item))) }));
  scored.sort((x, y) => compareScores(y.scores, x.scores) || x.index - y.index);
  const [best, next] = scored;
  const decisive = next ? criteria.find((_, i) => best.scores[i] !== next.scores[i]) : undefined;
  const because = next ? (decisive?.because ?? 'it comes first in the account') : undefined;
  return { chosen: best.item, count: items.length, because };
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** "2 VPCs have 10.1.0.0/16 (vpc-a, vpc-b); using vpc-a because it has a public subnet." */
export function choiceNote<T>(choice: Choice<T>, what: string, idOf: (item: T) => string, all: readonly T[]): string | undefined {
  if (choice.count < 2) return undefined;
  return `${choice.count} ${what} (${all.map(idOf).join(', ')}); using ${idOf(choice.chosen)} because ${choice.because}.`;
}

export function joinDetails(...parts: (string | undefined)[]): string | undefined {
  const text = parts.filter((p): p is string => !!p).join(' ');
  return text || undefined;
}

/** Epoch ms (or an ISO string) as "2024-06-10 09:20 UTC". */
export function formatTime(time: number | string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function timeOf(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

// ---------------------------------------------------------------------------------------------
// Routing

/** A subnet's effective route table: the one associated with it, else its VPC's main table. */
export function effectiveRouteTable(subnet: Subnet, tables: readonly RouteTable[]): { table: RouteTable; viaMain: boolean } | undefined {
  const explicit = tables.find((t) => t.associations.some((a) => a.subnetId === subnet.subnetId));
  if (explicit) return { table: explicit, viaMain: false };
  const main = tables.find((t) => t.vpcId === subnet.vpcId && t.associations.some((a) => a.main && !a.subnetId));
  return main ? { table: main, viaMain: true } : undefined;
}

/** The route a packet to `ip` takes: longest prefix match over the routes that are not blackholes. */
export function routeFor(table: RouteTable, ip: string): Route | undefined {
  const usable = table.routes.filter((r) => r.state !== 'blackhole');
  return longestPrefixMatch(usable, ip, (r) => r.destinationCidrBlock);
}

export function routeTarget(route: Route): string {
  return (
    route.gatewayId ??
    route.vpcPeeringConnectionId ??
    route.natGatewayId ??
    route.transitGatewayId ??
    route.networkInterfaceId ??
    route.instanceId ??
    'nothing'
  );
}

export function describeRoute(route: Route): string {
  return `${route.destinationCidrBlock ?? '?'} → ${routeTarget(route)}`;
}

function isAttachedTo(gateway: InternetGateway, vpcId: string): boolean {
  return gateway.attachments.some((a) => a.vpcId === vpcId && (a.state === 'available' || a.state === 'attached'));
}

/** How a subnet reaches the internet, and in the learner's words what is missing when it does not. */
export interface SubnetRouting {
  subnet: Subnet;
  routeTable?: RouteTable;
  viaMain: boolean;
  internetGatewayId?: string;
  isPublic: boolean;
  /** How close the subnet is to public (0 no table .. 4 public): the closest one gives the best hint. */
  progress: number;
  problem?: string;
}

export function subnetRouting(
  subnet: Subnet,
  tables: readonly RouteTable[],
  gateways: readonly InternetGateway[],
  vpcName: string,
): SubnetRouting {
  const where = `${vpcName}'s subnet ${subnet.cidrBlock} (${subnet.subnetId})`;
  const effective = effectiveRouteTable(subnet, tables);
  if (!effective) return { subnet, viaMain: false, isPublic: false, progress: 0, problem: `${where} has no route table` };
  const { table, viaMain } = effective;
  const base = { subnet, routeTable: table, viaMain, isPublic: false };
  const uses = viaMain ? `uses its VPC's main route table ${table.routeTableId}` : `uses route table ${table.routeTableId}`;
  const defaultRoute = table.routes.find((r) => r.destinationCidrBlock !== undefined && sameCidr(r.destinationCidrBlock, ANY_ADDRESS));
  if (!defaultRoute) {
    return { ...base, progress: 1, problem: `${where} ${uses} which has no 0.0.0.0/0 route to an internet gateway` };
  }
  const target = routeTarget(defaultRoute);
  if (!target.startsWith('igw-')) {
    return { ...base, progress: 2, problem: `${where} ${uses} whose 0.0.0.0/0 route goes to ${target}, not to an internet gateway` };
  }
  if (defaultRoute.state === 'blackhole') {
    return {
      ...base,
      progress: 2,
      problem: `${where} ${uses} whose 0.0.0.0/0 route to ${target} is a blackhole (the gateway was deleted or detached)`,
    };
  }
  const gateway = gateways.find((g) => g.internetGatewayId === target);
  if (!gateway || !isAttachedTo(gateway, subnet.vpcId)) {
    const elsewhere = gateway?.attachments.find((a) => a.vpcId !== subnet.vpcId)?.vpcId;
    const note = !gateway ? ' (it no longer exists)' : elsewhere ? ` (it is attached to ${elsewhere})` : '';
    return {
      ...base,
      progress: 3,
      internetGatewayId: target,
      problem: `internet gateway ${target}, the 0.0.0.0/0 target of ${table.routeTableId}, is not attached to ${vpcName}${note}`,
    };
  }
  return { ...base, progress: 4, internetGatewayId: target, isPublic: true };
}

// ---------------------------------------------------------------------------------------------
// Security groups

/** "TCP 22", "all ICMP", "ICMP type 0", "all traffic": a rule's protocol and ports as the console shows them. */
export function describeProtocol(rule: SecurityGroupRule): string {
  const protocol = rule.ipProtocol.toLowerCase();
  if (protocol === '-1' || protocol === 'all') return 'all traffic';
  if (isIcmp(rule)) return rule.fromPort === undefined || rule.fromPort === -1 ? 'all ICMP' : `ICMP type ${rule.fromPort}`;
  if (protocol === 'icmpv6' || protocol === '58') return 'ICMPv6';
  const from = rule.fromPort;
  const to = rule.toPort;
  const ports = from === undefined || from === -1 ? 'all ports' : from === to || to === undefined ? `${from}` : `${from}-${to}`;
  return `${protocol.toUpperCase()} ${ports}`;
}

export function ruleSources(rule: SecurityGroupRule): string[] {
  return [...rule.ipRanges, ...rule.ipv6Ranges, ...rule.groupIds, ...rule.prefixListIds];
}

export function describeRule(rule: SecurityGroupRule): string {
  const sources = ruleSources(rule);
  return `${describeProtocol(rule)} from ${sources.length ? sources.join(', ') : 'nowhere'}`;
}

function isIcmp(rule: SecurityGroupRule): boolean {
  const protocol = rule.ipProtocol.toLowerCase();
  return protocol === 'icmp' || protocol === '1';
}

/** True when the rule lets an IPv4 echo request (ICMP type 8, code 0) in; -1 or an absent port means all. */
export function allowsEchoRequest(rule: SecurityGroupRule): boolean {
  const protocol = rule.ipProtocol.toLowerCase();
  if (protocol === '-1' || protocol === 'all') return true;
  if (!isIcmp(rule)) return false;
  const type = rule.fromPort ?? -1;
  const code = rule.toPort ?? -1;
  return (type === -1 || type === 8) && (code === -1 || code === 0);
}

/** Where a ping from instance 1 comes from, as a security group rule would see it. */
export interface PingSource {
  privateIp: string;
  publicIp?: string;
  vpcCidr: string;
  groupIds: string[];
}

/** The rule's source that covers the address or one of the groups, if any. */
export function coveringSource(rule: SecurityGroupRule, address: string, groupIds: readonly string[] = []): string | undefined {
  return rule.ipRanges.find((range) => cidrContains(range, address)) ?? rule.groupIds.find((id) => groupIds.includes(id));
}

export interface IcmpAllowance {
  groupId: string;
  rule: string;
  source: string;
  coversPublicIp: boolean;
}

/**
 * Whether instance 2's security groups let a ping from instance 1 in. Security groups are stateful,
 * so only the inbound echo request matters; the reply is allowed automatically.
 */
export function icmpAllowance(groups: readonly SecurityGroup[], from: PingSource): Found<IcmpAllowance> {
  const echoRules = groups.flatMap((g) => g.ingress.filter(allowsEchoRequest).map((rule) => ({ group: g, rule })));
  const coversPublicIp = !!from.publicIp && echoRules.some(({ rule }) => coveringSource(rule, from.publicIp!) !== undefined);
  for (const { group, rule } of echoRules) {
    const source = coveringSource(rule, from.privateIp, from.groupIds);
    if (source) return found({ groupId: group.groupId, rule: describeRule(rule), source, coversPublicIp });
  }
  return lacking('instances', icmpProblem(groups, echoRules.map((e) => e.rule), from));
}

function icmpProblem(groups: readonly SecurityGroup[], echoRules: SecurityGroupRule[], from: PingSource): string {
  const ids = groups.map((g) => g.groupId).join(', ') || 'none';
  const fix = `allow All ICMP - IPv4 from 0.0.0.0/0 (or at least ${from.vpcCidr})`;
  if (groups.length === 0) return `Instance 2 has no security group that Verilab could find; give it one that allows All ICMP - IPv4 from 0.0.0.0/0.`;
  if (echoRules.length > 0) {
    const sources = [...new Set(echoRules.flatMap(ruleSources))].join(', ') || 'no source';
    const publicOnly = from.publicIp && echoRules.some((r) => coveringSource(r, from.publicIp!) !== undefined);
    const why = publicOnly
      ? `which covers only instance 1's public address; pings over the peering connection come from its private address ${from.privateIp}`
      : `which does not include instance 1 (${from.privateIp})`;
    return `Security group ${ids} on instance 2 allows ICMP only from ${sources}, ${why}; ${fix}.`;
  }
  const icmpRules = groups.flatMap((g) => g.ingress).filter(isIcmp);
  if (icmpRules.length > 0) {
    return `Security group ${ids} on instance 2 allows ${icmpRules.map(describeProtocol).join(', ')} only, not echo requests (ICMP type 8); ${fix}.`;
  }
  const inbound = groups.flatMap((g) => g.ingress).map(describeRule);
  const allowed = inbound.length ? `it allows only ${inbound.join('; ')}` : 'it allows nothing inbound';
  return `Security group ${ids} on instance 2 has no inbound rule for ICMP (${allowed}); add one: ${fix}.`;
}

// ---------------------------------------------------------------------------------------------
// Flow logs and records

/** The log group a flow log writes to: its LogGroupName, else the name inside its destination ARN. */
export function flowLogGroupName(flowLog: FlowLog): string | undefined {
  if (flowLog.logGroupName) return flowLog.logGroupName;
  const match = /:log-group:([^:]+)/.exec(flowLog.logDestination ?? '');
  return match?.[1];
}

export function deliversToCloudWatch(flowLog: FlowLog): boolean {
  return flowLog.logDestinationType === 'cloud-watch-logs' && flowLogGroupName(flowLog) !== undefined;
}

const FLOW_LOG_CRITERIA: Criterion<FlowLog>[] = [
  { score: (f) => f.trafficType === 'ALL', because: 'it records ALL traffic' },
  { score: deliversToCloudWatch, because: 'it delivers to CloudWatch Logs' },
  { score: (f) => f.flowLogStatus === 'ACTIVE', because: 'it is active' },
  { score: (f) => f.deliverLogsStatus !== 'FAILED', because: 'its delivery is not failing' },
  { score: (f) => f.maxAggregationInterval === 60, because: 'it aggregates every minute' },
  { score: (f) => timeOf(f.creationTime), because: 'it is the newest' },
];

export interface FlowLogChoice {
  flowLog: FlowLog;
  groupName?: string;
  note?: string;
}

/** A compact, JSON-friendly summary of one flow record for evidence and details. */
export interface RecordSummary {
  src: string | null;
  dst: string | null;
  protocol: number | null;
  action: string | null;
  packets: number | null;
  bytes: number | null;
  start: number | null;
  end: number | null;
}

export function summariseRecord(r: FlowRecord): RecordSummary {
  return { src: r.srcAddr, dst: r.dstAddr, protocol: r.protocol, action: r.action, packets: r.packets, bytes: r.bytes, start: r.start, end: r.end };
}

export interface FlowRecordsA {
  groupNames: string[];
  /** Records of instance 1: its interface, or its private address on either side. */
  records: FlowRecord[];
  sets: FlowRecordSet[];
}

/** ICMP records from `src` to `dst`, optionally with one action. */
export function icmpRecords(records: readonly FlowRecord[], src: string, dst: string, action?: string): FlowRecord[] {
  return records.filter((r) => r.protocol === ICMP && r.srcAddr === src && r.dstAddr === dst && (!action || r.action === action));
}

/** "Read 12 records from vpc-flow-logs-lab; the newest ends 4 min before this check." */
export function recordsNote(flow: FlowRecordsA, now: Date): string {
  const total = flow.sets.reduce((n, s) => n + s.records.length, 0);
  const groups = flow.groupNames.join(', ');
  const unparsed = flow.sets.reduce((n, s) => n + s.unparsed, 0);
  const newest = Math.max(0, ...flow.sets.flatMap((s) => s.records.map((r) => r.end ?? r.start ?? 0)));
  const age = newest > 0 ? Math.max(0, Math.round((now.getTime() - newest * 1000) / 60000)) : undefined;
  return joinDetails(
    total === 0 ? `No flow records in ${groups} yet.` : `Read ${total} flow records from ${groups}.`,
    age !== undefined ? `The newest ends ${age} min before this check.` : undefined,
    unparsed > 0 ? `${unparsed} lines were not in the default format (use the AWS default log format).` : undefined,
    flow.sets.some((s) => s.truncated) ? 'Not every record was read (the log group holds more).' : undefined,
  )!;
}

export const LATE_RECORDS =
  'Flow records reach CloudWatch Logs a minute or more after the traffic (sometimes up to 10 minutes), so wait a few minutes and check again.';

// ---------------------------------------------------------------------------------------------
// Logs Insights query text

export interface QueryShape {
  /** Log groups named in a console `SOURCE "..." START=... END=... |` prefix. */
  sources: string[];
  /** True when some `stats` command sums bytes grouped by exactly srcAddr and dstAddr. */
  sumsBytesBySrcDst: boolean;
  sorted: boolean;
  limited: boolean;
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === separator && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function stripAlias(expression: string): string {
  return expression.replace(/\s+as\s+\S+$/i, '').replace(/\s+/g, '').toLowerCase();
}

function isSumBytesBySrcDst(command: string): boolean {
  const match = /^stats\s+(.+?)\s+by\s+(.+)$/i.exec(command);
  if (!match) return false;
  const aggregates = splitTopLevel(match[1], ',').map(stripAlias);
  const fields = splitTopLevel(match[2], ',').map(stripAlias).sort();
  return aggregates.includes('sum(bytes)') && fields.length === 2 && fields[0] === 'dstaddr' && fields[1] === 'srcaddr';
}

/** Reads a Logs Insights query by its content: whitespace and case do not matter, nor a console SOURCE prefix. */
export function queryShape(queryString: string): QueryShape {
  const commands = splitTopLevel(queryString.replace(/\s+/g, ' ').trim(), '|');
  let sources: string[] = [];
  if (/^source\s/i.test(commands[0] ?? '')) {
    const prefix = commands.shift() ?? '';
    sources = [...prefix.matchAll(/["'`]([^"'`]+)["'`]/g)].map((m) => m[1]);
  }
  return {
    sources,
    sumsBytesBySrcDst: commands.some(isSumBytesBySrcDst),
    sorted: commands.some((c) => /^sort\s+\S+\s+desc$/i.test(c)),
    limited: commands.some((c) => /^limit\s+\d+$/i.test(c)),
  };
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
  vpc(side: Side): Found<VpcChoice>;
  publicSubnet(side: Side): Found<SubnetRouting>;
  instanceCandidate(side: Side): Found<InstanceChoice>;
  readiness(side: Side): InstanceReadiness;
  instance(side: Side): Found<ReadyInstance>;
  flowLogA(): Found<FlowLogChoice>;
  flowRecordsA(): Found<FlowRecordsA>;
  peering(): Found<PeeringConnection>;
  activePeering(): Found<PeeringConnection>;
}

function once<V>(compute: () => V): () => V {
  let cached: { value: V } | undefined;
  return () => (cached ??= { value: compute() }).value;
}

function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, compute(key));
    return cache.get(key) as V;
  };
}

export function labModel(snapshot: AccountSnapshot): LabModel {
  const routingParts = once(() =>
    allOf(readPart(snapshot, 'subnets'), readPart(snapshot, 'routeTables'), readPart(snapshot, 'internetGateways')),
  );

  const routingsOf = (vpc: Vpc, side: Side): SubnetRouting[] | undefined => {
    const parts = routingParts();
    if (parts.ok !== true) return undefined;
    const [subnets, tables, gateways] = parts.value;
    return subnets
      .filter((s) => s.vpcId === vpc.vpcId)
      .sort(byCidr)
      .map((s) => subnetRouting(s, tables, gateways, SIDES[side].name));
  };

  const vpc = memo((side: Side): Found<VpcChoice> => {
    const vpcs = readPart(snapshot, 'vpcs');
    if (vpcs.ok !== true) return vpcs;
    const facts = SIDES[side];
    const taken = side === 'B' ? vpcA() : undefined;
    const candidates = vpcs.value.filter(
      (v) => (v.cidrBlock === facts.cidr || v.cidrBlocks.some((c) => sameCidr(c, facts.cidr))) && v.vpcId !== taken?.vpcId,
    );
    const withRoutings = candidates.map((v) => ({ vpc: v, side, routings: routingsOf(v, side) }));
    const choice = choose(withRoutings, [
      { score: (c) => sameCidr(c.vpc.cidrBlock, facts.cidr), because: `its primary CIDR is ${facts.cidr}` },
      { score: (c) => c.routings?.some((r) => r.isPublic) ?? false, because: 'it has a public subnet' },
    ]);
    if (!choice) return missing(noVpcHint(vpcs.value, facts), undefined, 'vpcs');
    const secondary = sameCidr(choice.chosen.vpc.cidrBlock, facts.cidr) ? '' : ` (as a secondary CIDR; its primary is ${choice.chosen.vpc.cidrBlock})`;
    const detail = joinDetails(
      `${choice.chosen.vpc.vpcId} has ${facts.cidr}${secondary}.`,
      choiceNote(choice, `VPCs have ${facts.cidr}`, (c) => c.vpc.vpcId, withRoutings),
    );
    return found(choice.chosen, detail);
  });

  const vpcA = (): Vpc | undefined => {
    const a = vpc('A');
    return a.ok === true ? a.value.vpc : undefined;
  };

  const publicSubnet = memo((side: Side): Found<SubnetRouting> => {
    const v = vpc(side);
    if (v.ok !== true) return v;
    const parts = routingParts();
    if (parts.ok !== true) return parts;
    const routings = v.value.routings ?? [];
    const facts = SIDES[side];
    if (routings.length === 0) {
      return missing(`${facts.name} (${v.value.vpc.vpcId}) has no subnet; create ${facts.subnetCidr} in it.`, undefined, 'vpcs');
    }
    const publics = routings.filter((r) => r.isPublic);
    if (publics.length > 0) {
      const chosen = publics[0];
      const note = publics.length > 1 ? ` ${publics.length} public subnets; showing the first by address.` : '';
      return found(chosen, `${chosen.subnet.cidrBlock} (${chosen.subnet.subnetId}) → ${chosen.internetGatewayId} via ${chosen.routeTable?.routeTableId}.${note}`);
    }
    const closest = [...routings].sort((x, y) => y.progress - x.progress)[0];
    return missing(`${capitalise(closest.problem ?? '')}.`, undefined, 'vpcs');
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
    if (!choice) {
      const where = publicSubnetPhrase(publicSubnet(side), facts);
      return missing(`${facts.name} has no instance; launch one in ${where}.`, undefined, 'instances');
    }
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
    if (!privateIp) return missing(`Instance ${running.instanceId} has no private IPv4 address.`, undefined, 'instances');
    return found({ instance: running, privateIp, publicIp, routing });
  });

  const flowLogA = once((): Found<FlowLogChoice> => {
    const a = vpc('A');
    if (a.ok !== true) return a;
    const flowLogs = readPart(snapshot, 'flowLogs');
    if (flowLogs.ok !== true) return flowLogs;
    const onA = flowLogs.value.filter((f) => f.resourceId === a.value.vpc.vpcId);
    const choice = choose(onA, FLOW_LOG_CRITERIA);
    if (!choice) return missing(noFlowLogHint(a.value.vpc, flowLogs.value), undefined, 'iam-role');
    const note = choiceNote(choice, 'flow logs watch VPC 1', (f) => f.flowLogId, onA);
    return found({ flowLog: choice.chosen, groupName: deliversToCloudWatch(choice.chosen) ? flowLogGroupName(choice.chosen) : undefined, note }, note);
  });

  const flowRecordsA = once((): Found<FlowRecordsA> => {
    const a = vpc('A');
    if (a.ok !== true) return a;
    const flowLogs = readPart(snapshot, 'flowLogs');
    if (flowLogs.ok !== true) return flowLogs;
    const groupNames = [
      ...new Set(flowLogs.value.filter((f) => f.resourceId === a.value.vpc.vpcId && deliversToCloudWatch(f)).map((f) => flowLogGroupName(f)!)),
    ];
    if (groupNames.length === 0) {
      const fl = flowLogA();
      if (fl.ok !== true) return fl;
      return missing(`Flow log ${fl.value.flowLog.flowLogId} on VPC 1 does not deliver to a CloudWatch Logs log group.`, undefined, 'iam-role');
    }
    const recordsPart = readPart(snapshot, 'flowRecords');
    if (recordsPart.ok !== true) return recordsPart;
    const sets = recordsPart.value.filter((s) => groupNames.includes(s.logGroupName));
    const instanceA = instanceCandidate('A');
    const eniIds = instanceA.ok === true ? instanceA.value.instance.networkInterfaceIds : [];
    const privateIp = instanceA.ok === true ? instanceA.value.instance.privateIpAddress : undefined;
    const records = sets
      .flatMap((s) => s.records)
      .filter((r) => (r.interfaceId !== null && eniIds.includes(r.interfaceId)) || (privateIp !== undefined && (r.srcAddr === privateIp || r.dstAddr === privateIp)));
    return found({ groupNames, records, sets });
  });

  const peering = once((): Found<PeeringConnection> => {
    const vpcs = allOf(vpc('A'), vpc('B'));
    if (vpcs.ok !== true) return after(vpcs, 'vpcs');
    const peerings = readPart(snapshot, 'peerings');
    if (peerings.ok !== true) return peerings;
    const [a, b] = vpcs.value;
    return findPeering(peerings.value, a.vpc, b.vpc);
  });

  const activePeering = once((): Found<PeeringConnection> => {
    const p = peering();
    if (p.ok !== true) return p;
    return p.value.status === 'active' ? p : missing(peeringStatusHint(p.value), undefined, 'peering');
  });

  return {
    snapshot,
    vpc,
    publicSubnet,
    instanceCandidate,
    readiness,
    instance,
    flowLogA,
    flowRecordsA,
    peering,
    activePeering,
  };
}

// ---------------------------------------------------------------------------------------------
// Finder helpers (module-private unless a check needs them)

function byCidr(x: Subnet, y: Subnet): number {
  const a = parseCidr(x.cidrBlock);
  const b = parseCidr(y.cidrBlock);
  return (a?.network ?? 0) - (b?.network ?? 0) || (a?.prefix ?? 0) - (b?.prefix ?? 0) || x.subnetId.localeCompare(y.subnetId);
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function noVpcHint(vpcs: readonly Vpc[], facts: SideFacts): string {
  const near = vpcs.find((v) => !v.isDefault && v.cidrBlocks.concat(v.cidrBlock).some((c) => cidrsOverlap(c, facts.cidr)));
  if (near) {
    return `No VPC has the CIDR ${facts.cidr}: ${near.vpcId} has ${near.cidrBlock} instead. Create a VPC with exactly ${facts.cidr} (a VPC's primary CIDR cannot be changed).`;
  }
  return `No VPC has the CIDR ${facts.cidr}; create it with exactly that block.`;
}

function publicSubnetPhrase(subnet: Found<SubnetRouting>, facts: SideFacts): string {
  return subnet.ok === true ? `its public subnet ${subnet.value.subnet.cidrBlock} (${subnet.value.subnet.subnetId})` : `a public subnet of ${facts.name}`;
}

function instanceReadiness(choice: InstanceChoice, publicSubnet: Found<SubnetRouting>, routingParts: Found<unknown>): InstanceReadiness {
  const { instance: i, side, routing } = choice;
  const facts = SIDES[side];
  return {
    running: runningState(i, facts, publicSubnet),
    publicSubnet: subnetState(i, routing, publicSubnet, routingParts, facts),
    publicIp: i.publicIpAddress
      ? found(i.publicIpAddress, `${i.publicIpAddress} (private ${i.privateIpAddress ?? 'none'}).`)
      : lacking('instances', 
          `Instance ${i.instanceId} has no public IPv4 address; launch a new one with "Auto-assign public IP" enabled, or associate an Elastic IP address with it.`,
        ),
  };
}

function runningState(i: Instance, facts: SideFacts, publicSubnet: Found<SubnetRouting>): Found<Instance> {
  switch (i.state) {
    case 'running':
      return found(i);
    case 'pending':
      return lacking('instances', `Instance ${i.instanceId} in ${facts.name} is still starting (pending); wait a minute and check again.`);
    case 'stopped':
    case 'stopping':
      return lacking('instances', `Instance ${i.instanceId} in ${facts.name} is ${i.state}; start it.`);
    default:
      return lacking('instances', `Instance ${i.instanceId} in ${facts.name} is ${i.state}; launch a new one in ${publicSubnetPhrase(publicSubnet, facts)}.`);
  }
}

function subnetState(
  i: Instance,
  routing: SubnetRouting | undefined,
  publicSubnet: Found<SubnetRouting>,
  routingParts: Found<unknown>,
  facts: SideFacts,
): Found<SubnetRouting> {
  if (routingParts.ok !== true) return routingParts as NotFound;
  if (!routing) return lacking('instances', `Instance ${i.instanceId} is not in a known subnet of ${facts.name}; launch it in ${publicSubnetPhrase(publicSubnet, facts)}.`);
  if (routing.isPublic) return found(routing, `${i.instanceId} is in ${routing.subnet.cidrBlock} (${routing.subnet.subnetId}).`);
  const better = publicSubnet.ok === true ? `; launch it in ${publicSubnetPhrase(publicSubnet, facts)}` : `; make the subnet public or launch it in one that is`;
  return lacking('instances', `Instance ${i.instanceId} is in subnet ${routing.subnet.cidrBlock} (${routing.subnet.subnetId}), which is not public: ${routing.problem}${better}.`);
}

function noFlowLogHint(vpcA: Vpc, flowLogs: readonly FlowLog[]): string {
  const elsewhere = flowLogs.find(deliversToCloudWatch);
  const note = elsewhere ? ` (flow log ${elsewhere.flowLogId} watches ${elsewhere.resourceId}, not VPC 1)` : '';
  return `VPC 1 (${vpcA.vpcId}) has no flow log${note}; create one with filter All, destination CloudWatch Logs, log group ${LAB_LOG_GROUP} and role ${LAB_ROLE_NAME}.`;
}

const PEERING_RANK: Record<string, number> = {
  active: 5,
  'pending-acceptance': 4,
  provisioning: 3,
  'initiating-request': 3,
  rejected: 2,
  failed: 2,
  expired: 2,
  deleting: 1,
  deleted: 1,
};

function connects(p: PeeringConnection, x: string, y: string): boolean {
  return (p.requesterVpcId === x && p.accepterVpcId === y) || (p.requesterVpcId === y && p.accepterVpcId === x);
}

/** The best peering connection between the two VPCs (moto ignores filters, so the list may hold any). */
function findPeering(peerings: readonly PeeringConnection[], a: Vpc, b: Vpc): Found<PeeringConnection> {
  const between = peerings.filter((p) => connects(p, a.vpcId, b.vpcId));
  const choice = choose(between, [
    { score: (p) => PEERING_RANK[p.status] ?? 0, because: 'its status is the most advanced' },
  ]);
  const live = choice && !['deleted', 'deleting'].includes(choice.chosen.status);
  if (choice && live) {
    const note = choiceNote(choice, 'peering connections join VPC 1 and VPC 2', (p) => p.vpcPeeringConnectionId, between);
    return found(choice.chosen, joinDetails(`${choice.chosen.vpcPeeringConnectionId}: ${choice.chosen.requesterVpcId} ↔ ${choice.chosen.accepterVpcId}, ${choice.chosen.status}.`, note));
  }
  if (choice) {
    const gone = choice.chosen.status === 'deleting' ? 'is being deleted' : 'was deleted';
    return lacking('peering', `Peering connection ${choice.chosen.vpcPeeringConnectionId} between VPC 1 and VPC 2 ${gone}; create a new one and accept it.`);
  }
  const stray = peerings.find((p) => !['deleted', 'deleting'].includes(p.status) && [p.requesterVpcId, p.accepterVpcId].some((id) => id === a.vpcId || id === b.vpcId));
  if (stray) {
    const ours = stray.requesterVpcId === a.vpcId || stray.accepterVpcId === a.vpcId ? 'VPC 1' : 'VPC 2';
    const theirs = [stray.requesterVpcId, stray.accepterVpcId].find((id) => id !== a.vpcId && id !== b.vpcId) ?? stray.accepterVpcId;
    return lacking('peering', 
      `Peering connection ${stray.vpcPeeringConnectionId} connects ${ours} with ${theirs}, not VPC 1 with VPC 2; create one between VPC 1 (${a.vpcId}) and VPC 2 (${b.vpcId}).`,
    );
  }
  return lacking('peering', `There is no peering connection between VPC 1 (${a.vpcId}) and VPC 2 (${b.vpcId}); create one with VPC 1 as requester and VPC 2 as accepter, then accept it.`);
}

export function peeringStatusHint(p: PeeringConnection): string {
  const id = p.vpcPeeringConnectionId;
  switch (p.status) {
    case 'pending-acceptance':
      return `Peering connection ${id} is waiting for acceptance: accept it (Actions > Accept request, or aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${id}).`;
    case 'provisioning':
    case 'initiating-request':
      return `Peering connection ${id} is still being set up (${p.status}); wait a moment and check again.`;
    default:
      return `Peering connection ${id} is ${p.status}; create a new peering connection between VPC 1 and VPC 2 and accept it.`;
  }
}
