// Gatherers: the SDK calls that build an AccountSnapshot with only what the requested steps need, in as few rounds as possible.
import { DescribeQueriesCommand, paginateDescribeLogGroups, paginateFilterLogEvents, type QueryInfo } from '@aws-sdk/client-cloudwatch-logs';
import {
  paginateDescribeFlowLogs,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
  type IpPermission,
  type Tag,
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
import type { AwsClients } from './aws-session';
import { readFailure } from './aws-errors';
import { decodePolicyDocument, trustedServices, trustsService } from './policy';
import type {
  AccountSnapshot,
  FlowLog,
  FlowRecord,
  FlowRecordSet,
  IamRole,
  IamRolePolicy,
  InsightsQuery,
  Need,
  Part,
  PolicyDocument,
  SecurityGroupRule,
  Tags,
} from './snapshot';

/** Every AWS action the gatherers call: the verifier role template must allow exactly these. */
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
  'logs:FilterLogEvents',
  'iam:ListRoles',
  'iam:ListPolicies',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:GetRolePolicy',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
] as const;

export const FLOW_RECORD_LIMIT = 5000;
/**
 * The checks judge pings, so only ICMP records (protocol 1) are read: in a busy VPC a day of records runs far past
 * FLOW_RECORD_LIMIT, and the pings would be cut off. CloudWatch's space-delimited pattern names the 14 version 2
 * fields; moto ignores patterns, and the checks filter by protocol themselves, so both agree.
 */
export const FLOW_RECORD_FILTER = '[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol=1, packets, bytes, start, end, action, log_status]';
/** How far back flow records are read: the lab takes about two hours, so a day leaves room for a break. */
export const FLOW_RECORD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** At most this many service roles get their policies read (a busy account has hundreds of roles). */
export const ROLE_CANDIDATE_LIMIT = 20;
/** Newest roles trusted by some other service, read so a hint can say a role trusts the wrong service. */
export const OTHER_SERVICE_ROLES = 5;
const FLOW_LOGS_SERVICE = 'vpc-flow-logs.amazonaws.com';

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

const numberOrNull = (s: string | undefined) => (s === undefined || s === '-' || !/^\d+$/.test(s) ? null : Number(s));
const textOrNull = (s: string | undefined) => (s === undefined || s === '-' ? null : s);

/** Parses one default-format (version 2) flow record; undefined for anything else (a custom format). */
export function parseFlowRecord(message: string, logStreamName: string): FlowRecord | undefined {
  const f = message.trim().split(/\s+/);
  if (f.length !== 14 || f[0] !== '2') return undefined;
  return {
    logStreamName,
    version: 2,
    accountId: textOrNull(f[1]),
    interfaceId: textOrNull(f[2]),
    srcAddr: textOrNull(f[3]),
    dstAddr: textOrNull(f[4]),
    srcPort: numberOrNull(f[5]),
    dstPort: numberOrNull(f[6]),
    protocol: numberOrNull(f[7]),
    packets: numberOrNull(f[8]),
    bytes: numberOrNull(f[9]),
    start: numberOrNull(f[10]),
    end: numberOrNull(f[11]),
    action: textOrNull(f[12]),
    logStatus: textOrNull(f[13]),
  };
}

/** The log group a flow log delivers to: its name, or the name inside a log-group ARN. */
export function deliveryGroup(flowLog: FlowLog): string | undefined {
  if (flowLog.logDestinationType && flowLog.logDestinationType !== 'cloud-watch-logs') return undefined;
  if (flowLog.logGroupName) return flowLog.logGroupName;
  const match = /:log-group:([^:]+)/.exec(flowLog.logDestination ?? '');
  return match?.[1];
}

