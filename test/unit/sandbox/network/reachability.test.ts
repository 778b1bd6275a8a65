// Reachability engine, rule by rule, on small hand-built states modelled on the VPC flow logs lab: delivery, reply, words and flow records.
import { reach, selectRoute } from '../../../../server/sandbox/network/reachability';
import type { FlowRecordPlan, NetworkAcl, NetworkState } from '../../../../server/sandbox/network/types';
import type { Instance, PeeringConnection, Route, RouteTable, SecurityGroupRule } from '../../../../server/verify/snapshot';

const rule = (over: Partial<SecurityGroupRule>): SecurityGroupRule => ({ ipProtocol: '-1', ipRanges: [], ipv6Ranges: [], groupIds: [], prefixListIds: [], ...over });
const ALL_ICMP = rule({ ipProtocol: 'icmp', fromPort: -1, toPort: -1, ipRanges: ['0.0.0.0/0'] });
const SSH = rule({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['0.0.0.0/0'] });
const ALL_OUT = rule({ ipRanges: ['0.0.0.0/0'] });

const instance = (id: string, vpc: string, ip: string, publicIp: string | undefined): Instance => ({
  instanceId: `i-${id}`,
  state: 'running',
  vpcId: `vpc-${vpc}`,
  subnetId: `subnet-${vpc}`,
  privateIpAddress: ip,
  publicIpAddress: publicIp,
  securityGroupIds: [`sg-${vpc}`],
  networkInterfaceIds: [`eni-${id}`],
  tags: {},
});

