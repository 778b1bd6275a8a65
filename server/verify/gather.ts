// Gatherers: the SDK calls that build an AccountSnapshot with only what the requested steps need, driven by what the lab declares.
import {
  DescribeQueriesCommand,
  paginateDescribeLogGroups,
  paginateFilterLogEvents,
  type DescribeLogGroupsCommandOutput,
  type QueryInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  paginateDescribeFlowLogs,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
  type FlowLog as Ec2FlowLog,
  type Instance as Ec2Instance,
  type InternetGateway as Ec2InternetGateway,
  type IpPermission,
  type RouteTable as Ec2RouteTable,
  type SecurityGroup as Ec2SecurityGroup,
  type Subnet as Ec2Subnet,
  type Tag,
  type Vpc as Ec2Vpc,
  type VpcPeeringConnection,
} from '@aws-sdk/client-ec2';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListPolicies,
  paginateListRolePolicies,
  paginateListRoles,
  type Role,
} from '@aws-sdk/client-iam';
import type { GatherDeclaration } from '../labs/check-types';
import { deliveryGroup, flowRecordFilterPattern, logFormatFields, parseFlowRecord, recordMatches } from '../labs/kit/flow-logs';
import { decodePolicyDocument, trustedServices, trustsService } from '../labs/kit/policy';
import type { AwsClients } from './aws-session';
import { readFailure } from './aws-errors';
import type {
  AccountSnapshot,
  FlowLog,
  FlowRecordSet,
  IamRole,
  IamRolePolicy,
  InsightsQuery,
  Instance,
  InternetGateway,
  LogGroup,
  Need,
  Part,
  PeeringConnection,
  PolicyDocument,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Tags,
  Vpc,
} from './snapshot';

/** Every AWS action Verilab calls in a learner's account (the gatherers, and the report reading the learner's query's result): the verifier role template must allow exactly these. */
export const READ_ACTIONS = [
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeRouteTables',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeInstances',
  'ec2:DescribeVpcPeeringConnections',
  'ec2:DescribeFlowLogs',
  'logs:DescribeLogGroups',
  'logs:DescribeQueries',
  'logs:GetQueryResults',
  'logs:FilterLogEvents',
  'iam:ListRoles',
  'iam:ListPolicies',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:GetRolePolicy',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
] as const;

/** At most this many log events are read per log group (a busy VPC writes far more in a day). */
export const FLOW_RECORD_LIMIT = 5000;
/** How far back flow records are read: a lab takes a few hours, so a day leaves room for a break. */
export const FLOW_RECORD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** At most this many service roles get their policies read (a busy account has hundreds of roles). */
export const ROLE_CANDIDATE_LIMIT = 20;
/** Newest roles trusted by some other service than the declared ones, read so a hint can say a role trusts the wrong service. */
export const OTHER_SERVICE_ROLES = 5;

export interface GatherStats {
  /** AWS calls made, pages included. */
  calls: number;
  /** Sequential rounds of calls after the role was assumed. */
  rounds: number;
}

export interface GatherOptions {
  now: Date;
  /** Read flow records from this time on (default: FLOW_RECORD_WINDOW_MS before now). */
  recordsSince?: Date;
  /** What the lab declares it needs (its checks module's `gather`); nothing declared reads every record and the newest service roles. */
  declared?: GatherDeclaration;
}

/** The needs a need depends on: records and queries are read from the groups that flow logs deliver to. */
const DEPENDS: Partial<Record<Need, Need[]>> = { flowRecords: ['flowLogs'], insightsQueries: ['flowLogs'], iamRoles: ['flowLogs'] };

export function expandNeeds(needs: Iterable<Need>): Set<Need> {
  const all = new Set<Need>();
  const add = (n: Need) => {
    if (all.has(n)) return;
    all.add(n);
    for (const d of DEPENDS[n] ?? []) add(d);
  };
  for (const n of needs) add(n);
  return all;
}

// ---------------------------------------------------------------------------------------------
// Pure mappers: one SDK item to snapshot data

const tags = (list?: Tag[]): Tags => Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
const defined = <T>(items: (T | undefined)[]): T[] => items.filter((i): i is T => i !== undefined);
const iso = (d?: Date | string) => (d === undefined ? undefined : new Date(d).toISOString());

