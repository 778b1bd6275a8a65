// Security groups as AWS evaluates them: which inbound rule lets a protocol and port in from a source, by CIDR, group or prefix list.
import type { SecurityGroup, SecurityGroupRule } from '../../verify/snapshot';
import { cidrContains } from './cidr';
import { capitalise, found, missing, type Found } from './results';

/** What a packet is: TCP or UDP to a port, ICMP of a type and code, or any other IP protocol by number. */
export type Traffic =
  | { protocol: 'tcp' | 'udp'; port: number }
  | { protocol: 'icmp'; type: number; code: number }
  | { protocol: number };

/** Where a packet comes from, as an inbound rule sees it. */
export interface TrafficSource {
  /** The sender's IPv4 address as the receiver sees it (its private address inside a VPC or over peering). */
  address: string;
  /** The sender's security groups: a rule naming one of them lets the sender in (within the VPC or over peering). */
  groupIds?: readonly string[];
  /** Entries of the prefix lists rules may name, by id; a prefix list absent here is treated as not covering. */
  prefixLists?: ReadonlyMap<string, readonly string[]>;
}

/** The rule's source that covers the sender, and how. */
export interface SourceMatch {
  kind: 'cidr' | 'group' | 'prefix-list';
  source: string;
}

export interface InboundAllowance {
  groupId: string;
  rule: SecurityGroupRule;
  match: SourceMatch;
}

const PROTOCOL_NUMBERS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 };

/** The IP protocol number of a rule or traffic ('tcp' or '6' -> 6); undefined for all protocols ('-1'). */
export function protocolNumber(protocol: string | number): number | undefined {
  if (typeof protocol === 'number') return protocol;
  const p = protocol.toLowerCase();
  if (p === '-1' || p === 'all') return undefined;
  return PROTOCOL_NUMBERS[p] ?? (/^\d+$/.test(p) ? Number(p) : NaN);
}

export function isAllProtocols(rule: SecurityGroupRule): boolean {
  return protocolNumber(rule.ipProtocol) === undefined;
}

export function isIcmp(rule: SecurityGroupRule): boolean {
  return protocolNumber(rule.ipProtocol) === 1;
}

/**
 * True when the rule's protocol and ports let the traffic in. Protocol -1 means everything. For ICMP, AWS keeps the
 * type in FromPort and the code in ToPort, -1 (or absent) meaning all; for TCP and UDP they are a port range.
 */
export function ruleAllowsTraffic(rule: SecurityGroupRule, traffic: Traffic): boolean {
  const ruleProtocol = protocolNumber(rule.ipProtocol);
  if (ruleProtocol === undefined) return true;
  if (ruleProtocol !== protocolNumber(traffic.protocol)) return false;
  const from = rule.fromPort ?? -1;
  const to = rule.toPort ?? -1;
  if ('type' in traffic) return (from === -1 || from === traffic.type) && (to === -1 || to === traffic.code);
  if ('port' in traffic) return from === -1 || (traffic.port >= from && traffic.port <= (to === -1 ? 65535 : to));
  return true;
}

/** The rule's source that covers the sender: a CIDR containing its address, one of its groups, or a prefix list entry. */
export function coveringSource(rule: SecurityGroupRule, from: TrafficSource): SourceMatch | undefined {
  const cidr = rule.ipRanges.find((range) => cidrContains(range, from.address));
  if (cidr) return { kind: 'cidr', source: cidr };
  const group = rule.groupIds.find((id) => from.groupIds?.includes(id));
  if (group) return { kind: 'group', source: group };
  const list = rule.prefixListIds.find((id) => from.prefixLists?.get(id)?.some((entry) => cidrContains(entry, from.address)));
  return list ? { kind: 'prefix-list', source: list } : undefined;
}

/**
 * The first inbound rule of the groups that lets the traffic in from the source, or undefined. Security groups are
 * stateful: only the request direction is evaluated, the reply is allowed automatically.
 */
