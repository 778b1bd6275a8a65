// The reachability engine: whether a packet reaches its destination and the reply returns, decided as AWS does, in words and flow records.
import type { Route, RouteTable, SecurityGroup, SecurityGroupRule, Vpc } from '../../verify/snapshot';
import { cidrContains, longestPrefixMatch } from '../../labs/kit/cidr';
import { connects, describeRoute, effectiveRouteTable, isAttachedTo, peeringActive, routeFinding, routeTarget } from '../../labs/kit/routing';
import { coveringSource, describeProtocol, describeRule, inboundAllowed, ruleAllowsTraffic, ruleSources, type Traffic, type TrafficSource } from '../../labs/kit/security-groups';
import { coveringFlowLogs } from './flow-records';
import { aclDecision, aclOfSubnet, describeAclEntry } from './network-acls';
import type { FlowRecordPlan, Hop, HopKind, NetworkInterface, NetworkState, Packet, Reachability } from './types';

/** A default Linux ping: 56 bytes of data, 8 of ICMP header, 20 of IP header. */
export const ICMP_ECHO_BYTES = 84;
/** A Linux TCP SYN (or SYN-ACK) with its options; a UDP probe is counted the same. */
export const TCP_SEGMENT_BYTES = 60;
/** The first port of the IANA ephemeral range, used as the sender's port when none is given. */
export const EPHEMERAL_PORT = 49152;

// Addresses an internet gateway never routes to: the RFC 1918 blocks and the shared address space VPCs may use.
const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/** One direction of a flow: what security groups, network ACLs and flow records see of its packets. */
interface FlowShape {
  /** "echo requests", "TCP packets to port 22", for sentences. */
  name: string;
  traffic: Traffic;
  protocol: number;
  srcPort: number;
  dstPort: number;
  icmpType?: number;
  icmpCode?: number;
  bytesPerPacket: number;
  tcpFlags: number;
}

type Leg = 'request' | 'reply';

interface Arrival {
  eni: NetworkInterface;
  /** The sender's address as the receiver sees it: its private address, or its public one after an internet gateway. */
  seenFrom: string;
}

/** The state of one evaluation: what was decided so far, in order. */
interface Run {
  state: NetworkState;
  interfaces: NetworkInterface[];
  packets: number;
  hops: Hop[];
  explanation: string[];
  records: FlowRecordPlan[];
}

/** Every interface: the ones given, else each instance's primary interface as DescribeInstances describes it. */
export function interfacesOf(state: NetworkState): NetworkInterface[] {
  if (state.networkInterfaces) return state.networkInterfaces;
  return state.instances.flatMap((i) => {
    const id = i.networkInterfaceIds[0];
    if (!id || !i.privateIpAddress || !i.subnetId || !i.vpcId) return [];
    return [{ networkInterfaceId: id, vpcId: i.vpcId, subnetId: i.subnetId, privateIpAddress: i.privateIpAddress, publicIp: i.publicIpAddress, groupIds: i.securityGroupIds, instanceId: i.instanceId }];
  });
}

export function isPrivateAddress(ip: string): boolean {
  return PRIVATE_BLOCKS.some((block) => cidrContains(block, ip));
}

/**
 * The route a packet takes: the longest prefix that contains the address, the `local` route first among equals. Unlike
 * the kit's routeFor (which asks "is there a usable route"), a blackhole that wins is returned: AWS drops the packet
 * there rather than trying a less specific route.
 */
export function selectRoute(table: RouteTable, ip: string): Route | undefined {
  const localFirst = [...table.routes].sort((x, y) => Number(routeTarget(y) === 'local') - Number(routeTarget(x) === 'local'));
  return longestPrefixMatch(localFirst, ip, (r) => r.destinationCidrBlock);
}