function rules(perms?: IpPermission[]): SecurityGroupRule[] {
  return (perms ?? []).map((p) => ({
    ipProtocol: p.IpProtocol ?? '-1',
    fromPort: p.FromPort,
    toPort: p.ToPort,
    ipRanges: defined((p.IpRanges ?? []).map((r) => r.CidrIp)),
    ipv6Ranges: defined((p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    groupIds: defined((p.UserIdGroupPairs ?? []).map((g) => g.GroupId)),
    prefixListIds: defined((p.PrefixListIds ?? []).map((l) => l.PrefixListId)),
  }));
}

export const toVpc = (v: Ec2Vpc): Vpc => ({
  vpcId: v.VpcId!,
  cidrBlock: v.CidrBlock ?? '',
  cidrBlocks: defined((v.CidrBlockAssociationSet ?? []).filter((a) => !a.CidrBlockState?.State || a.CidrBlockState.State === 'associated').map((a) => a.CidrBlock)),
  isDefault: v.IsDefault ?? false,
  state: v.State ?? 'available',
  tags: tags(v.Tags),
});

export const toSubnet = (s: Ec2Subnet): Subnet => ({
  subnetId: s.SubnetId!,
  vpcId: s.VpcId!,
  cidrBlock: s.CidrBlock ?? '',
  availabilityZone: s.AvailabilityZone,
  mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
  tags: tags(s.Tags),
});

export const toRouteTable = (t: Ec2RouteTable): RouteTable => ({
  routeTableId: t.RouteTableId!,
  vpcId: t.VpcId!,
  routes: (t.Routes ?? []).map((r) => ({
    destinationCidrBlock: r.DestinationCidrBlock,
    gatewayId: r.GatewayId,
    vpcPeeringConnectionId: r.VpcPeeringConnectionId,
    natGatewayId: r.NatGatewayId,
    transitGatewayId: r.TransitGatewayId,
    networkInterfaceId: r.NetworkInterfaceId,
    instanceId: r.InstanceId,
    state: r.State,
  })),
  associations: (t.Associations ?? []).map((a) => ({ subnetId: a.SubnetId, main: a.Main ?? false })),
  tags: tags(t.Tags),
});

export const toInternetGateway = (g: Ec2InternetGateway): InternetGateway => ({
  internetGatewayId: g.InternetGatewayId!,
  attachments: (g.Attachments ?? []).map((a) => ({ vpcId: a.VpcId!, state: a.State ?? 'available' })),
  tags: tags(g.Tags),
});

export const toSecurityGroup = (g: Ec2SecurityGroup): SecurityGroup => ({
  groupId: g.GroupId!,
  groupName: g.GroupName ?? '',
  vpcId: g.VpcId ?? '',
  ingress: rules(g.IpPermissions),
  egress: rules(g.IpPermissionsEgress),
  tags: tags(g.Tags),
});

export const toInstance = (i: Ec2Instance): Instance => ({
  instanceId: i.InstanceId!,
  state: i.State?.Name ?? 'unknown',
  vpcId: i.VpcId,
  subnetId: i.SubnetId,
  privateIpAddress: i.PrivateIpAddress,
  publicIpAddress: i.PublicIpAddress,
  // An instance's groups are its interfaces' groups; moto lists them only on the interface.
  securityGroupIds: [...new Set(defined([...(i.SecurityGroups ?? []), ...(i.NetworkInterfaces ?? []).flatMap((n) => n.Groups ?? [])].map((g) => g.GroupId)))],
  networkInterfaceIds: defined((i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId)),
  launchTime: iso(i.LaunchTime),
  tags: tags(i.Tags),
});

export const toPeering = (c: VpcPeeringConnection): PeeringConnection => ({
  vpcPeeringConnectionId: c.VpcPeeringConnectionId!,
  status: c.Status?.Code ?? 'unknown',
  requesterVpcId: c.RequesterVpcInfo?.VpcId ?? '',
  requesterCidrBlock: c.RequesterVpcInfo?.CidrBlock,
  accepterVpcId: c.AccepterVpcInfo?.VpcId ?? '',
  accepterCidrBlock: c.AccepterVpcInfo?.CidrBlock,
  tags: tags(c.Tags),
});

export const toFlowLog = (f: Ec2FlowLog): FlowLog => ({
  flowLogId: f.FlowLogId!,
  resourceId: f.ResourceId ?? '',
  trafficType: f.TrafficType ?? '',
  logDestinationType: f.LogDestinationType ?? 'cloud-watch-logs',
  logGroupName: f.LogGroupName,
  logDestination: f.LogDestination,
  deliverLogsPermissionArn: f.DeliverLogsPermissionArn,
  flowLogStatus: f.FlowLogStatus ?? '',
  deliverLogsStatus: f.DeliverLogsStatus,
  deliverLogsErrorMessage: f.DeliverLogsErrorMessage,
  maxAggregationInterval: f.MaxAggregationInterval,
  logFormat: f.LogFormat,
  creationTime: iso(f.CreationTime),
});

type Ec2LogGroup = NonNullable<DescribeLogGroupsCommandOutput['logGroups']>[number];
export const toLogGroup = (g: Ec2LogGroup): LogGroup => ({ logGroupName: g.logGroupName!, arn: g.arn, creationTime: g.creationTime });

/** One list: the permission it needs, its paginator, and the items of a page. */
interface ListSpec<P, T> {
  permission: string;
  pages: (aws: AwsClients) => AsyncIterable<P>;
  items: (page: P) => T[];
}

const list = <P, T>(permission: string, pages: (aws: AwsClients) => AsyncIterable<P>, items: (page: P) => T[]): ListSpec<P, T> => ({ permission, pages, items });

/** The lists read in round 1, each from its paginator through a pure mapper. */
const LISTS = {
  vpcs: list('ec2:DescribeVpcs', (aws) => paginateDescribeVpcs({ client: aws.ec2 }, {}), (p) => (p.Vpcs ?? []).map(toVpc)),
  subnets: list('ec2:DescribeSubnets', (aws) => paginateDescribeSubnets({ client: aws.ec2 }, {}), (p) => (p.Subnets ?? []).map(toSubnet)),
  routeTables: list('ec2:DescribeRouteTables', (aws) => paginateDescribeRouteTables({ client: aws.ec2 }, {}), (p) => (p.RouteTables ?? []).map(toRouteTable)),
  internetGateways: list('ec2:DescribeInternetGateways', (aws) => paginateDescribeInternetGateways({ client: aws.ec2 }, {}), (p) =>
    (p.InternetGateways ?? []).map(toInternetGateway),
  ),
  securityGroups: list('ec2:DescribeSecurityGroups', (aws) => paginateDescribeSecurityGroups({ client: aws.ec2 }, {}), (p) =>
    (p.SecurityGroups ?? []).map(toSecurityGroup),
  ),
  instances: list('ec2:DescribeInstances', (aws) => paginateDescribeInstances({ client: aws.ec2 }, {}), (p) =>
    (p.Reservations ?? []).flatMap((r) => (r.Instances ?? []).map(toInstance)),
  ),
  peerings: list('ec2:DescribeVpcPeeringConnections', (aws) => paginateDescribeVpcPeeringConnections({ client: aws.ec2 }, {}), (p) =>
    (p.VpcPeeringConnections ?? []).map(toPeering),
  ),
  flowLogs: list('ec2:DescribeFlowLogs', (aws) => paginateDescribeFlowLogs({ client: aws.ec2 }, {}), (p) => (p.FlowLogs ?? []).map(toFlowLog)),
  logGroups: list('logs:DescribeLogGroups', (aws) => paginateDescribeLogGroups({ client: aws.logs }, {}), (p) => (p.logGroups ?? []).map(toLogGroup)),
};

type ListName = keyof typeof LISTS;

// ---------------------------------------------------------------------------------------------
// The gathering

/** A read that failed, carrying the reason and the exact permission, so the part it belongs to names that call. */
class ReadError extends Error {
  constructor(readonly failure: { reason: string; permission?: string }) {
    super(failure.reason);
  }
}

/** Runs one call and turns its failure into a ReadError naming `permission`. */
async function attempt<T>(permission: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw err instanceof ReadError ? err : new ReadError(readFailure(err, permission));
  }
}

function decodeOrNull(text: string | undefined): PolicyDocument | null {
  if (!text) return null;
  try {
    return decodePolicyDocument(text);
  } catch {
    return null;
  }
}

/** A policy document and, when it cannot be had, why (naming the denied IAM action). */
interface PolicyRead {
  document: PolicyDocument | null;
  unreadable?: { reason: string; permission?: string };
}

function policyRead(text: string | undefined): PolicyRead {
  const document = decodeOrNull(text);
  return document ? { document } : { document: null, unreadable: { reason: 'IAM returned no readable policy document' } };
}

/**
 * Runs the gathering: independent reads at once, each part failing alone. It counts calls and the depth of the
 * longest chain of calls that had to wait for each other (a second page waits for the first), which is the
 * number of sequential rounds.
 */
class Gatherer {
  calls = 0;
  rounds = 0;
  /** The depth at which each list's last page was read, so what depends on it starts one deeper. */
  readonly ends = new Map<string, number>();

  constructor(
    private readonly aws: AwsClients,
    private readonly declared: GatherDeclaration,
  ) {}

  private count(depth: number) {
    this.calls += 1;
    this.rounds = Math.max(this.rounds, depth);
  }

  /** Drains a paginator that starts at `depth`; returns the pages and records the depth of the last one under `key`. */
  async pages<P>(depth: number, paginator: AsyncIterable<P>, key?: string): Promise<P[]> {
    const out: P[] = [];
    let d = depth;
    for await (const p of paginator) {
      this.count(d);
      d += 1;
      out.push(p);
    }
    if (key) this.ends.set(key, Math.max(depth, d - 1));
    return out;
  }

  async one<T>(depth: number, call: () => Promise<T>): Promise<T> {
    this.count(depth);
    return call();
  }

  end(key: string): number {
    return this.ends.get(key) ?? 1;
  }

  async part<T>(permission: string, read: () => Promise<T>): Promise<Part<T>> {
    try {
      return { ok: true, value: await read() };
    } catch (err) {
      return { ok: false, ...(err instanceof ReadError ? err.failure : readFailure(err, permission)) };
    }
  }

  /** Round 1: one list, every page, through its mapper. */
  list<K extends ListName>(name: K): Promise<Part<ReturnType<(typeof LISTS)[K]['items']>>> {
    const spec = LISTS[name] as unknown as ListSpec<unknown, unknown>;
    return this.part(spec.permission, async () => (await this.pages(1, spec.pages(this.aws), name)).flatMap(spec.items)) as Promise<
      Part<ReturnType<(typeof LISTS)[K]['items']>>
    >;
  }

  /**
   * Recent Logs Insights queries over the groups flow logs deliver to. DescribeQueries is asked per group: AWS
   * lists every query without the filter, but moto then lists none.
   */
  insightsQueries(flowLogs: Part<FlowLog[]>): Promise<Part<InsightsQuery[]>> {
    if (!flowLogs.ok) return Promise.resolve({ ok: false, reason: `flow logs could not be read first (${flowLogs.reason})`, permission: flowLogs.permission });
    const groups = [...new Set(defined(flowLogs.value.map(deliveryGroup)))].sort();
    return this.part('logs:DescribeQueries', async () => {
      const perGroup = await Promise.all(
        groups.map(async (logGroupName) => {
          const all: QueryInfo[] = [];
          let nextToken: string | undefined;
          let depth = this.end('flowLogs') + 1;
          do {
            const page = await this.one(depth++, () => this.aws.logs.send(new DescribeQueriesCommand({ logGroupName, nextToken, maxResults: 1000 })));
            all.push(...(page.queries ?? []).map((q) => ({ ...q, logGroupName: q.logGroupName ?? logGroupName })));
            nextToken = page.nextToken;
          } while (nextToken);
          return all;
        }),
      );
      return perGroup.flat().map(
        (q): InsightsQuery => ({ queryId: q.queryId ?? '', queryString: q.queryString ?? '', status: q.status ?? 'Unknown', createTime: q.createTime, logGroupName: q.logGroupName }),
      );
    });
  }

  /** Roles and, for each attached managed policy, its default version: both feed round 3. */
  async rolesAndPolicyVersions() {
    const [roles, versions] = await Promise.all([
      this.part('iam:ListRoles', async () => (await this.pages(1, paginateListRoles({ client: this.aws.iam }, {}), 'roles')).flatMap((p) => p.Roles ?? [])),
      // OnlyAttached keeps this short; it lets round 3 read documents without a GetPolicy per policy.
      this.part('iam:ListPolicies', async () =>
        new Map(
          (await this.pages(1, paginateListPolicies({ client: this.aws.iam }, { OnlyAttached: true }), 'policies')).flatMap((p) =>
            (p.Policies ?? []).filter((x) => x.Arn && x.DefaultVersionId).map((x) => [x.Arn!, x.DefaultVersionId!] as const),
          ),
        ),
      ),
    ]);
    return { roles, versions };
  }

  /**
   * Records of every group a flow log delivers to, read by the LogFormat of the flow logs writing there. The
   * declared `where` becomes a CloudWatch filter pattern when the group has one format (a pattern names every field
   * of a line, so it cannot span two formats), and is applied in code as well: moto ignores patterns.
   */
  flowRecords(flowLogs: Part<FlowLog[]>, options: GatherOptions): Promise<Part<FlowRecordSet[]>> {
    if (!flowLogs.ok) return Promise.resolve({ ok: false, reason: `flow logs could not be read first (${flowLogs.reason})`, permission: flowLogs.permission });
    const where = this.declared.flowRecords?.where;
    const formatsOf = new Map<string, string[][]>();
    for (const f of flowLogs.value) {
      const group = deliveryGroup(f);
      if (!group) continue;
      const fields = logFormatFields(f.logFormat);
      const known = formatsOf.get(group) ?? [];
      if (!known.some((k) => k.join(' ') === fields.join(' '))) known.push(fields);
      formatsOf.set(group, known);
    }
    const since = (options.recordsSince ?? new Date(options.now.getTime() - FLOW_RECORD_WINDOW_MS)).getTime();
    return this.part('logs:FilterLogEvents', () =>
      Promise.all(
        [...formatsOf.keys()].sort().map(async (logGroupName): Promise<FlowRecordSet> => {
          const formats = formatsOf.get(logGroupName)!;
          const set: FlowRecordSet = { logGroupName, records: [], unparsed: 0, truncated: false };
          const filterPattern = formats.length === 1 ? flowRecordFilterPattern(formats[0], where) : undefined;
          let depth = this.end('flowLogs') + 1;
          let read = 0;
          try {
            // One stream per network interface, named after it: other streams in the group are not flow records.
            const query = { logGroupName, logStreamNamePrefix: 'eni-', filterPattern, startTime: since, endTime: options.now.getTime() };
            for await (const page of paginateFilterLogEvents({ client: this.aws.logs }, query)) {
              this.count(depth++);
              for (const event of page.events ?? []) {
                read += 1;
                const parsed = formats.map((fields) => ({ fields, record: parseFlowRecord(event.message ?? '', event.logStreamName ?? '', fields) })).find((p) => p.record);
                if (!parsed) set.unparsed += 1;
                else if (recordMatches(parsed.record!, where, parsed.fields)) set.records.push(parsed.record!);
              }
              if (read >= FLOW_RECORD_LIMIT) {
                set.truncated = page.nextToken !== undefined;
                break;
              }
            }
          } catch (err) {
            // A group deleted after its flow log was made has no records rather than making every record unreadable.
            if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
          }
          return set;
        }),
      ),
    );
  }

  /**
   * Candidates: roles a flow log uses or a declared service may assume, then a few of the newest other service roles,
   * so a role trusted by the wrong service can be named in a hint. With no service declared, the newest service roles.
   */
  private roleCandidates(flowLogs: Part<FlowLog[]>, roles: Role[]) {
    const services = this.declared.roleServices ?? [];
    const usedByFlowLogs = new Set(flowLogs.ok ? defined(flowLogs.value.map((f) => f.deliverLogsPermissionArn)) : []);
    const withTrust = roles.filter((r) => !(r.Path ?? '').startsWith('/aws-service-role/')).map((r) => ({ role: r, trust: decodeOrNull(r.AssumeRolePolicyDocument) }));
    const rank = ({ role, trust }: (typeof withTrust)[number]) =>
      usedByFlowLogs.has(role.Arn ?? '') ? 0 : services.some((s) => trustsService(trust, s)) ? 1 : trustedServices(trust).length > 0 ? 2 : 3;
    const ranked = withTrust.filter((c) => rank(c) < 3).sort((a, b) => rank(a) - rank(b) || (b.role.CreateDate?.getTime() ?? 0) - (a.role.CreateDate?.getTime() ?? 0));
    const others = services.length > 0 ? OTHER_SERVICE_ROLES : ROLE_CANDIDATE_LIMIT;
    return [...ranked.filter((c) => rank(c) < 2), ...ranked.filter((c) => rank(c) === 2).slice(0, others)].slice(0, ROLE_CANDIDATE_LIMIT);
  }

  /**
   * The candidate roles with their policies. Each IAM call is wrapped on its own: a denied list call makes the part
   * unavailable naming that action; a denied document read leaves that one policy unreadable, naming its action.
   */
  async iamRoles(flowLogs: Part<FlowLog[]>, listed: Awaited<ReturnType<Gatherer['rolesAndPolicyVersions']>>): Promise<Part<IamRole[]>> {
    const { roles, versions } = listed;
    if (!roles.ok) return roles;
    const second = Math.max(this.end('roles'), this.end('flowLogs')) + 1;
    const iam = this.aws.iam;
    return this.part('iam:ListRolePolicies', () =>
      Promise.all(
        this.roleCandidates(flowLogs, roles.value).map(async ({ role, trust }): Promise<IamRole> => {
          const roleName = role.RoleName!;
          const [inlineNames, attached] = await Promise.all([
            attempt('iam:ListRolePolicies', () => this.pages(second, paginateListRolePolicies({ client: iam }, { RoleName: roleName }), `inline:${roleName}`)).then((ps) =>
              ps.flatMap((p) => p.PolicyNames ?? []),
            ),
            attempt('iam:ListAttachedRolePolicies', () =>
              this.pages(second, paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName }), `attached:${roleName}`),
            ).then((ps) => ps.flatMap((p) => p.AttachedPolicies ?? [])),
          ]);
          const third = Math.max(this.end(`inline:${roleName}`), this.end(`attached:${roleName}`), this.end('policies')) + 1;
          const policies = await Promise.all([
            ...inlineNames.map(async (name): Promise<IamRolePolicy> => {
              const read = await this.one(third, () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).then(
                (r) => policyRead(r.PolicyDocument),
                (err: unknown) => ({ document: null, unreadable: readFailure(err, 'iam:GetRolePolicy') }),
              );
              return { name, kind: 'inline', ...read };
            }),
            ...attached.map(async (p): Promise<IamRolePolicy> => {
              const arn = p.PolicyArn!;
              const read = await this.managedDocument(third, arn, versions.ok ? versions.value.get(arn) : undefined);
              return { name: p.PolicyName ?? arn, kind: 'managed', arn, ...read };
            }),
          ]);
          return { roleName, arn: role.Arn!, createDate: iso(role.CreateDate), trustPolicy: trust, policies };
        }),
      ),
    );
  }

  /** A managed policy's default document; GetPolicy is only needed when ListPolicies did not give its version. */
  private async managedDocument(depth: number, arn: string, versionId: string | undefined): Promise<PolicyRead> {
    try {
      const version =
        versionId ?? (await attempt('iam:GetPolicy', () => this.one(depth, () => this.aws.iam.send(new GetPolicyCommand({ PolicyArn: arn }))))).Policy?.DefaultVersionId;
      if (!version) return { document: null, unreadable: { reason: 'IAM reported no default version' } };
      const r = await attempt('iam:GetPolicyVersion', () =>
        this.one(versionId ? depth : depth + 1, () => this.aws.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }))),
      );
      return policyRead(r.PolicyVersion?.Document);
    } catch (err) {
      return { document: null, unreadable: err instanceof ReadError ? err.failure : { reason: String(err) } };
    }
  }
}