/** One lab VPC: a /16 with one /24 subnet on its main table (local + 0.0.0.0/0 to its own gateway), a group allowing ICMP and SSH. */
function addVpc(state: NetworkState, name: string, second: number): void {
  const vpcId = `vpc-${name}`;
  const cidr = `10.${second}.0.0/16`;
  state.vpcs.push({ vpcId, cidrBlock: cidr, cidrBlocks: [cidr], isDefault: false, state: 'available', tags: {} });
  state.subnets.push({ subnetId: `subnet-${name}`, vpcId, cidrBlock: `10.${second}.0.0/24`, mapPublicIpOnLaunch: true, tags: {} });
  state.internetGateways.push({ internetGatewayId: `igw-${name}`, attachments: [{ vpcId, state: 'available' }], tags: {} });
  state.routeTables.push({
    routeTableId: `rtb-${name}`,
    vpcId,
    routes: [
      { destinationCidrBlock: cidr, gatewayId: 'local', state: 'active' },
      { destinationCidrBlock: '0.0.0.0/0', gatewayId: `igw-${name}`, state: 'active' },
    ],
    associations: [{ main: true }],
    tags: {},
  });
  state.securityGroups.push({ groupId: `sg-${name}`, groupName: `lab-${name}`, vpcId, ingress: [SSH, ALL_ICMP], egress: [ALL_OUT], tags: {} });
  state.flowLogs.push({ flowLogId: `fl-${name}`, resourceId: vpcId, trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', logGroupName: 'lab-flow-logs', flowLogStatus: 'ACTIVE' });
}

/** The lab before peering: VPC A (10.1.0.0/16) with i-a 10.1.0.4 / 54.0.0.1, VPC B (10.2.0.0/16) with i-b 10.2.0.36 / 3.0.0.2. */
function labState(): NetworkState {
  const state: NetworkState = { vpcs: [], subnets: [], routeTables: [], internetGateways: [], securityGroups: [], instances: [], peerings: [], flowLogs: [] };
  addVpc(state, 'a', 1);
  addVpc(state, 'b', 2);
  state.instances.push(instance('a', 'a', '10.1.0.4', '54.0.0.1'), instance('b', 'b', '10.2.0.36', '3.0.0.2'));
  return state;
}

const table = (state: NetworkState, id: string): RouteTable => state.routeTables.find((t) => t.routeTableId === id)!;
const addRoute = (state: NetworkState, rtb: string, route: Route): void => void table(state, rtb).routes.push({ state: 'active', ...route });

function peer(state: NetworkState, x: string, y: string, status = 'active'): PeeringConnection {
  const pcx: PeeringConnection = { vpcPeeringConnectionId: `pcx-${x}${y}`, status, requesterVpcId: `vpc-${x}`, accepterVpcId: `vpc-${y}`, tags: {} };
  state.peerings.push(pcx);
  return pcx;
}

/** A and B peered and routed both ways, as the lab's step 6 leaves them. */
function peeredState(): NetworkState {
  const state = labState();
  peer(state, 'a', 'b');
  addRoute(state, 'rtb-a', { destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: 'pcx-ab' });
  addRoute(state, 'rtb-b', { destinationCidrBlock: '10.1.0.0/16', vpcPeeringConnectionId: 'pcx-ab' });
  return state;
}

const PING_A_TO_B = { from: 'i-a', to: '10.2.0.36', protocol: 'icmp' } as const;

/** An ICMP echo record as the engine plans it, with the lab's defaults. */
const icmp = (eni: string, direction: 'ingress' | 'egress', src: string, dst: string, action: 'ACCEPT' | 'REJECT' = 'ACCEPT'): Partial<FlowRecordPlan> => ({
  interfaceId: `eni-${eni}`,
  direction,
  srcAddr: src,
  dstAddr: dst,
  srcPort: 0,
  dstPort: 0,
  protocol: 1,
  packets: 1,
  bytes: 84,
  action,
  flowLogIds: [`fl-${eni}`],
});

const shape = (records: FlowRecordPlan[]) =>
  records.map(({ interfaceId, direction, srcAddr, dstAddr, srcPort, dstPort, protocol, packets, bytes, action, flowLogIds }) => ({
    interfaceId,
    direction,
    srcAddr,
    dstAddr,
    srcPort,
    dstPort,
    protocol,
    packets,
    bytes,
    action,
    flowLogIds,
  }));

describe('reachability engine: private ping between the lab VPCs', () => {
  it('before peering: fails at the internet gateway, with an outbound ACCEPT on the sender and no reply', () => {
    const result = reach(labState(), PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.2.0.36 match 0.0.0.0/0 → igw-a in rtb-a; an internet gateway cannot deliver to a private address');
    expect(result.explanation.join('\n')).toMatch(/No peering connection joins vpc-a and vpc-b/);
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36')]);
  });

  it('after peering with routes both ways: delivered and answered, with request and reply records on both interfaces', () => {
    const result = reach(peeredState(), { ...PING_A_TO_B, count: 4 });

    expect(result).toMatchObject({ delivered: true, replied: true });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.2.0.36 match 10.2.0.0/16 → pcx-ab in rtb-a; peering connection pcx-ab is active and carries them to vpc-b');
    expect(result.explanation).toContain('replies from 10.2.0.36 to 10.1.0.4 match 10.1.0.0/16 → pcx-ab in rtb-b; peering connection pcx-ab is active and carries them to vpc-a');
    expect(result.explanation).toContain('security group sg-b lets echo requests in from 10.1.0.4: all ICMP from 0.0.0.0/0');
    const four = { packets: 4, bytes: 336 };
    expect(shape(result.records)).toEqual([
      { ...icmp('a', 'egress', '10.1.0.4', '10.2.0.36'), ...four },
      { ...icmp('b', 'ingress', '10.1.0.4', '10.2.0.36'), ...four },
      { ...icmp('b', 'egress', '10.2.0.36', '10.1.0.4'), ...four },
      { ...icmp('a', 'ingress', '10.2.0.36', '10.1.0.4'), ...four },
    ]);
  });

  it("route on A's side only: delivered but the reply is lost at B's internet gateway, and the hint names VPC B's table", () => {
    const state = labState();
    peer(state, 'a', 'b');
    addRoute(state, 'rtb-a', { destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: 'pcx-ab' });

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: true, replied: false });
    expect(result.explanation).toContain('replies from 10.2.0.36 to 10.1.0.4 match 0.0.0.0/0 → igw-b in rtb-b; an internet gateway cannot deliver to a private address');
    expect(result.explanation).toContain("vpc-b's route table rtb-b has no route back to 10.1.0.0/16 through the peering connection pcx-ab; add 10.1.0.0/16 → pcx-ab to rtb-b.");
    expect(shape(result.records)).toEqual([
      icmp('a', 'egress', '10.1.0.4', '10.2.0.36'),
      icmp('b', 'ingress', '10.1.0.4', '10.2.0.36'),
      icmp('b', 'egress', '10.2.0.36', '10.1.0.4'),
    ]);
  });

  it("route on B's side only: the request never leaves VPC A, and the hint names VPC A's table", () => {
    const state = labState();
    peer(state, 'a', 'b');
    addRoute(state, 'rtb-b', { destinationCidrBlock: '10.1.0.0/16', vpcPeeringConnectionId: 'pcx-ab' });

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain("vpc-a's route table rtb-a has no route to 10.2.0.0/16 through the peering connection pcx-ab; add 10.2.0.0/16 → pcx-ab to rtb-a.");
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36')]);
  });

  it('no ICMP in the destination group: REJECTed at the destination interface', () => {
    const state = peeredState();
    state.securityGroups.find((g) => g.groupId === 'sg-b')!.ingress = [SSH];

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('security group sg-b on i-b (10.2.0.36) lets no echo requests in from 10.1.0.4 (it allows only TCP 22 from 0.0.0.0/0): they are rejected');
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36'), icmp('b', 'ingress', '10.1.0.4', '10.2.0.36', 'REJECT')]);
  });

  it("a group reference admits the peer's instance: the sender's group is named instead of a CIDR", () => {
    const state = peeredState();
    state.securityGroups.find((g) => g.groupId === 'sg-b')!.ingress = [rule({ ipProtocol: 'icmp', fromPort: -1, toPort: -1, groupIds: ['sg-a'] })];

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: true, replied: true });
    expect(result.explanation).toContain('security group sg-b lets echo requests in from 10.1.0.4: all ICMP from sg-a');
  });

  it("an outbound rule that leaves out the destination: REJECTed on the sender's interface", () => {
    const state = peeredState();
    state.securityGroups.find((g) => g.groupId === 'sg-a')!.egress = [rule({ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: ['0.0.0.0/0'] })];

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation[0]).toBe('security group sg-a on i-a (10.1.0.4) has no outbound rule that lets echo requests out to 10.2.0.36: they are rejected');
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36', 'REJECT')]);
  });
});