function flowShapes(packet: Packet): { request: FlowShape; reply: FlowShape } {
  if (packet.protocol === 'icmp') {
    const base = { protocol: 1, srcPort: 0, dstPort: 0, icmpCode: 0, bytesPerPacket: ICMP_ECHO_BYTES, tcpFlags: 0 };
    return {
      request: { ...base, name: 'echo requests', icmpType: 8, traffic: { protocol: 'icmp', type: 8, code: 0 } },
      reply: { ...base, name: 'echo replies', icmpType: 0, traffic: { protocol: 'icmp', type: 0, code: 0 } },
    };
  }
  const port = packet.port ?? 0;
  const sourcePort = packet.sourcePort ?? EPHEMERAL_PORT;
  const tcp = packet.protocol === 'tcp';
  const upper = packet.protocol.toUpperCase();
  const base = { protocol: tcp ? 6 : 17, bytesPerPacket: TCP_SEGMENT_BYTES };
  return {
    request: { ...base, name: `${upper} packets to port ${port}`, srcPort: sourcePort, dstPort: port, tcpFlags: tcp ? 2 : 0, traffic: { protocol: packet.protocol, port } },
    reply: { ...base, name: `${upper} replies from port ${port}`, srcPort: port, dstPort: sourcePort, tcpFlags: tcp ? 18 : 0, traffic: { protocol: packet.protocol, port: sourcePort } },
  };
}

function hop(run: Run, leg: Leg, kind: HopKind, resourceId: string, passed: boolean, says: string): void {
  run.hops.push({ leg, kind, resourceId, passed, says });
  run.explanation.push(says);
}

/** Notes a flow record on an interface; only records some flow log captures are kept, since only those are written. */
function record(run: Run, eni: NetworkInterface, direction: 'ingress' | 'egress', src: string, dst: string, flow: FlowShape, action: 'ACCEPT' | 'REJECT'): void {
  const flowLogIds = coveringFlowLogs(run.state.flowLogs, eni, action).map((f) => f.flowLogId);
  if (flowLogIds.length === 0) return;
  run.records.push({
    interfaceId: eni.networkInterfaceId,
    vpcId: eni.vpcId,
    subnetId: eni.subnetId,
    instanceId: eni.instanceId,
    direction,
    srcAddr: src,
    dstAddr: dst,
    srcPort: flow.srcPort,
    dstPort: flow.dstPort,
    protocol: flow.protocol,
    packets: run.packets,
    bytes: run.packets * flow.bytesPerPacket,
    action,
    tcpFlags: flow.tcpFlags,
    flowLogIds,
  });
}

function groupsOf(run: Run, ids: readonly string[]): SecurityGroup[] {
  return run.state.securityGroups.filter((g) => ids.includes(g.groupId));
}

function prefixLists(run: Run): ReadonlyMap<string, readonly string[]> {
  return new Map((run.state.prefixLists ?? []).map((p) => [p.prefixListId, p.cidrs]));
}

/** The first outbound rule that lets the traffic out to the destination (by CIDR, its group, or a prefix list). */
function outboundAllowed(groups: readonly SecurityGroup[], traffic: Traffic, to: TrafficSource): { groupId: string; rule: SecurityGroupRule } | undefined {
  for (const group of groups) {
    const rule = group.egress.find((r) => ruleAllowsTraffic(r, traffic) && coveringSource(r, to) !== undefined);
    if (rule) return { groupId: group.groupId, rule };
  }
  return undefined;
}

function vpcCidrs(vpc: Vpc): string[] {
  return [...new Set([vpc.cidrBlock, ...vpc.cidrBlocks])];
}

function vpcContaining(run: Run, ip: string): Vpc | undefined {
  return run.state.vpcs.find((v) => vpcCidrs(v).some((c) => cidrContains(c, ip)));
}

function vpcName(run: Run, vpcId: string): string {
  const name = run.state.vpcs.find((v) => v.vpcId === vpcId)?.tags.Name;
  return name ? `${name} (${vpcId})` : vpcId;
}

function whoIs(eni: NetworkInterface): string {
  return eni.instanceId ? `${eni.instanceId} (${eni.privateIpAddress})` : `${eni.networkInterfaceId} (${eni.privateIpAddress})`;
}

/**
 * Why a packet between private addresses of two VPCs did not take a peering connection, naming the side that lacks the
 * route: no connection, one that is not active, or a route missing in this VPC's table (`back` for the reply's side).
 */