export function inboundAllowed(groups: readonly SecurityGroup[], traffic: Traffic, from: TrafficSource): InboundAllowance | undefined {
  for (const group of groups) {
    for (const rule of group.ingress) {
      if (!ruleAllowsTraffic(rule, traffic)) continue;
      const match = coveringSource(rule, from);
      if (match) return { groupId: group.groupId, rule, match };
    }
  }
  return undefined;
}

/** "TCP 22", "all ICMP", "ICMP type 0", "all traffic": a rule's protocol and ports as the console shows them. */
export function describeProtocol(rule: SecurityGroupRule): string {
  const protocol = rule.ipProtocol.toLowerCase();
  if (isAllProtocols(rule)) return 'all traffic';
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

/** "all ICMP from 10.1.0.0/16, sg-1" */
export function describeRule(rule: SecurityGroupRule): string {
  const sources = ruleSources(rule);
  return `${describeProtocol(rule)} from ${sources.length ? sources.join(', ') : 'nowhere'}`;
}

/** What a lab wants a receiver's security groups to let in, and how its hints name things. */
export interface InboundWanted {
  traffic: Traffic;
  /** The sender as the rule sees it (its private address), and its public address if it has one. */
  from: TrafficSource & { publicAddress?: string };
  /** How hints name the protocol ("ICMP"), the exact request ("echo requests (ICMP type 8)"), the receiver and the sender. */
  protocolName: string;
  requestName: string;
  receiver: string;
  sender: string;
  /** The rule to add, in console words ("allow All ICMP - IPv4 from 0.0.0.0/0"). */
  fix: string;
}

export interface InboundFound {
  groupId: string;
  rule: string;
  source: string;
  /** Whether a rule for this traffic also covers the sender's public address (for traffic sent over the internet). */
  coversPublicAddress: boolean;
}

/** Whether the receiver's groups let the traffic in from the sender's private address, or the closest rule and what it misses. */
export function inboundFinding(groups: readonly SecurityGroup[], wanted: InboundWanted): Found<InboundFound> {
  const { traffic, from } = wanted;
  const rules = groups.flatMap((g) => g.ingress.filter((rule) => ruleAllowsTraffic(rule, traffic)));
  const coversPublic = (rule: SecurityGroupRule) => !!from.publicAddress && coveringSource(rule, { address: from.publicAddress }) !== undefined;
  const coversPublicAddress = rules.some(coversPublic);
  const allowed = inboundAllowed(groups, traffic, from);
  if (allowed) return found({ groupId: allowed.groupId, rule: describeRule(allowed.rule), source: allowed.match.source, coversPublicAddress });
  const ids = groups.map((g) => g.groupId).join(', ');
  const on = `Security group ${ids} on ${wanted.receiver}`;
  if (groups.length === 0) return missing(`${capitalise(wanted.receiver)} has no security group that Verilab could find; give it one and ${wanted.fix}.`);
  if (rules.length > 0) {
    const sources = [...new Set(rules.flatMap(ruleSources))].join(', ') || 'no source';
    const why = coversPublicAddress
      ? `which covers only ${wanted.sender}'s public address; traffic over a private connection comes from its private address ${from.address}`
      : `which does not include ${wanted.sender} (${from.address})`;
    return missing(`${on} allows ${wanted.protocolName} only from ${sources}, ${why}; ${wanted.fix}.`);
  }
  const sameProtocol = groups.flatMap((g) => g.ingress).filter((r) => protocolNumber(r.ipProtocol) === protocolNumber(traffic.protocol));
  if (sameProtocol.length > 0) return missing(`${on} allows ${sameProtocol.map(describeProtocol).join(', ')} only, not ${wanted.requestName}; ${wanted.fix}.`);
  const inbound = groups.flatMap((g) => g.ingress).map(describeRule);
  const allows = inbound.length ? `it allows only ${inbound.join('; ')}` : 'it allows nothing inbound';
  return missing(`${on} has no inbound rule for ${wanted.protocolName} (${allows}); add one: ${wanted.fix}.`);
}
