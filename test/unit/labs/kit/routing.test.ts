import { hintOf } from '../../../helpers/snapshots';
import { effectiveRouteTable, explainRoute, findVpc, peeringActive, peeringBetween, peeringFinding, publicSubnetOf, routeFinding, routeFor, subnetRouting, vpcRoutings } from '../../../../server/labs/kit/routing';
import type { InternetGateway, PeeringConnection, Route, RouteTable, Subnet, Vpc } from '../../../../server/verify/snapshot';

const subnet = (id = 'subnet-1', vpcId = 'vpc-1'): Subnet => ({ subnetId: id, vpcId, cidrBlock: '10.1.0.0/24', mapPublicIpOnLaunch: false, tags: {} });
const table = (id: string, routes: Route[], associations: RouteTable['associations'] = [], vpcId = 'vpc-1'): RouteTable => ({ routeTableId: id, vpcId, routes, associations, tags: {} });
const local: Route = { destinationCidrBlock: '10.1.0.0/16', gatewayId: 'local', state: 'active' };
const igw: Route = { destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1', state: 'active' };
const toPcx = (cidr: string, pcx = 'pcx-1', state = 'active'): Route => ({ destinationCidrBlock: cidr, vpcPeeringConnectionId: pcx, state });
const gateway = (vpcId = 'vpc-1'): InternetGateway => ({ internetGatewayId: 'igw-1', attachments: [{ vpcId, state: 'available' }], tags: {} });

describe('effectiveRouteTable', () => {
  it('an explicit association wins over the main table', () => {
    const main = table('rtb-main', [local], [{ main: true }]);
    const own = table('rtb-own', [local], [{ subnetId: 'subnet-1', main: false }]);
    expect(effectiveRouteTable(subnet(), [main, own])).toEqual({ table: own, viaMain: false });
  });

  it("no association: falls back to its own VPC's main table, never another VPC's", () => {
    const otherMain = table('rtb-other', [local], [{ main: true }], 'vpc-2');
    const main = table('rtb-main', [local], [{ main: true }]);
    expect(effectiveRouteTable(subnet(), [otherMain, main])).toEqual({ table: main, viaMain: true });
    expect(effectiveRouteTable(subnet(), [otherMain])).toBeUndefined();
  });
});

describe('routeFor', () => {
  it('longest prefix wins, and a blackhole route is skipped', () => {
    const t = table('rtb-1', [local, igw, toPcx('10.2.0.0/16'), toPcx('10.2.0.0/24', 'pcx-old', 'blackhole')]);
    expect(routeFor(t, '10.2.0.20')?.vpcPeeringConnectionId).toBe('pcx-1');
    expect(routeFor(t, '8.8.8.8')?.gatewayId).toBe('igw-1');
    expect(routeFor(t, '10.1.0.5')?.gatewayId).toBe('local');
  });
});

describe('explainRoute', () => {
  it('ok: the most specific route goes to the target', () => {
    expect(explainRoute(table('rtb-1', [local, toPcx('10.2.0.0/16')]), [], '10.2.0.20', 'pcx-1')).toMatchObject({ kind: 'ok', route: { destinationCidrBlock: '10.2.0.0/16' } });
  });

  it('shadowed: a more specific route to the internet gateway wins over the peering route', () => {
    const why = explainRoute(table('rtb-1', [local, toPcx('10.2.0.0/16'), { destinationCidrBlock: '10.2.0.0/24', gatewayId: 'igw-1' }]), [], '10.2.0.20', 'pcx-1');
    expect(why).toMatchObject({ kind: 'shadowed', winner: { gatewayId: 'igw-1' }, intended: { vpcPeeringConnectionId: 'pcx-1' } });
  });

  it('other peering: the address goes to another peering connection', () => {
    expect(explainRoute(table('rtb-1', [local, toPcx('10.2.0.0/16', 'pcx-9')]), [], '10.2.0.20', 'pcx-1')).toMatchObject({ kind: 'other-peering', winner: { vpcPeeringConnectionId: 'pcx-9' } });
  });

  it('blackhole: the only covering route points at a peering connection that is not active', () => {
    expect(explainRoute(table('rtb-1', [local, toPcx('10.2.0.0/16', 'pcx-old', 'blackhole')]), [], '10.2.0.20', 'pcx-1')).toMatchObject({ kind: 'blackhole', route: { vpcPeeringConnectionId: 'pcx-old' } });
  });

  it("wrong table: the route is in the VPC's other table, not the one the subnet uses; missing when nowhere", () => {
    const used = table('rtb-1', [local]);
    const main = table('rtb-main', [local, toPcx('10.2.0.0/16')], [{ main: true }]);
    const elsewhere = table('rtb-x', [toPcx('10.2.0.0/16')], [], 'vpc-9');
    expect(explainRoute(used, [used, main], '10.2.0.20', 'pcx-1')).toMatchObject({ kind: 'wrong-table', elsewhere: { routeTableId: 'rtb-main' } });
    expect(explainRoute(used, [used, elsewhere], '10.2.0.20', 'pcx-1')).toEqual({ kind: 'missing' });
  });
});

describe('subnetRouting', () => {
  it('public through the main table when its default route reaches an attached gateway', () => {
    const r = subnetRouting(subnet(), [table('rtb-main', [local, igw], [{ main: true }])], [gateway()], 'VPC X');
    expect(r).toMatchObject({ isPublic: true, viaMain: true, internetGatewayId: 'igw-1', progress: 4 });
  });

  it('not public: no default route, a NAT target, a blackhole, a gateway attached elsewhere; the problem names the VPC as given', () => {
    const with_ = (routes: Route[], gateways = [gateway()]) => subnetRouting(subnet(), [table('rtb-1', routes, [{ subnetId: 'subnet-1', main: false }])], gateways, 'VPC X');
    expect(with_([local]).problem).toBe("VPC X's subnet 10.1.0.0/24 (subnet-1) uses route table rtb-1 which has no 0.0.0.0/0 route to an internet gateway");
    expect(with_([local, { destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-1' }]).problem).toContain('goes to nat-1, not to an internet gateway');
    expect(with_([local, { ...igw, state: 'blackhole' }]).problem).toContain('is a blackhole');
    expect(with_([local, igw], [gateway('vpc-2')]).problem).toContain('is not attached to VPC X (it is attached to vpc-2)');
  });
});

describe('peeringBetween', () => {
  const pcx = (id: string, status: string, requester = 'vpc-1', accepter = 'vpc-2'): PeeringConnection => ({ vpcPeeringConnectionId: id, status, requesterVpcId: requester, accepterVpcId: accepter, tags: {} });
  it('either direction counts; the most advanced status wins; unrelated connections are ignored', () => {
    const { choice, between } = peeringBetween([pcx('pcx-old', 'deleted'), pcx('pcx-other', 'active', 'vpc-1', 'vpc-3'), pcx('pcx-new', 'active', 'vpc-2', 'vpc-1')], 'vpc-1', 'vpc-2');
    expect(between.map((p) => p.vpcPeeringConnectionId)).toEqual(['pcx-old', 'pcx-new']);
    expect(choice).toMatchObject({ chosen: { vpcPeeringConnectionId: 'pcx-new' }, because: 'its status is the most advanced' });
  });
});

describe('routeFinding: explanations in words', () => {
  it('ok names the route; missing says what to add and where; a route elsewhere is pointed at', () => {
    const rt = table('rtb-1', [local, igw, toPcx('10.2.0.0/16')]);
    expect(routeFinding(rt, [rt], '10.2.0.47', 'pcx-1', 'VPC 1', '10.2.0.0/16')).toMatchObject({ ok: true, detail: 'rtb-1: 10.2.0.0/16 → pcx-1 is the most specific route for 10.2.0.47.' });
    const bare = table('rtb-1', [local, igw]);
    const main = table('rtb-main', [local, toPcx('10.2.0.0/16')]);
    expect(hintOf(routeFinding(bare, [bare, main], '10.2.0.47', 'pcx-1', 'VPC 1', '10.2.0.0/16', true))).toBe(
      "VPC 1's route table rtb-1 has no route back to 10.2.0.0/16 through the peering connection pcx-1 (there is one in rtb-main, but the instance's subnet uses rtb-1); add 10.2.0.0/16 → pcx-1 to rtb-1.",
    );
  });

  it('shadowed and blackhole routes are explained', () => {
    const shadowed = table('rtb-1', [local, toPcx('10.2.0.0/16'), { destinationCidrBlock: '10.2.0.0/24', gatewayId: 'igw-1', state: 'active' }]);
    expect(hintOf(routeFinding(shadowed, [shadowed], '10.2.0.47', 'pcx-1', 'VPC 1', '10.2.0.0/16'))).toContain('the more specific route 10.2.0.0/24 → igw-1 wins over 10.2.0.0/16 → pcx-1');
    const dead = table('rtb-1', [local, toPcx('10.2.0.0/16', 'pcx-old', 'blackhole')]);
    expect(hintOf(routeFinding(dead, [dead], '10.2.0.47', 'pcx-1', 'VPC 1', '10.2.0.0/16'))).toContain('but it is a blackhole');
  });
});

describe('peeringFinding and peeringActive', () => {
  const one = { vpcId: 'vpc-1', name: 'VPC 1' };
  const two = { vpcId: 'vpc-2', name: 'VPC 2' };
  const pcx = (status: string, accepterVpcId = 'vpc-2'): PeeringConnection => ({ vpcPeeringConnectionId: 'pcx-1', status, requesterVpcId: 'vpc-1', accepterVpcId, tags: {} });

  it('none: names the Region it looked in; one with a third VPC: names that VPC', () => {
    expect(hintOf(peeringFinding([], one, two, 'eu-west-1'))).toMatch(/^There is no peering connection in eu-west-1 between VPC 1 \(vpc-1\) and VPC 2 \(vpc-2\)/);
    expect(hintOf(peeringFinding([pcx('active', 'vpc-9')], one, two, 'eu-west-1'))).toContain('connects VPC 1 with vpc-9, not VPC 1 with VPC 2');
  });

  it('status: active passes, pending says accept it, deleted is gone', () => {
    expect(peeringActive(pcx('active'), 'VPC 1 and VPC 2')).toMatchObject({ ok: true, detail: 'pcx-1 is active.' });
    expect(hintOf(peeringActive(pcx('pending-acceptance'), 'VPC 1 and VPC 2'))).toContain('is waiting for acceptance: accept it');
    expect(hintOf(peeringFinding([pcx('deleted')], one, two, 'eu-west-1'))).toBe('Peering connection pcx-1 between VPC 1 and VPC 2 was deleted; create a new one and accept it.');
  });
});

describe('findVpc and publicSubnetOf', () => {
  const vpc = (vpcId: string, cidrBlock: string, more: string[] = []): Vpc => ({ vpcId, cidrBlock, cidrBlocks: [cidrBlock, ...more], isDefault: false, state: 'available', tags: {} });
  const wanted = { cidr: '10.1.0.0/16', name: 'VPC 1', region: 'eu-west-1' };
  const noRoutings = () => undefined;

  it('not found: names the Region, and a VPC with an overlapping block as the near miss', () => {
    expect(hintOf(findVpc([], wanted, noRoutings))).toMatch(/^VPC 1 \(10\.1\.0\.0\/16\) was not found in eu-west-1: no VPC there has that CIDR/);
    expect(hintOf(findVpc([vpc('vpc-9', '10.1.0.0/24')], wanted, noRoutings))).toContain('vpc-9 has 10.1.0.0/24 instead');
  });

  it('a primary CIDR wins over a secondary one; the excluded VPC is never chosen', () => {
    const secondary = vpc('vpc-2', '10.20.0.0/16', ['10.1.0.0/16']);
    expect(findVpc([secondary, vpc('vpc-1', '10.1.0.0/16')], wanted, noRoutings)).toMatchObject({ ok: true, value: { vpc: { vpcId: 'vpc-1' } } });
    expect(findVpc([secondary], { ...wanted, excludeId: 'vpc-2' }, noRoutings).ok).toBe(false);
  });

  it('publicSubnetOf: the public subnet, or the problem of the closest one', () => {
    const routings = vpcRoutings('vpc-1', [subnet()], [table('rtb-1', [local, igw], [{ subnetId: 'subnet-1', main: false }])], [gateway()], 'VPC 1');
    expect(publicSubnetOf({ vpc: vpc('vpc-1', '10.1.0.0/16'), routings }, 'VPC 1', '10.1.0.0/24').ok).toBe(true);
    expect(hintOf(publicSubnetOf({ vpc: vpc('vpc-1', '10.1.0.0/16'), routings: [] }, 'VPC 1', '10.1.0.0/24'))).toBe('VPC 1 (vpc-1) has no subnet; create 10.1.0.0/24 in it.');
  });
});