function peeringHint(run: Run, table: RouteTable, fromVpcId: string, to: string, back: boolean): string | undefined {
  const other = vpcContaining(run, to);
  if (!other || other.vpcId === fromVpcId) return undefined;
  const between = run.state.peerings.filter((p) => connects(p, fromVpcId, other.vpcId) && p.status !== 'deleted' && p.status !== 'deleting');
  const active = between.find((p) => p.status === 'active');
  if (active) {
    const finding = routeFinding(table, run.state.routeTables, to, active.vpcPeeringConnectionId, vpcName(run, fromVpcId), other.cidrBlock, back);
    return finding.ok === false ? finding.hint : undefined;
  }
  if (between.length > 0) {
    const finding = peeringActive(between[0], `${fromVpcId} and ${other.vpcId}`);
    return finding.ok === false ? finding.hint : undefined;
  }
  return `No peering connection joins ${vpcName(run, fromVpcId)} and ${vpcName(run, other.vpcId)}; private addresses of another VPC are reachable only through a peering connection between the two (peering is not transitive).`;
}

/** The packet reaches `dst`: the receiving subnet's ACL, then (for a request) the receiver's security groups. */
function arrive(run: Run, leg: Leg, from: NetworkInterface, to: string, flow: FlowShape, dst: NetworkInterface, seenFrom: string, overPrivatePath: boolean): Arrival | undefined {
  const instance = run.state.instances.find((i) => i.instanceId === dst.instanceId);
  if (instance && instance.state !== 'running') {
    hop(run, leg, 'instance', instance.instanceId, false, `${instance.instanceId} (${dst.privateIpAddress}) is ${instance.state}, so nothing receives the ${flow.name}`);
    return undefined;
  }
  const subnet = run.state.subnets.find((s) => s.subnetId === from.subnetId);
  // Network ACLs guard a subnet's boundary: traffic between two interfaces of one subnet never meets them.
  if (!(subnet && cidrContains(subnet.cidrBlock, to))) {
    const acl = aclOfSubnet(dst.subnetId, dst.vpcId, run.state.networkAcls);
    const decision = aclDecision(acl, false, { protocol: flow.protocol, port: flow.dstPort, icmpType: flow.icmpType, icmpCode: flow.icmpCode, remote: seenFrom });
    if (acl && !decision.allowed) {
      const stateless = leg === 'reply' ? ' (network ACLs are stateless: the reply is checked on its own)' : ', before any security group sees them';
      hop(run, leg, 'network-acl', acl.networkAclId, false, `network ACL ${acl.networkAclId} of ${dst.subnetId} denies ${flow.name} in from ${seenFrom}: ${describeAclEntry(decision.entry)}; rules are read in number order and the first match wins${stateless}`);
      record(run, dst, 'ingress', seenFrom, dst.privateIpAddress, flow, 'REJECT');
      return undefined;
    }
    if (acl) hop(run, leg, 'network-acl', acl.networkAclId, true, `network ACL ${acl.networkAclId} of ${dst.subnetId} lets ${flow.name} in: ${describeAclEntry(decision.entry)}`);
  }
  // Security groups are stateful: only the request is checked; the reply to an allowed request is always let in.
  if (leg === 'request') {
    const groups = groupsOf(run, dst.groupIds);
    const source: TrafficSource = { address: seenFrom, groupIds: overPrivatePath ? from.groupIds : undefined, prefixLists: prefixLists(run) };
    const allowed = inboundAllowed(groups, flow.traffic, source);
    const ids = dst.groupIds.join(', ') || 'no security group';
    if (!allowed) {
      const rules = groups.flatMap((g) => g.ingress).map(describeRule);
      const has = rules.length ? `it allows only ${rules.join('; ')}` : 'it has no inbound rules';
      hop(run, leg, 'security-group', dst.groupIds[0] ?? dst.networkInterfaceId, false, `security group ${ids} on ${whoIs(dst)} lets no ${flow.name} in from ${seenFrom} (${has}): they are rejected`);
      record(run, dst, 'ingress', seenFrom, dst.privateIpAddress, flow, 'REJECT');
      return undefined;
    }
    hop(run, leg, 'security-group', allowed.groupId, true, `security group ${allowed.groupId} lets ${flow.name} in from ${seenFrom}: ${describeRule(allowed.rule)}`);
  }
  record(run, dst, 'ingress', seenFrom, dst.privateIpAddress, flow, 'ACCEPT');
  hop(run, leg, 'interface', dst.networkInterfaceId, true, `${whoIs(dst)} receives the ${flow.name} on ${dst.networkInterfaceId}`);
  return { eni: dst, seenFrom };
}

