// VPC routing as AWS does it: a subnet's effective route table, longest-prefix lookup, internet access and why a route is not taken.
import type { InternetGateway, PeeringConnection, Route, RouteTable, Subnet, Vpc } from '../../verify/snapshot';
import { cidrContains, cidrsOverlap, longestPrefixMatch, parseCidr, sameCidr } from './cidr';
import { choiceNote, choose, type Choice } from './choose';
import { capitalise, found, joinDetails, missing, type Found } from './results';

const ANY_ADDRESS = '0.0.0.0/0';

export interface EffectiveTable {
  table: RouteTable;
  /** True when the subnet has no table of its own and falls back to its VPC's main table. */
  viaMain: boolean;
}

/** A subnet's effective route table: the one explicitly associated with it, else its VPC's main table. */
export function effectiveRouteTable(subnet: Subnet, tables: readonly RouteTable[]): EffectiveTable | undefined {
  const explicit = tables.find((t) => t.associations.some((a) => a.subnetId === subnet.subnetId));
  if (explicit) return { table: explicit, viaMain: false };
  const main = tables.find((t) => t.vpcId === subnet.vpcId && t.associations.some((a) => a.main && !a.subnetId));
  return main ? { table: main, viaMain: true } : undefined;
}

/** The route a packet to `ip` takes: longest prefix match over the routes that are not blackholes (AWS drops those). */
export function routeFor(table: RouteTable, ip: string): Route | undefined {
  const usable = table.routes.filter((r) => r.state !== 'blackhole');
  return longestPrefixMatch(usable, ip, (r) => r.destinationCidrBlock);
}

/** The id a route sends traffic to (igw-, pcx-, nat-, tgw-, eni-, i-, or "local"), or "nothing". */
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

/** "10.2.0.0/16 → pcx-1" */
export function describeRoute(route: Route): string {
  return `${route.destinationCidrBlock ?? '?'} → ${routeTarget(route)}`;
}

/** True when the gateway is attached to the VPC (moto says "available", AWS "attached"). */
export function isAttachedTo(gateway: InternetGateway, vpcId: string): boolean {
  return gateway.attachments.some((a) => a.vpcId === vpcId && (a.state === 'available' || a.state === 'attached'));
}

/** How a subnet reaches the internet, and in plain words what is missing when it does not. */
export interface SubnetRouting {
  subnet: Subnet;
  routeTable?: RouteTable;
  viaMain: boolean;
  internetGatewayId?: string;
  isPublic: boolean;
  /** How close the subnet is to public (0 no table .. 4 public): the closest one gives the best hint. */
  progress: number;
  /** What stops it being public, naming the subnet as "<vpcName>'s subnet ..."; undefined when public. */
  problem?: string;
}

/**
 * Whether a subnet is public: its effective table sends 0.0.0.0/0 to an internet gateway attached to the same VPC.
 * `vpcName` is how the lab names the subnet's VPC in the problem text.
 */
export function subnetRouting(subnet: Subnet, tables: readonly RouteTable[], gateways: readonly InternetGateway[], vpcName: string): SubnetRouting {
  const where = `${vpcName}'s subnet ${subnet.cidrBlock} (${subnet.subnetId})`;
  const effective = effectiveRouteTable(subnet, tables);
  if (!effective) return { subnet, viaMain: false, isPublic: false, progress: 0, problem: `${where} has no route table` };
  const { table, viaMain } = effective;
  const base = { subnet, routeTable: table, viaMain, isPublic: false };
  const uses = viaMain ? `uses its VPC's main route table ${table.routeTableId}` : `uses route table ${table.routeTableId}`;
  const defaultRoute = table.routes.find((r) => r.destinationCidrBlock !== undefined && sameCidr(r.destinationCidrBlock, ANY_ADDRESS));
  if (!defaultRoute) return { ...base, progress: 1, problem: `${where} ${uses} which has no 0.0.0.0/0 route to an internet gateway` };
  const target = routeTarget(defaultRoute);
  if (!target.startsWith('igw-')) {
    return { ...base, progress: 2, problem: `${where} ${uses} whose 0.0.0.0/0 route goes to ${target}, not to an internet gateway` };
  }
  if (defaultRoute.state === 'blackhole') {
    return { ...base, progress: 2, problem: `${where} ${uses} whose 0.0.0.0/0 route to ${target} is a blackhole (the gateway was deleted or detached)` };
  }
  const gateway = gateways.find((g) => g.internetGatewayId === target);
  if (!gateway || !isAttachedTo(gateway, subnet.vpcId)) {
    const elsewhere = gateway?.attachments.find((a) => a.vpcId !== subnet.vpcId)?.vpcId;
    const note = !gateway ? ' (it no longer exists)' : elsewhere ? ` (it is attached to ${elsewhere})` : '';
    const problem = `internet gateway ${target}, the 0.0.0.0/0 target of ${table.routeTableId}, is not attached to ${vpcName}${note}`;
    return { ...base, progress: 3, internetGatewayId: target, problem };
  }
  return { ...base, progress: 4, internetGatewayId: target, isPublic: true };
}

