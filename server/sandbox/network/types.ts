// The reachability engine's data: the account's network state, the packet to send, and what happened to it hop by hop.
import type { FlowLog, Instance, InternetGateway, PeeringConnection, RouteTable, SecurityGroup, Subnet, Vpc } from '../../verify/snapshot';

/** One entry of a network ACL, as DescribeNetworkAcls returns it. */
export interface NetworkAclEntry {
  ruleNumber: number;
  /** '-1' for all, else an IP protocol number as text ('1', '6', '17'); names ('tcp') are accepted too. */
  protocol: string;
  ruleAction: 'allow' | 'deny';
  egress: boolean;
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  /** TCP and UDP: the destination port range of the packet (in both directions). */
  portRange?: { from: number; to: number };
  /** ICMP: type and code, -1 meaning all. */
  icmpTypeCode?: { type: number; code: number };
}

export interface NetworkAcl {
  networkAclId: string;
  vpcId: string;
  /** The VPC's default ACL covers every subnet that is not associated with another one. */
  isDefault: boolean;
  entries: NetworkAclEntry[];
  associations: { subnetId: string }[];
}

/** A network interface with the addresses and groups the engine needs (DescribeNetworkInterfaces). */
export interface NetworkInterface {
  networkInterfaceId: string;
  vpcId: string;
  subnetId: string;
  privateIpAddress: string;
  /** The public IPv4 or Elastic IP associated with the interface, if any. */
  publicIp?: string;
  groupIds: string[];
  instanceId?: string;
}

export interface PrefixList {
  prefixListId: string;
  cidrs: string[];
}

export interface NetworkState {
  vpcs: Vpc[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: InternetGateway[];
  securityGroups: SecurityGroup[];
  /** Absent or empty for a subnet: it has the default ACL, which allows everything both ways. */
  networkAcls?: NetworkAcl[];
  instances: Instance[];
  /** When absent, each instance's primary interface is derived from the instance (its first interface id, addresses and groups). */
  networkInterfaces?: NetworkInterface[];
  peerings: PeeringConnection[];
  flowLogs: FlowLog[];
  /** Entries of the managed or customer prefix lists that security group rules name. */
  prefixLists?: PrefixList[];
}

export type PacketProtocol = 'icmp' | 'tcp' | 'udp';

export interface Packet {
  /** The sending instance (its primary interface) or network interface. */
  from: string;
  /** The destination IPv4 address: a private address, or the public address of an instance. */
  to: string;
  protocol: PacketProtocol;
  /** TCP or UDP destination port. */
  port?: number;
  /** TCP or UDP source port; an ephemeral port by default. */
  sourcePort?: number;
  /** Packets sent (echo requests for a ping); 1 by default. */
  count?: number;
}

export type HopKind = 'instance' | 'security-group' | 'network-acl' | 'route' | 'internet-gateway' | 'peering' | 'interface';

export interface Hop {
  leg: 'request' | 'reply';
  kind: HopKind;
  /** The resource that decided (sg-, acl-, rtb-, igw-, pcx-, eni-). */
  resourceId: string;
  passed: boolean;
  /** The decision in the learner's words. */
  says: string;
}

/** One flow record that AWS would write for an interface, before it has times and an account. */
export interface FlowRecordPlan {
  interfaceId: string;
  vpcId: string;
  subnetId: string;
  instanceId?: string;
  /** ingress: the packet arrived at the interface; egress: it left it. */
  direction: 'ingress' | 'egress';
  /** The interface side is always its private address; the other side is the remote address as the interface saw it. */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  /** IP protocol number: 1 ICMP, 6 TCP, 17 UDP. */
  protocol: number;
  packets: number;
  bytes: number;
  action: 'ACCEPT' | 'REJECT';
  /** TCP flags of the flow as flow logs report them (SYN 2, SYN-ACK 18); 0 otherwise. */
  tcpFlags: number;
  /** The flow logs that capture this record (on the VPC, the subnet or the interface, whose traffic type admits it). */
  flowLogIds: string[];
}

export interface Reachability {
  /** The request reached the destination and was let in. */
  delivered: boolean;
  /** The reply came back to the sender. */
  replied: boolean;
  hops: Hop[];
  explanation: string[];
  /** Only records that at least one flow log captures. */
  records: FlowRecordPlan[];
}