/** One direction, from an interface to an address: security group (request only), ACL, route table, then the target. */
function send(run: Run, leg: Leg, from: NetworkInterface, to: string, flow: FlowShape): Arrival | undefined {
  const ifaces = run.interfaces;
  if (leg === 'request') {
    const groups = groupsOf(run, from.groupIds);
    const target = ifaces.find((i) => i.privateIpAddress === to);
    const allowed = outboundAllowed(groups, flow.traffic, { address: to, groupIds: target?.groupIds, prefixLists: prefixLists(run) });
    if (!allowed) {
      hop(run, leg, 'security-group', from.groupIds[0] ?? from.networkInterfaceId, false, `security group ${from.groupIds.join(', ') || '(none)'} on ${whoIs(from)} has no outbound rule that lets ${flow.name} out to ${to}: they are rejected`);
      record(run, from, 'egress', from.privateIpAddress, to, flow, 'REJECT');
      return undefined;
    }
    const sources = ruleSources(allowed.rule);
    hop(run, leg, 'security-group', allowed.groupId, true, `security group ${allowed.groupId} lets ${flow.name} out: ${describeProtocol(allowed.rule)} to ${sources.join(', ') || 'anywhere'}`);
  }
  const subnet = run.state.subnets.find((s) => s.subnetId === from.subnetId);
  if (!(subnet && cidrContains(subnet.cidrBlock, to))) {
    const acl = aclOfSubnet(from.subnetId, from.vpcId, run.state.networkAcls);
    const decision = aclDecision(acl, true, { protocol: flow.protocol, port: flow.dstPort, icmpType: flow.icmpType, icmpCode: flow.icmpCode, remote: to });
    if (acl && !decision.allowed) {
      const stateless = leg === 'reply' ? ' (network ACLs are stateless: the reply is checked on its own)' : '';
      hop(run, leg, 'network-acl', acl.networkAclId, false, `network ACL ${acl.networkAclId} of ${from.subnetId} denies ${flow.name} out to ${to}: ${describeAclEntry(decision.entry)}; rules are read in number order and the first match wins${stateless}`);
      record(run, from, 'egress', from.privateIpAddress, to, flow, 'REJECT');
      return undefined;
    }
    if (acl) hop(run, leg, 'network-acl', acl.networkAclId, true, `network ACL ${acl.networkAclId} of ${from.subnetId} lets ${flow.name} out: ${describeAclEntry(decision.entry)}`);
  }
  // The interface accepted the packet out; what routing does with it next is not the interface's to record.
  record(run, from, 'egress', from.privateIpAddress, to, flow, 'ACCEPT');

  const packets = leg === 'request' ? 'packets' : 'replies';
  const effective = subnet && effectiveRouteTable(subnet, run.state.routeTables);
  if (!effective) {
    hop(run, leg, 'route', from.subnetId, false, `subnet ${from.subnetId} has no route table, so ${packets} from ${from.privateIpAddress} go nowhere`);
    return undefined;
  }
  const table = effective.table;
  const route = selectRoute(table, to);
  if (!route) {
    hop(run, leg, 'route', table.routeTableId, false, `no route in ${table.routeTableId} matches ${to}, so ${packets} from ${from.privateIpAddress} are dropped`);
    return undefined;
  }
  const match = `${packets} from ${from.privateIpAddress} to ${to} match ${describeRoute(route)} in ${table.routeTableId}`;
  const hint = (): void => {
    const text = peeringHint(run, table, from.vpcId, to, leg === 'reply');
    if (text) run.explanation.push(text);
  };
  if (route.state === 'blackhole') {
    hop(run, leg, 'route', table.routeTableId, false, `${match}, a blackhole route (its target was deleted or is not active): they are dropped`);
    hint();
    return undefined;
  }
  const target = routeTarget(route);
  if (target === 'local') {
    const dst = ifaces.find((i) => i.vpcId === from.vpcId && i.privateIpAddress === to);
    if (!dst) {
      hop(run, leg, 'route', table.routeTableId, false, `${match}, but no network interface in ${vpcName(run, from.vpcId)} has the address ${to}`);
      return undefined;
    }
    hop(run, leg, 'route', table.routeTableId, true, `${match}: they stay inside ${vpcName(run, from.vpcId)}`);
    return arrive(run, leg, from, to, flow, dst, from.privateIpAddress, true);
  }
  if (target.startsWith('igw-')) return viaInternet(run, leg, from, to, flow, target, match, hint);
  if (target.startsWith('pcx-')) return viaPeering(run, leg, from, to, flow, target, match, hint);
  hop(run, leg, 'route', table.routeTableId, false, `${match}; Verilab does not simulate traffic through ${target} yet`);
  return undefined;
}