/**
 * Gathers the parts `needs` asks for (and what they depend on), every independent read at once. It knows no lab:
 * what to pick out of flow records and roles comes from `options.declared`.
 */
export async function gatherSnapshot(aws: AwsClients, needs: Iterable<Need>, options: GatherOptions): Promise<{ snapshot: AccountSnapshot; stats: GatherStats }> {
  const want = expandNeeds(needs);
  const g = new Gatherer(aws, options.declared ?? {});
  const snapshot: AccountSnapshot = { accountId: aws.accountId, region: aws.region, gatheredAt: options.now.toISOString() };
  const simple = ['vpcs', 'subnets', 'routeTables', 'internetGateways', 'securityGroups', 'instances', 'peerings', 'logGroups'] as const;

  const flowLogs = want.has('flowLogs') ? g.list('flowLogs') : undefined;
  // Roles are listed in round 1 beside the flow logs; which roles to read further depends on both.
  const listedRoles = want.has('iamRoles') ? g.rolesAndPolicyVersions() : undefined;
  const tasks: Promise<unknown>[] = simple.filter((n) => want.has(n)).map(async (n) => {
    (snapshot as unknown as Record<string, unknown>)[n] = await g.list(n);
  });
  if (flowLogs) tasks.push(flowLogs.then((part) => (snapshot.flowLogs = part)));
  if (want.has('insightsQueries')) tasks.push(flowLogs!.then((fl) => g.insightsQueries(fl)).then((part) => (snapshot.insightsQueries = part)));
  if (want.has('flowRecords')) tasks.push(flowLogs!.then((fl) => g.flowRecords(fl, options)).then((part) => (snapshot.flowRecords = part)));
  if (listedRoles) tasks.push(Promise.all([flowLogs!, listedRoles]).then(([fl, listed]) => g.iamRoles(fl, listed)).then((part) => (snapshot.iamRoles = part)));
  await Promise.all(tasks);
  return { snapshot, stats: { calls: g.calls, rounds: g.rounds } };
}
