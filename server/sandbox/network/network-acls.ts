// Network ACLs as AWS evaluates them: a subnet's ACL, stateless, rule-number order, first match wins, then the final * deny.
import { cidrContains } from '../../labs/kit/cidr';
import { protocolNumber } from '../../labs/kit/security-groups';
import type { NetworkAcl, NetworkAclEntry } from './types';

/** What a network ACL sees of a packet: its protocol, the destination port or ICMP type and code, and the remote address. */
export interface AclPacket {
  protocol: number;
  /** TCP and UDP: the destination port, also for replies (whose destination is the sender's ephemeral port). */
  port?: number;
  icmpType?: number;
  icmpCode?: number;
  /** The source address for inbound rules, the destination address for outbound ones. */
  remote: string;
}

export interface AclDecision {
  allowed: boolean;
  /** The entry that decided; undefined when the subnet has no ACL (allow-all) or nothing matched before the final deny. */
  entry?: NetworkAclEntry;
  /** The ACL, or undefined for a subnet without one (the default ACL, which allows everything). */
  acl?: NetworkAcl;
}

/** The ACL of a subnet: the one associated with it, else its VPC's default ACL, else none (treated as the default allow-all). */
export function aclOfSubnet(subnetId: string, vpcId: string, acls: readonly NetworkAcl[] = []): NetworkAcl | undefined {
  return acls.find((a) => a.associations.some((s) => s.subnetId === subnetId)) ?? acls.find((a) => a.vpcId === vpcId && a.isDefault);
}

function entryMatches(entry: NetworkAclEntry, packet: AclPacket): boolean {
  const protocol = protocolNumber(entry.protocol);
  if (protocol !== undefined && protocol !== packet.protocol) return false;
  // Only IPv4 is simulated: an IPv6 entry never matches.
  if (!entry.cidrBlock || !cidrContains(entry.cidrBlock, packet.remote)) return false;
  if (protocol === undefined) return true;
  if ((protocol === 6 || protocol === 17) && entry.portRange && packet.port !== undefined) {
    return packet.port >= entry.portRange.from && packet.port <= entry.portRange.to;
  }
  if (protocol === 1 && entry.icmpTypeCode) {
    const { type, code } = entry.icmpTypeCode;
    return (type === -1 || type === packet.icmpType) && (code === -1 || code === packet.icmpCode);
  }
  return true;
}

/**
 * Evaluates one direction of a subnet's ACL. ACLs are stateless: the reply is a packet of its own and is evaluated again,
 * in the other direction. Entries are read in rule-number order and the first match decides, so a low-numbered deny
 * beats any allow after it, and nothing reaches the security group.
 */
export function aclDecision(acl: NetworkAcl | undefined, egress: boolean, packet: AclPacket): AclDecision {
  if (!acl) return { allowed: true };
  const entries = acl.entries.filter((e) => e.egress === egress).sort((x, y) => x.ruleNumber - y.ruleNumber);
  const entry = entries.find((e) => entryMatches(e, packet));
  // The `*` rule (32767) denies what no numbered rule matched, even when DescribeNetworkAcls leaves it out.
  return { allowed: entry?.ruleAction === 'allow', entry, acl };
}

/** "rule 100 allows all traffic to 0.0.0.0/0", "rule * denies everything" */
export function describeAclEntry(entry: NetworkAclEntry | undefined): string {
  if (!entry || entry.ruleNumber >= 32767) return 'rule * denies everything that no numbered rule matched';
  const protocol = protocolNumber(entry.protocol);
  const what =
    protocol === undefined
      ? 'all traffic'
      : protocol === 1
        ? entry.icmpTypeCode && entry.icmpTypeCode.type !== -1
          ? `ICMP type ${entry.icmpTypeCode.type}`
          : 'all ICMP'
        : `${protocol === 6 ? 'TCP' : protocol === 17 ? 'UDP' : `protocol ${protocol}`}${entry.portRange ? ` ${entry.portRange.from === entry.portRange.to ? entry.portRange.from : `${entry.portRange.from}-${entry.portRange.to}`}` : ''}`;
  const verb = entry.ruleAction === 'allow' ? 'allows' : 'denies';
  return `rule ${entry.ruleNumber} ${verb} ${what} ${entry.egress ? 'to' : 'from'} ${entry.cidrBlock ?? entry.ipv6CidrBlock ?? '?'}`;
}