function viaInternet(run: Run, leg: Leg, from: NetworkInterface, to: string, flow: FlowShape, igwId: string, match: string, hint: () => void): Arrival | undefined {
  const igw = run.state.internetGateways.find((g) => g.internetGatewayId === igwId);
  if (!igw || !isAttachedTo(igw, from.vpcId)) {
    hop(run, leg, 'internet-gateway', igwId, false, `${match}, but ${igwId} is not attached to ${vpcName(run, from.vpcId)}: they are dropped`);
    return undefined;
  }
  if (isPrivateAddress(to)) {
    hop(run, leg, 'internet-gateway', igwId, false, `${match}; an internet gateway cannot deliver to a private address`);
    hint();
    return undefined;
  }
  if (!from.publicIp) {
    hop(run, leg, 'internet-gateway', igwId, false, `${match}, but ${whoIs(from)} has no public IPv4 address, so ${igwId} has nothing to translate ${from.privateIpAddress} to and drops them`);
    return undefined;
  }
  hop(run, leg, 'internet-gateway', igwId, true, `${match}; ${igwId} translates ${from.privateIpAddress} to its public address ${from.publicIp}`);
  const dst = run.interfaces.find((i) => i.publicIp === to);
  if (!dst) {
    hop(run, leg, 'internet-gateway', igwId, false, `${to} is not an address of this account: Verilab cannot tell whether anything on the internet answers`);
    return undefined;
  }
  // Inbound traffic to a public address needs no route: the destination VPC's gateway maps it to the private address.
  const dstIgw = run.state.internetGateways.find((g) => isAttachedTo(g, dst.vpcId));
  if (!dstIgw) {
    hop(run, leg, 'internet-gateway', dst.vpcId, false, `${to} is the public address of ${whoIs(dst)}, but ${vpcName(run, dst.vpcId)} has no internet gateway attached, so nothing takes them in`);
    return undefined;
  }
  hop(run, leg, 'internet-gateway', dstIgw.internetGatewayId, true, `${dstIgw.internetGatewayId} translates ${to} to ${dst.privateIpAddress}; they arrive from ${from.publicIp}`);
  return arrive(run, leg, from, to, flow, dst, from.publicIp, false);
}