describe('reachability engine: network ACLs', () => {
  const acl = (subnet: string, entries: NetworkAcl['entries']): NetworkAcl => ({ networkAclId: `acl-${subnet}`, vpcId: `vpc-${subnet}`, isDefault: false, entries, associations: [{ subnetId: `subnet-${subnet}` }] });
  const allowAll = (egress: boolean) => ({ ruleNumber: 100, protocol: '-1', ruleAction: 'allow' as const, egress, cidrBlock: '0.0.0.0/0' });

  it("a NACL deny numbered before the allow beats the security group's allow: REJECT at the destination", () => {
    const state = peeredState();
    state.networkAcls = [acl('b', [{ ruleNumber: 50, protocol: '1', ruleAction: 'deny', egress: false, cidrBlock: '10.1.0.0/16', icmpTypeCode: { type: -1, code: -1 } }, allowAll(false), allowAll(true)])];

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain(
      'network ACL acl-b of subnet-b denies echo requests in from 10.1.0.4: rule 50 denies all ICMP from 10.1.0.0/16; rules are read in number order and the first match wins, before any security group sees them',
    );
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36'), icmp('b', 'ingress', '10.1.0.4', '10.2.0.36', 'REJECT')]);
  });

  it('stateless: inbound allowed but nothing outbound, so the reply is REJECTed leaving the destination', () => {
    const state = peeredState();
    state.networkAcls = [acl('b', [allowAll(false)])];

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: true, replied: false });
    expect(result.explanation).toContain(
      'network ACL acl-b of subnet-b denies echo replies out to 10.1.0.4: rule * denies everything that no numbered rule matched; rules are read in number order and the first match wins (network ACLs are stateless: the reply is checked on its own)',
    );
    expect(shape(result.records)).toEqual([
      icmp('a', 'egress', '10.1.0.4', '10.2.0.36'),
      icmp('b', 'ingress', '10.1.0.4', '10.2.0.36'),
      icmp('b', 'egress', '10.2.0.36', '10.1.0.4', 'REJECT'),
    ]);
  });

  it("TCP replies go to the sender's ephemeral port: a NACL on A's subnet allowing only port 22 both ways drops the reply", () => {
    const state = peeredState();
    const only22 = (egress: boolean) => ({ ruleNumber: 100, protocol: '6', ruleAction: 'allow' as const, egress, cidrBlock: '0.0.0.0/0', portRange: { from: 22, to: 22 } });
    state.networkAcls = [acl('a', [only22(true), only22(false)])];

    const result = reach(state, { from: 'i-a', to: '10.2.0.36', protocol: 'tcp', port: 22 });

    expect(result).toMatchObject({ delivered: true, replied: false });
    expect(result.explanation.join('\n')).toMatch(/network ACL acl-a of subnet-a denies TCP replies from port 22 in from 10.2.0.36: rule \*/);
    expect(result.records.at(-1)).toMatchObject({ interfaceId: 'eni-a', direction: 'ingress', srcPort: 22, dstPort: 49152, protocol: 6, tcpFlags: 18, action: 'REJECT' });
  });

  it('traffic inside one subnet never meets its ACL', () => {
    const state = labState();
    state.instances.push({ ...instance('c', 'a', '10.1.0.9', undefined), networkInterfaceIds: ['eni-c'] });
    state.networkAcls = [acl('a', [])];

    const result = reach(state, { from: 'i-a', to: '10.1.0.9', protocol: 'icmp' });

    expect(result).toMatchObject({ delivered: true, replied: true });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.1.0.9 match 10.1.0.0/16 → local in rtb-a: they stay inside vpc-a');
    expect(result.hops.some((h) => h.kind === 'network-acl')).toBe(false);
  });
});