function decodeOrNull(text: string | undefined): PolicyDocument | null {
  if (!text) return null;
  try {
    return decodePolicyDocument(text);
  } catch {
    return null;
  }
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

  constructor(private readonly aws: AwsClients) {}

  private count(depth: number) {
    this.calls += 1;
    this.rounds = Math.max(this.rounds, depth);
  }

  /** Drains a paginator that starts at `depth`; returns the pages and the depth of the last one. */
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
      return { ok: false, ...readFailure(err, permission) };
    }
  }

  // Round 1: independent lists.

  vpcs() {
    return this.part('ec2:DescribeVpcs', async () =>
      (await this.pages(1, paginateDescribeVpcs({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.Vpcs ?? []).map((v) => ({
          vpcId: v.VpcId!,
          cidrBlock: v.CidrBlock ?? '',
          cidrBlocks: defined((v.CidrBlockAssociationSet ?? []).filter((a) => !a.CidrBlockState?.State || a.CidrBlockState.State === 'associated').map((a) => a.CidrBlock)),
          isDefault: v.IsDefault ?? false,
          state: v.State ?? 'available',
          tags: tags(v.Tags),
        })),
      ),
    );
  }

  subnets() {
    return this.part('ec2:DescribeSubnets', async () =>
      (await this.pages(1, paginateDescribeSubnets({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.Subnets ?? []).map((s) => ({
          subnetId: s.SubnetId!,
          vpcId: s.VpcId!,
          cidrBlock: s.CidrBlock ?? '',
          availabilityZone: s.AvailabilityZone,
          mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
          tags: tags(s.Tags),
        })),
      ),
    );
  }

  routeTables() {
    return this.part('ec2:DescribeRouteTables', async () =>
      (await this.pages(1, paginateDescribeRouteTables({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.RouteTables ?? []).map((t) => ({
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
        })),
      ),
    );
  }

  internetGateways() {
    return this.part('ec2:DescribeInternetGateways', async () =>
      (await this.pages(1, paginateDescribeInternetGateways({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.InternetGateways ?? []).map((g) => ({
          internetGatewayId: g.InternetGatewayId!,
          attachments: (g.Attachments ?? []).map((a) => ({ vpcId: a.VpcId!, state: a.State ?? 'available' })),
          tags: tags(g.Tags),
        })),
      ),
    );
  }

  securityGroups() {
    return this.part('ec2:DescribeSecurityGroups', async () =>
      (await this.pages(1, paginateDescribeSecurityGroups({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.SecurityGroups ?? []).map((g) => ({
          groupId: g.GroupId!,
          groupName: g.GroupName ?? '',
          vpcId: g.VpcId ?? '',
          ingress: rules(g.IpPermissions),
          egress: rules(g.IpPermissionsEgress),
          tags: tags(g.Tags),
        })),
      ),
    );
  }

  instances() {
    return this.part('ec2:DescribeInstances', async () =>
      (await this.pages(1, paginateDescribeInstances({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.Reservations ?? []).flatMap((r) =>
          (r.Instances ?? []).map((i) => ({
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
          })),
        ),
      ),
    );
  }

  peerings() {
    return this.part('ec2:DescribeVpcPeeringConnections', async () =>
      (await this.pages(1, paginateDescribeVpcPeeringConnections({ client: this.aws.ec2 }, {}))).flatMap((p) =>
        (p.VpcPeeringConnections ?? []).map((c) => ({
          vpcPeeringConnectionId: c.VpcPeeringConnectionId!,
          status: c.Status?.Code ?? 'unknown',
          requesterVpcId: c.RequesterVpcInfo?.VpcId ?? '',
          requesterCidrBlock: c.RequesterVpcInfo?.CidrBlock,
          accepterVpcId: c.AccepterVpcInfo?.VpcId ?? '',
          accepterCidrBlock: c.AccepterVpcInfo?.CidrBlock,
          tags: tags(c.Tags),
        })),
      ),
    );
  }

  flowLogs() {
    return this.part('ec2:DescribeFlowLogs', async () =>
      (await this.pages(1, paginateDescribeFlowLogs({ client: this.aws.ec2 }, {}), 'flowLogs')).flatMap((p) =>
        (p.FlowLogs ?? []).map((f) => ({
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
        })),
      ),
    );
  }

  logGroups() {
    return this.part('logs:DescribeLogGroups', async () =>
      (await this.pages(1, paginateDescribeLogGroups({ client: this.aws.logs }, {}))).flatMap((p) =>
        (p.logGroups ?? []).map((g) => ({ logGroupName: g.logGroupName!, arn: g.arn, creationTime: g.creationTime })),
      ),
    );
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

  // Rounds 2 and 3: what depends on round 1.

  flowRecords(flowLogs: Part<FlowLog[]>, options: GatherOptions): Promise<Part<FlowRecordSet[]>> {
    if (!flowLogs.ok) return Promise.resolve({ ok: false, reason: `flow logs could not be read first (${flowLogs.reason})`, permission: flowLogs.permission });
    const groups = [...new Set(defined(flowLogs.value.map(deliveryGroup)))].sort();
    const since = (options.recordsSince ?? new Date(options.now.getTime() - FLOW_RECORD_WINDOW_MS)).getTime();
    return this.part('logs:FilterLogEvents', () =>
      Promise.all(
        groups.map(async (logGroupName): Promise<FlowRecordSet> => {
          const set: FlowRecordSet = { logGroupName, records: [], unparsed: 0, truncated: false };
          let depth = this.end('flowLogs') + 1;
          try {
            // One stream per network interface, named after it: other streams in the group are not flow records.
            const query = { logGroupName, logStreamNamePrefix: 'eni-', filterPattern: FLOW_RECORD_FILTER, startTime: since, endTime: options.now.getTime() };
            for await (const page of paginateFilterLogEvents({ client: this.aws.logs }, query)) {
              this.count(depth++);
              for (const event of page.events ?? []) {
                const record = parseFlowRecord(event.message ?? '', event.logStreamName ?? '');
                if (record) set.records.push(record);
                else set.unparsed += 1;
              }
              if (set.records.length + set.unparsed >= FLOW_RECORD_LIMIT) {
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

  async iamRoles(flowLogs: Part<FlowLog[]>, listed: Awaited<ReturnType<Gatherer['rolesAndPolicyVersions']>>): Promise<Part<IamRole[]>> {
    const { roles, versions } = listed;
    if (!roles.ok) return roles;
    const second = Math.max(this.end('roles'), this.end('flowLogs')) + 1;
    const usedByFlowLogs = new Set(flowLogs.ok ? defined(flowLogs.value.map((f) => f.deliverLogsPermissionArn)) : []);
    const withTrust = roles.value
      .filter((r: Role) => !(r.Path ?? '').startsWith('/aws-service-role/'))
      .map((r: Role) => ({ role: r, trust: decodeOrNull(r.AssumeRolePolicyDocument) }));
    const rank = ({ role, trust }: (typeof withTrust)[number]) =>
      usedByFlowLogs.has(role.Arn ?? '') ? 0 : trustsService(trust, FLOW_LOGS_SERVICE) ? 1 : trustedServices(trust).length > 0 ? 2 : 3;
    // Candidates: roles a flow log uses or the flow-logs service may assume, then a few of the newest other
    // service roles, so a role trusted by the wrong service can be named in the hint.
    const ranked = withTrust.filter((c) => rank(c) < 3).sort((a, b) => rank(a) - rank(b) || (b.role.CreateDate?.getTime() ?? 0) - (a.role.CreateDate?.getTime() ?? 0));
    const candidates = [...ranked.filter((c) => rank(c) < 2), ...ranked.filter((c) => rank(c) === 2).slice(0, OTHER_SERVICE_ROLES)].slice(0, ROLE_CANDIDATE_LIMIT);

    return this.part('iam:ListRolePolicies', () =>
      Promise.all(
        candidates.map(async ({ role, trust }): Promise<IamRole> => {
          const roleName = role.RoleName!;
          const [inlineNames, attached] = await Promise.all([
            this.pages(second, paginateListRolePolicies({ client: this.aws.iam }, { RoleName: roleName }), `inline:${roleName}`).then((ps) => ps.flatMap((p) => p.PolicyNames ?? [])),
            this.pages(second, paginateListAttachedRolePolicies({ client: this.aws.iam }, { RoleName: roleName }), `attached:${roleName}`).then((ps) =>
              ps.flatMap((p) => p.AttachedPolicies ?? []),
            ),
          ]);
          const third = Math.max(this.end(`inline:${roleName}`), this.end(`attached:${roleName}`), this.end('policies')) + 1;
          const policies = await Promise.all([
            ...inlineNames.map(async (name): Promise<IamRolePolicy> => {
              const doc = await this.one(third, () => this.aws.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }))).then(
                (r) => decodeOrNull(r.PolicyDocument),
                () => null,
              );
              return { name, kind: 'inline', document: doc };
            }),
            ...attached.map(async (p): Promise<IamRolePolicy> => {
              const arn = p.PolicyArn!;
              const doc = await this.managedDocument(third, arn, versions.ok ? versions.value.get(arn) : undefined);
              return { name: p.PolicyName ?? arn, kind: 'managed', arn, document: doc };
            }),
          ]);
          return { roleName, arn: role.Arn!, createDate: iso(role.CreateDate), trustPolicy: trust, policies };
        }),
      ),
    );
  }

  /** A managed policy's default document; GetPolicy is only needed when ListPolicies did not give its version. */
  private async managedDocument(depth: number, arn: string, versionId: string | undefined): Promise<PolicyDocument | null> {
    try {
      const version = versionId ?? (await this.one(depth, () => this.aws.iam.send(new GetPolicyCommand({ PolicyArn: arn })))).Policy?.DefaultVersionId;
      if (!version) return null;
      const r = await this.one(versionId ? depth : depth + 1, () => this.aws.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version })));
      return decodeOrNull(r.PolicyVersion?.Document);
    } catch {
      return null;
    }
  }
}

/** Gathers the parts `needs` asks for (and what they depend on), every independent read at once. */
export async function gatherSnapshot(aws: AwsClients, needs: Iterable<Need>, options: GatherOptions): Promise<{ snapshot: AccountSnapshot; stats: GatherStats }> {
  const want = expandNeeds(needs);
  const g = new Gatherer(aws);
  const snapshot: AccountSnapshot = { accountId: aws.accountId, region: aws.region, gatheredAt: options.now.toISOString() };
  const simple = ['vpcs', 'subnets', 'routeTables', 'internetGateways', 'securityGroups', 'instances', 'peerings', 'logGroups'] as const;

  const flowLogs = want.has('flowLogs') ? g.flowLogs() : undefined;
  // Roles are listed in round 1 beside the flow logs; which roles to read further depends on both.
  const listedRoles = want.has('iamRoles') ? g.rolesAndPolicyVersions() : undefined;
  const tasks: Promise<unknown>[] = simple.filter((n) => want.has(n)).map(async (n) => {
    (snapshot as unknown as Record<string, unknown>)[n] = await g[n]();
  });
  if (flowLogs) tasks.push(flowLogs.then((part) => (snapshot.flowLogs = part)));
  if (want.has('insightsQueries')) tasks.push(flowLogs!.then((fl) => g.insightsQueries(fl)).then((part) => (snapshot.insightsQueries = part)));
  if (want.has('flowRecords')) tasks.push(flowLogs!.then((fl) => g.flowRecords(fl, options)).then((part) => (snapshot.flowRecords = part)));
  if (listedRoles) tasks.push(Promise.all([flowLogs!, listedRoles]).then(([fl, listed]) => g.iamRoles(fl, listed)).then((part) => (snapshot.iamRoles = part)));
  await Promise.all(tasks);
  return { snapshot, stats: { calls: g.calls, rounds: g.rounds } };
}