function viaPeering(run: Run, leg: Leg, from: NetworkInterface, to: string, flow: FlowShape, pcxId: string, match: string, hint: () => void): Arrival | undefined {
  const pcx = run.state.peerings.find((p) => p.vpcPeeringConnectionId === pcxId);
  if (!pcx || pcx.status === 'deleted') {
    hop(run, leg, 'peering', pcxId, false, `${match}, but peering connection ${pcxId} no longer exists: they are dropped`);
    return undefined;
  }
  // AWS marks routes to a connection that is not active as blackholes; moto may not, so the status is checked here too.
  if (pcx.status !== 'active') {
    hop(run, leg, 'peering', pcxId, false, `${match}, but peering connection ${pcxId} is ${pcx.status}: it carries no traffic until it is active`);
    hint();
    return undefined;
  }
  const peerVpcId = pcx.requesterVpcId === from.vpcId ? pcx.accepterVpcId : pcx.accepterVpcId === from.vpcId ? pcx.requesterVpcId : undefined;
  if (!peerVpcId) {
    hop(run, leg, 'peering', pcxId, false, `${match}, but ${pcxId} does not connect ${vpcName(run, from.vpcId)}: they are dropped`);
    return undefined;
  }
  const peer = run.state.vpcs.find((v) => v.vpcId === peerVpcId);
  const peerCidrs = peer ? vpcCidrs(peer) : [pcx.requesterVpcId === peerVpcId ? pcx.requesterCidrBlock : pcx.accepterCidrBlock].filter((c): c is string => !!c);
  if (!peerCidrs.some((c) => cidrContains(c, to))) {
    hop(run, leg, 'peering', pcxId, false, `${match}, but ${pcxId} leads only to ${vpcName(run, peerVpcId)} (${peerCidrs.join(', ')}) and ${to} is not in it: peering is not transitive, so ${peerVpcId} does not pass them on`);
    hint();
    return undefined;
  }
  const dst = run.interfaces.find((i) => i.vpcId === peerVpcId && i.privateIpAddress === to);
  if (!dst) {
    hop(run, leg, 'peering', pcxId, false, `${match}; ${pcxId} carries them to ${vpcName(run, peerVpcId)}, but no network interface there has the address ${to}`);
    return undefined;
  }
  hop(run, leg, 'peering', pcxId, true, `${match}; peering connection ${pcxId} is active and carries them to ${vpcName(run, peerVpcId)}`);
  return arrive(run, leg, from, to, flow, dst, from.privateIpAddress, true);
}

function sourceOf(state: NetworkState, interfaces: readonly NetworkInterface[], from: string): NetworkInterface | undefined {
  if (from.startsWith('eni-')) return interfaces.find((i) => i.networkInterfaceId === from);
  const primary = state.instances.find((i) => i.instanceId === from)?.networkInterfaceIds[0];
  return interfaces.find((i) => i.networkInterfaceId === primary) ?? interfaces.find((i) => i.instanceId === from);
}

/**
 * Sends `packet` through the account's network as AWS would, then its reply back: whether each arrives, every decision in
 * words, and the flow records that the flow logs on the way would capture. Pure: no AWS calls, no log writing.
 */
export function reach(state: NetworkState, packet: Packet): Reachability {
  const interfaces = interfacesOf(state);
  const run: Run = { state, interfaces, packets: Math.max(1, packet.count ?? 1), hops: [], explanation: [], records: [] };
  const done = (delivered: boolean, replied: boolean): Reachability => ({ delivered, replied, hops: run.hops, explanation: run.explanation, records: run.records });

  const source = sourceOf(state, interfaces, packet.from);
  if (!source) {
    hop(run, 'request', 'instance', packet.from, false, `${packet.from} is not an instance or network interface with a private address in this account`);
    return done(false, false);
  }
  const instance = state.instances.find((i) => i.instanceId === source.instanceId);
  if (instance && instance.state !== 'running') {
    hop(run, 'request', 'instance', instance.instanceId, false, `${instance.instanceId} is ${instance.state}, so it sends nothing`);
    return done(false, false);
  }
  if (packet.to === source.privateIpAddress) {
    hop(run, 'request', 'interface', source.networkInterfaceId, true, `${packet.to} is ${whoIs(source)}'s own address: the packets never leave the instance`);
    return done(true, true);
  }

  const flow = flowShapes(packet);
  const arrival = send(run, 'request', source, packet.to, flow.request);
  if (!arrival) {
    run.explanation.push(`The ${flow.request.name} from ${source.privateIpAddress} never reach ${packet.to}.`);
    return done(false, false);
  }
  const back = send(run, 'reply', arrival.eni, arrival.seenFrom, flow.reply);
  const replied = back?.eni.networkInterfaceId === source.networkInterfaceId;
  run.explanation.push(
    replied
      ? `${packet.to} answers: the ${flow.reply.name} come back to ${source.privateIpAddress}.`
      : `${packet.to} receives the ${flow.request.name}, but its ${flow.reply.name} never come back to ${source.privateIpAddress}.`,
  );
  return done(true, replied);
}