describe('reachability engine: internet gateways', () => {
  it("public ping: out through A's gateway, in through B's; each record keeps the interface's private address", () => {
    const result = reach(labState(), { from: 'i-a', to: '3.0.0.2', protocol: 'icmp' });

    expect(result).toMatchObject({ delivered: true, replied: true });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 3.0.0.2 match 0.0.0.0/0 → igw-a in rtb-a; igw-a translates 10.1.0.4 to its public address 54.0.0.1');
    expect(result.explanation).toContain('igw-b translates 3.0.0.2 to 10.2.0.36; they arrive from 54.0.0.1');
    expect(shape(result.records)).toEqual([
      icmp('a', 'egress', '10.1.0.4', '3.0.0.2'),
      icmp('b', 'ingress', '54.0.0.1', '10.2.0.36'),
      icmp('b', 'egress', '10.2.0.36', '54.0.0.1'),
      icmp('a', 'ingress', '3.0.0.2', '10.1.0.4'),
    ]);
  });

  it('a sender without a public address cannot use the gateway', () => {
    const state = labState();
    state.instances[0].publicIpAddress = undefined;

    const result = reach(state, { from: 'i-a', to: '3.0.0.2', protocol: 'icmp' });

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 3.0.0.2 match 0.0.0.0/0 → igw-a in rtb-a, but i-a (10.1.0.4) has no public IPv4 address, so igw-a has nothing to translate 10.1.0.4 to and drops them');
  });

  it("a group that admits only the sender's private range refuses the public ping (it arrives from the public address)", () => {
    const state = labState();
    state.securityGroups.find((g) => g.groupId === 'sg-b')!.ingress = [rule({ ipProtocol: 'icmp', fromPort: -1, toPort: -1, ipRanges: ['10.1.0.0/16'] })];

    const result = reach(state, { from: 'i-a', to: '3.0.0.2', protocol: 'icmp' });

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '3.0.0.2'), icmp('b', 'ingress', '54.0.0.1', '10.2.0.36', 'REJECT')]);
  });
});