/** Why a table does or does not send an address to the wanted target; the first kind that applies is reported. */
export type RouteExplanation =
  /** The most specific usable route goes to the target. */
  | { kind: 'ok'; route: Route }
  /** A route to the target covers the address, but a more specific route to elsewhere wins. */
  | { kind: 'shadowed'; winner: Route; intended: Route }
  /** The winning route goes to a different peering connection. */
  | { kind: 'other-peering'; winner: Route }
  /** A route to a peering connection covers the address but is a blackhole (that connection is not active). */
  | { kind: 'blackhole'; route: Route }
  /** No route in this table, but another table of the same VPC has one: the subnet uses the wrong table. */
  | { kind: 'wrong-table'; elsewhere: RouteTable }
  | { kind: 'missing' };

/** Explains how `table` routes `ip` with respect to `targetId` (pcx-..., igw-...), looking at the VPC's other `tables`. */
export function explainRoute(table: RouteTable, tables: readonly RouteTable[], ip: string, targetId: string): RouteExplanation {
  const winner = routeFor(table, ip);
  if (winner && routeTarget(winner) === targetId) return { kind: 'ok', route: winner };
  const covers = (r: Route) => r.destinationCidrBlock !== undefined && cidrContains(r.destinationCidrBlock, ip);
  const intended = table.routes.find((r) => routeTarget(r) === targetId && covers(r));
  if (intended && intended.state !== 'blackhole' && winner) return { kind: 'shadowed', winner, intended };
  if (winner?.vpcPeeringConnectionId) return { kind: 'other-peering', winner };
  const dead = table.routes.find((r) => r.state === 'blackhole' && r.vpcPeeringConnectionId && covers(r));
  if (dead) return { kind: 'blackhole', route: dead };
  const elsewhere = tables.find((t) => t.vpcId === table.vpcId && t.routeTableId !== table.routeTableId && t.routes.some((r) => routeTarget(r) === targetId));
  return elsewhere ? { kind: 'wrong-table', elsewhere } : { kind: 'missing' };
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

export function connects(p: PeeringConnection, x: string, y: string): boolean {
  return (p.requesterVpcId === x && p.accepterVpcId === y) || (p.requesterVpcId === y && p.accepterVpcId === x);
}

export function isGone(p: PeeringConnection): boolean {
  return p.status === 'deleted' || p.status === 'deleting';
}

/**
 * The most advanced peering connection between two VPCs, in either direction. Filter in code: moto ignores
 * DescribeVpcPeeringConnections filters, and AWS keeps deleted connections listed for a while.
 */
export function peeringBetween(peerings: readonly PeeringConnection[], x: string, y: string): { choice?: Choice<PeeringConnection>; between: PeeringConnection[] } {
  const between = peerings.filter((p) => connects(p, x, y));
  return { choice: choose(between, [{ score: (p) => PEERING_RANK[p.status] ?? 0, because: 'its status is the most advanced' }]), between };
}

/** How a lab names one side of a route or a peering connection in hints ("VPC 1"). */
export interface NamedVpc {
  vpcId: string;
  name: string;
}

/**
 * Whether `table` (of the VPC named `from`) sends `ip` to the peering connection `targetId`, in words. `wantedCidr` is the route the learner
 * should add (the other VPC's CIDR); `back` says the route is the return path ("no route back to ...").
 */
export function routeFinding(table: RouteTable, tables: readonly RouteTable[], ip: string, targetId: string, from: string, wantedCidr: string, back = false): Found<Route> {
  const rt = table.routeTableId;
  const why = explainRoute(table, tables, ip, targetId);
  switch (why.kind) {
    case 'ok':
      return found(why.route, `${rt}: ${describeRoute(why.route)} is the most specific route for ${ip}.`);
    case 'shadowed':
      return missing(`In ${from}'s route table ${rt}, the more specific route ${describeRoute(why.winner)} wins over ${describeRoute(why.intended)} for ${ip}; remove it or point it at ${targetId}.`);
    case 'other-peering':
      return missing(`${from}'s route table ${rt} sends ${ip} to ${why.winner.vpcPeeringConnectionId}, not to the active peering connection ${targetId}; change the route ${why.winner.destinationCidrBlock} to use ${targetId}.`);
    case 'blackhole':
      return missing(`${from}'s route table ${rt} has the route ${describeRoute(why.route)}, but it is a blackhole (that peering connection is not active); replace it with ${wantedCidr} → ${targetId}.`);
    default: {
      const misplaced = why.kind === 'wrong-table' ? ` (there is one in ${why.elsewhere.routeTableId}, but the instance's subnet uses ${rt})` : '';
      return missing(`${from}'s route table ${rt} has no route${back ? ' back' : ''} to ${wantedCidr} through the peering connection ${targetId}${misplaced}; add ${wantedCidr} → ${targetId} to ${rt}.`);
    }
  }
}

/** The peering connection between two VPCs that is not deleted, or what is wrong in words; `region` is where it was looked for. */
export function peeringFinding(peerings: readonly PeeringConnection[], x: NamedVpc, y: NamedVpc, region: string): Found<PeeringConnection> {
  const { choice, between } = peeringBetween(peerings, x.vpcId, y.vpcId);
  const both = `${x.name} and ${y.name}`;
  if (choice && !isGone(choice.chosen)) {
    const p = choice.chosen;
    const note = choiceNote(choice, `peering connections join ${both}`, (c) => c.vpcPeeringConnectionId, between);
    return found(p, joinDetails(`${p.vpcPeeringConnectionId}: ${p.requesterVpcId} ↔ ${p.accepterVpcId}, ${p.status}.`, note));
  }
  if (choice) {
    const gone = choice.chosen.status === 'deleting' ? 'is being deleted' : 'was deleted';
    return missing(`Peering connection ${choice.chosen.vpcPeeringConnectionId} between ${both} ${gone}; create a new one and accept it.`);
  }
  const ends = (p: PeeringConnection) => [p.requesterVpcId, p.accepterVpcId];
  const stray = peerings.find((p) => !isGone(p) && ends(p).some((id) => id === x.vpcId || id === y.vpcId));
  if (stray) {
    const ours = ends(stray).includes(x.vpcId) ? x.name : y.name;
    const theirs = ends(stray).find((id) => id !== x.vpcId && id !== y.vpcId) ?? stray.accepterVpcId;
    return missing(`Peering connection ${stray.vpcPeeringConnectionId} connects ${ours} with ${theirs}, not ${x.name} with ${y.name}; create one between ${x.name} (${x.vpcId}) and ${y.name} (${y.vpcId}).`);
  }
  return missing(
    `There is no peering connection in ${region} between ${x.name} (${x.vpcId}) and ${y.name} (${y.vpcId}); create one with ${x.name} as requester and ${y.name} as accepter, then accept it.`,
  );
}

/** An active connection passes; otherwise what its status asks of the learner (accept it, wait, or make a new one). */
export function peeringActive(p: PeeringConnection, between: string): Found<PeeringConnection> {
  const id = p.vpcPeeringConnectionId;
  switch (p.status) {
    case 'active':
      return found(p, `${id} is active.`);
    case 'pending-acceptance':
      return missing(`Peering connection ${id} is waiting for acceptance: accept it (Actions > Accept request, or aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${id}).`);
    case 'provisioning':
    case 'initiating-request':
      return missing(`Peering connection ${id} is still being set up (${p.status}); wait a moment and check again.`);
    default:
      return missing(`Peering connection ${id} is ${p.status}; create a new peering connection between ${between} and accept it.`);
  }
}

/** A VPC with the routing of each of its subnets (undefined when subnets, tables or gateways could not be read). */
export interface VpcRouting {
  vpc: Vpc;
  routings?: SubnetRouting[];
}

function byAddress(x: Subnet, y: Subnet): number {
  const a = parseCidr(x.cidrBlock);
  const b = parseCidr(y.cidrBlock);
  return (a?.network ?? 0) - (b?.network ?? 0) || (a?.prefix ?? 0) - (b?.prefix ?? 0) || x.subnetId.localeCompare(y.subnetId);
}

/** Every subnet of the VPC in address order, with its routing; `vpcName` is how problems name the VPC. */
export function vpcRoutings(vpcId: string, subnets: readonly Subnet[], tables: readonly RouteTable[], gateways: readonly InternetGateway[], vpcName: string): SubnetRouting[] {
  return subnets
    .filter((s) => s.vpcId === vpcId)
    .sort(byAddress)
    .map((s) => subnetRouting(s, tables, gateways, vpcName));
}

/**
 * The VPC that has `cidr`, as its primary or a secondary block, other than `excludeId` (the lab's other VPC): primary
 * before secondary, then one with a public subnet. Not found names the Region, and a VPC with an overlapping block.
 */
export function findVpc(vpcs: readonly Vpc[], wanted: { cidr: string; name: string; region: string; excludeId?: string }, routingsOf: (vpc: Vpc) => SubnetRouting[] | undefined): Found<VpcRouting> {
  const { cidr, name, region } = wanted;
  const candidates = vpcs
    .filter((v) => (sameCidr(v.cidrBlock, cidr) || v.cidrBlocks.some((c) => sameCidr(c, cidr))) && v.vpcId !== wanted.excludeId)
    .map((vpc) => ({ vpc, routings: routingsOf(vpc) }));
  const choice = choose(candidates, [
    { score: (c) => sameCidr(c.vpc.cidrBlock, cidr), because: `its primary CIDR is ${cidr}` },
    { score: (c) => c.routings?.some((r) => r.isPublic) ?? false, because: 'it has a public subnet' },
  ]);
  if (choice) {
    const { vpc } = choice.chosen;
    const secondary = sameCidr(vpc.cidrBlock, cidr) ? '' : ` (as a secondary CIDR; its primary is ${vpc.cidrBlock})`;
    return found(choice.chosen, joinDetails(`${vpc.vpcId} has ${cidr}${secondary}.`, choiceNote(choice, `VPCs have ${cidr}`, (c) => c.vpc.vpcId, candidates)));
  }
  const notFound = `${name} (${cidr}) was not found in ${region}`;
  const near = vpcs.find((v) => !v.isDefault && v.cidrBlocks.concat(v.cidrBlock).some((c) => cidrsOverlap(c, cidr)));
  if (near) return missing(`${notFound}: ${near.vpcId} has ${near.cidrBlock} instead. Create a VPC with exactly ${cidr} (a VPC's primary CIDR cannot be changed).`);
  return missing(`${notFound}: no VPC there has that CIDR. Create it with exactly that block (Verilab checks ${region} only, so a VPC in another Region does not count).`);
}

/** The VPC's first public subnet by address, or what keeps the closest one from being public. */
export function publicSubnetOf(vpc: VpcRouting, name: string, subnetCidr: string): Found<SubnetRouting> {
  const routings = vpc.routings ?? [];
  if (routings.length === 0) return missing(`${name} (${vpc.vpc.vpcId}) has no subnet; create ${subnetCidr} in it.`);
  const publics = routings.filter((r) => r.isPublic);
  if (publics.length > 0) {
    const chosen = publics[0];
    const note = publics.length > 1 ? ` ${publics.length} public subnets; showing the first by address.` : '';
    return found(chosen, `${chosen.subnet.cidrBlock} (${chosen.subnet.subnetId}) → ${chosen.internetGatewayId} via ${chosen.routeTable?.routeTableId}.${note}`);
  }
  const closest = [...routings].sort((x, y) => y.progress - x.progress)[0];
  return missing(`${capitalise(closest.problem ?? '')}.`);
}
