// AccountSnapshot: what the gatherers read from an AWS account, in plain data, for the pure checks to judge.

/** A part of the snapshot: its value, or why it could not be read (the checks then say "could not check"). */
export type Part<T> = { ok: true; value: T } | { ok: false; reason: string; permission?: string };

export type Tags = Record<string, string>;

export interface Vpc {
  vpcId: string;
  /** The primary CIDR block. */
  cidrBlock: string;
  /** Primary and secondary IPv4 CIDR blocks that are associated. */
  cidrBlocks: string[];
  isDefault: boolean;
  state: string;
  tags: Tags;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone?: string;
  mapPublicIpOnLaunch: boolean;
  tags: Tags;
}

export interface Route {
  destinationCidrBlock?: string;
  gatewayId?: string;
  vpcPeeringConnectionId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  networkInterfaceId?: string;
  instanceId?: string;
  /** 'active' or 'blackhole' (a route to a peering connection that is not active, or to a deleted gateway). */
  state?: string;
}

export interface RouteTable {
  routeTableId: string;
  vpcId: string;
  routes: Route[];
  /** `main: true` with no subnet id marks the VPC's main table. */
  associations: { subnetId?: string; main: boolean }[];
  tags: Tags;
}

export interface InternetGateway {
  internetGatewayId: string;
  attachments: { vpcId: string; state: string }[];
  tags: Tags;
}

export interface SecurityGroupRule {
  /** '-1' means all protocols; 'icmp', 'tcp', 'udp' or a number otherwise. */
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  ipRanges: string[];
  ipv6Ranges: string[];
  groupIds: string[];
  prefixListIds: string[];
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  vpcId: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
  tags: Tags;
}

export interface Instance {
  instanceId: string;
  /** pending, running, shutting-down, terminated, stopping, stopped */
  state: string;
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
  securityGroupIds: string[];
  networkInterfaceIds: string[];
  launchTime?: string;
  tags: Tags;
}

export interface PeeringConnection {
  vpcPeeringConnectionId: string;
  /** pending-acceptance, active, rejected, deleted, failed, expired, provisioning, initiating-request, deleting */
  status: string;
  requesterVpcId: string;
  requesterCidrBlock?: string;
  accepterVpcId: string;
  accepterCidrBlock?: string;
  tags: Tags;
}

export interface FlowLog {
  flowLogId: string;
  /** The VPC, subnet or interface id the flow log watches. */
  resourceId: string;
  trafficType: string;
  logDestinationType: string;
  logGroupName?: string;
  logDestination?: string;
  deliverLogsPermissionArn?: string;
  /** ACTIVE when the flow log runs. */
  flowLogStatus: string;
  /** SUCCESS or FAILED (FAILED: the role cannot deliver). */
  deliverLogsStatus?: string;
  deliverLogsErrorMessage?: string;
  maxAggregationInterval?: number;
  logFormat?: string;
  creationTime?: string;
}

export interface LogGroup {
  logGroupName: string;
  arn?: string;
  /** Epoch milliseconds. */
  creationTime?: number;
}

/** One flow log record, read by its flow log's LogFormat; `null` where the record has `-` or its format lacks the field. */
export interface FlowRecord {
  logStreamName: string;
  version: number | null;
  accountId: string | null;
  interfaceId: string | null;
  srcAddr: string | null;
  dstAddr: string | null;
  srcPort: number | null;
  dstPort: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  /** Unix seconds. */
  start: number | null;
  end: number | null;
  action: string | null;
  logStatus: string | null;
}

export interface FlowRecordSet {
  logGroupName: string;
  records: FlowRecord[];
  /** Lines that fit none of the LogFormats of the flow logs delivering to the group: counted so a check can say so. */
  unparsed: number;
  /** True when more events existed than were read. */
  truncated: boolean;
}

export interface InsightsQuery {
  queryId: string;
  queryString: string;
  status: string;
  /** Epoch milliseconds. */
  createTime?: number;
  logGroupName?: string;
}

/** A parsed IAM policy document (already URL-decoded); its shape is AWS's JSON, normalised by the checks. */
export type PolicyDocument = Record<string, unknown>;

export interface IamRolePolicy {
  name: string;
  kind: 'inline' | 'managed';
  arn?: string;
  /** null when the document could not be read. */
  document: PolicyDocument | null;
  /** Why the document could not be read, naming the IAM action that was denied (GetRolePolicy, GetPolicy, GetPolicyVersion). */
  unreadable?: { reason: string; permission?: string };
}

export interface IamRole {
  roleName: string;
  arn: string;
  createDate?: string;
  trustPolicy: PolicyDocument | null;
  /** Only gathered for roles that some service could assume (others are not candidates). */
  policies: IamRolePolicy[];
}

export interface AccountSnapshot {
  accountId?: string;
  region: string;
  gatheredAt: string;
  vpcs?: Part<Vpc[]>;
  subnets?: Part<Subnet[]>;
  routeTables?: Part<RouteTable[]>;
  internetGateways?: Part<InternetGateway[]>;
  securityGroups?: Part<SecurityGroup[]>;
  instances?: Part<Instance[]>;
  peerings?: Part<PeeringConnection[]>;
  flowLogs?: Part<FlowLog[]>;
  logGroups?: Part<LogGroup[]>;
  /** Records of the log groups that flow logs deliver to. */
  flowRecords?: Part<FlowRecordSet[]>;
  insightsQueries?: Part<InsightsQuery[]>;
  iamRoles?: Part<IamRole[]>;
}

export type Need =
  | 'vpcs'
  | 'subnets'
  | 'routeTables'
  | 'internetGateways'
  | 'securityGroups'
  | 'instances'
  | 'peerings'
  | 'flowLogs'
  | 'logGroups'
  | 'flowRecords'
  | 'insightsQueries'
  | 'iamRoles';