describe('reachability engine: route selection', () => {
  it('a more specific route wins: 10.2.0.0/24 to the gateway beats 10.2.0.0/16 to the peering connection', () => {
    const state = peeredState();
    addRoute(state, 'rtb-a', { destinationCidrBlock: '10.2.0.0/24', gatewayId: 'igw-a' });

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.2.0.36 match 10.2.0.0/24 → igw-a in rtb-a; an internet gateway cannot deliver to a private address');
    expect(result.explanation.join('\n')).toMatch(/the more specific route 10\.2\.0\.0\/24 → igw-a wins over 10\.2\.0\.0\/16 → pcx-ab/);
  });

  it('and the peering route, more specific than 0.0.0.0/0, wins over the gateway', () => {
    expect(selectRoute(table(peeredState(), 'rtb-a'), '10.2.0.36')).toMatchObject({ vpcPeeringConnectionId: 'pcx-ab' });
  });

  it('the local route comes first among routes of equal length', () => {
    const t: RouteTable = {
      routeTableId: 'rtb-x',
      vpcId: 'vpc-a',
      routes: [
        { destinationCidrBlock: '10.1.0.0/16', vpcPeeringConnectionId: 'pcx-ab', state: 'active' },
        { destinationCidrBlock: '10.1.0.0/16', gatewayId: 'local', state: 'active' },
      ],
      associations: [],
      tags: {},
    };
    expect(selectRoute(t, '10.1.0.4')).toMatchObject({ gatewayId: 'local' });
  });

  it('a blackhole route drops the packet rather than falling back to 0.0.0.0/0', () => {
    const state = labState();
    addRoute(state, 'rtb-a', { destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: 'pcx-old', state: 'blackhole' });

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.2.0.36 match 10.2.0.0/16 → pcx-old in rtb-a, a blackhole route (its target was deleted or is not active): they are dropped');
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36')]);
  });
});

describe('reachability engine: peering connections', () => {
  it('a pending-acceptance connection carries nothing, even with routes on both sides', () => {
    const state = peeredState();
    state.peerings[0].status = 'pending-acceptance';

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false });
    expect(result.explanation).toContain('packets from 10.1.0.4 to 10.2.0.36 match 10.2.0.0/16 → pcx-ab in rtb-a, but peering connection pcx-ab is pending-acceptance: it carries no traffic until it is active');
    expect(result.explanation.join('\n')).toMatch(/Peering connection pcx-ab is waiting for acceptance: accept it/);
    expect(shape(result.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.2.0.36')]);
  });

  it('peering is not transitive: with A-B and B-C, A cannot reach C through B, while B reaches C', () => {
    const state = peeredState();
    addVpc(state, 'c', 3);
    state.instances.push(instance('c', 'c', '10.3.0.9', undefined));
    peer(state, 'b', 'c');
    addRoute(state, 'rtb-a', { destinationCidrBlock: '10.3.0.0/16', vpcPeeringConnectionId: 'pcx-ab' });
    addRoute(state, 'rtb-b', { destinationCidrBlock: '10.3.0.0/16', vpcPeeringConnectionId: 'pcx-bc' });
    addRoute(state, 'rtb-c', { destinationCidrBlock: '10.2.0.0/16', vpcPeeringConnectionId: 'pcx-bc' });
    addRoute(state, 'rtb-c', { destinationCidrBlock: '10.1.0.0/16', vpcPeeringConnectionId: 'pcx-bc' });

    const fromA = reach(state, { from: 'i-a', to: '10.3.0.9', protocol: 'icmp' });
    const fromB = reach(state, { from: 'i-b', to: '10.3.0.9', protocol: 'icmp' });

    expect(fromA).toMatchObject({ delivered: false, replied: false });
    expect(fromA.explanation).toContain(
      'packets from 10.1.0.4 to 10.3.0.9 match 10.3.0.0/16 → pcx-ab in rtb-a, but pcx-ab leads only to vpc-b (10.2.0.0/16) and 10.3.0.9 is not in it: peering is not transitive, so vpc-b does not pass them on',
    );
    expect(fromA.explanation.join('\n')).toMatch(/No peering connection joins vpc-a and vpc-c/);
    expect(shape(fromA.records)).toEqual([icmp('a', 'egress', '10.1.0.4', '10.3.0.9')]);
    expect(fromB).toMatchObject({ delivered: true, replied: true });
  });
});

describe('reachability engine: sources and flow log coverage', () => {
  it('a stopped sender sends nothing and nothing is recorded', () => {
    const state = peeredState();
    state.instances[0].state = 'stopped';

    const result = reach(state, PING_A_TO_B);

    expect(result).toMatchObject({ delivered: false, replied: false, records: [] });
    expect(result.explanation).toEqual(['i-a is stopped, so it sends nothing']);
  });

  it('given interfaces are used as they are, and a packet can start from an ENI id', () => {
    const state = peeredState();
    state.networkInterfaces = [
      { networkInterfaceId: 'eni-a', vpcId: 'vpc-a', subnetId: 'subnet-a', privateIpAddress: '10.1.0.4', groupIds: ['sg-a'], instanceId: 'i-a' },
      { networkInterfaceId: 'eni-b', vpcId: 'vpc-b', subnetId: 'subnet-b', privateIpAddress: '10.2.0.36', groupIds: ['sg-b'], instanceId: 'i-b' },
    ];

    expect(reach(state, { from: 'eni-a', to: '10.2.0.36', protocol: 'icmp' })).toMatchObject({ delivered: true, replied: true });
  });

  it('traffic type is honoured: a REJECT-only flow log on B sees only the refusal; a subnet and an ENI flow log both cover A', () => {
    const state = peeredState();
    state.securityGroups.find((g) => g.groupId === 'sg-b')!.ingress = [];
    state.flowLogs = [
      { flowLogId: 'fl-b', resourceId: 'vpc-b', trafficType: 'REJECT', logDestinationType: 'cloud-watch-logs', flowLogStatus: 'ACTIVE' },
      { flowLogId: 'fl-subnet-a', resourceId: 'subnet-a', trafficType: 'ACCEPT', logDestinationType: 'cloud-watch-logs', flowLogStatus: 'ACTIVE' },
      { flowLogId: 'fl-eni-a', resourceId: 'eni-a', trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', flowLogStatus: 'ACTIVE' },
      { flowLogId: 'fl-failed', resourceId: 'vpc-a', trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', flowLogStatus: 'ACTIVE', deliverLogsStatus: 'FAILED' },
    ];

    const result = reach(state, PING_A_TO_B);

    expect(result.records.map((r) => [r.interfaceId, r.action, r.flowLogIds])).toEqual([
      ['eni-a', 'ACCEPT', ['fl-subnet-a', 'fl-eni-a']],
      ['eni-b', 'REJECT', ['fl-b']],
    ]);
  });

  it('no flow log on the path: the decision is the same and no records are planned', () => {
    const state = peeredState();
    state.flowLogs = [];

    expect(reach(state, PING_A_TO_B)).toMatchObject({ delivered: true, replied: true, records: [] });
  });
});
