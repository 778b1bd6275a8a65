import { hintOf } from '../../../helpers/snapshots';
import { coveringSource, describeRule, inboundAllowed, inboundFinding, ruleAllowsTraffic, type Traffic } from '../../../../server/labs/kit/security-groups';
import type { SecurityGroup, SecurityGroupRule } from '../../../../server/verify/snapshot';

const rule = (over: Partial<SecurityGroupRule>): SecurityGroupRule => ({ ipProtocol: 'icmp', ipRanges: [], ipv6Ranges: [], groupIds: [], prefixListIds: [], ...over });
const group = (id: string, ingress: SecurityGroupRule[]): SecurityGroup => ({ groupId: id, groupName: id, vpcId: 'vpc-2', ingress, egress: [], tags: {} });
const ECHO: Traffic = { protocol: 'icmp', type: 8, code: 0 };
const SSH: Traffic = { protocol: 'tcp', port: 22 };

describe('ruleAllowsTraffic', () => {
  it('protocol -1 allows anything', () => {
    expect(ruleAllowsTraffic(rule({ ipProtocol: '-1' }), ECHO)).toBe(true);
    expect(ruleAllowsTraffic(rule({ ipProtocol: '-1' }), SSH)).toBe(true);
  });

  it('ICMP type and code: -1 is all; echo reply (type 0) does not let an echo request (type 8) in', () => {
    expect(ruleAllowsTraffic(rule({ fromPort: -1, toPort: -1 }), ECHO)).toBe(true);
    expect(ruleAllowsTraffic(rule({ ipProtocol: '1', fromPort: 8, toPort: -1 }), ECHO)).toBe(true);
    expect(ruleAllowsTraffic(rule({ fromPort: 0, toPort: -1 }), ECHO)).toBe(false);
    expect(ruleAllowsTraffic(rule({ fromPort: 8, toPort: 1 }), ECHO)).toBe(false);
  });

  it('TCP port ranges, and protocol by name or number', () => {
    expect(ruleAllowsTraffic(rule({ ipProtocol: 'tcp', fromPort: 20, toPort: 25 }), SSH)).toBe(true);
    expect(ruleAllowsTraffic(rule({ ipProtocol: '6', fromPort: 22, toPort: 22 }), SSH)).toBe(true);
    expect(ruleAllowsTraffic(rule({ ipProtocol: 'tcp', fromPort: 80, toPort: 80 }), SSH)).toBe(false);
    expect(ruleAllowsTraffic(rule({ ipProtocol: 'udp', fromPort: 22, toPort: 22 }), SSH)).toBe(false);
    expect(ruleAllowsTraffic(rule({ fromPort: -1, toPort: -1 }), SSH)).toBe(false);
  });
});

describe('coveringSource', () => {
  it('by CIDR, by group reference, by prefix list entries (only when the list is known)', () => {
    const r = rule({ ipRanges: ['10.3.0.0/16', '10.1.0.0/16'], groupIds: ['sg-a'], prefixListIds: ['pl-1'] });
    expect(coveringSource(r, { address: '10.1.0.10' })).toEqual({ kind: 'cidr', source: '10.1.0.0/16' });
    expect(coveringSource(r, { address: '192.168.0.1', groupIds: ['sg-a'] })).toEqual({ kind: 'group', source: 'sg-a' });
    expect(coveringSource(r, { address: '18.206.107.30', prefixLists: new Map([['pl-1', ['18.206.107.24/29']]]) })).toEqual({ kind: 'prefix-list', source: 'pl-1' });
    expect(coveringSource(r, { address: '18.206.107.30' })).toBeUndefined();
  });
});

describe('inboundAllowed', () => {
  it('the first rule that allows the traffic from the source, across the groups', () => {
    const groups = [group('sg-1', [rule({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: ['0.0.0.0/0'] })]), group('sg-2', [rule({ fromPort: -1, ipRanges: ['10.1.0.0/16'] })])];
    expect(inboundAllowed(groups, ECHO, { address: '10.1.0.10' })).toMatchObject({ groupId: 'sg-2', match: { kind: 'cidr', source: '10.1.0.0/16' } });
    expect(inboundAllowed(groups, ECHO, { address: '10.3.0.10' })).toBeUndefined();
    expect(inboundAllowed(groups, SSH, { address: '10.3.0.10' })).toMatchObject({ groupId: 'sg-1' });
  });

  it("a rule naming the sender's security group lets it in whatever its address", () => {
    const groups = [group('sg-2', [rule({ fromPort: -1, groupIds: ['sg-a'] })])];
    expect(inboundAllowed(groups, ECHO, { address: '10.1.0.10', groupIds: ['sg-a'] })?.match).toEqual({ kind: 'group', source: 'sg-a' });
    expect(inboundAllowed(groups, ECHO, { address: '10.1.0.10', groupIds: ['sg-b'] })).toBeUndefined();
  });
});

describe('describeRule', () => {
  it('as the console shows it', () => {
    expect(describeRule(rule({ fromPort: -1, ipRanges: ['0.0.0.0/0'] }))).toBe('all ICMP from 0.0.0.0/0');
    expect(describeRule(rule({ ipProtocol: 'tcp', fromPort: 22, toPort: 22, prefixListIds: ['pl-1'] }))).toBe('TCP 22 from pl-1');
    expect(describeRule(rule({ ipProtocol: '-1' }))).toBe('all traffic from nowhere');
  });
});

describe('inboundFinding: the receiver lets a ping in, or the closest rule and what it misses', () => {
  const wanted = {
    traffic: ECHO,
    from: { address: '10.1.0.25', publicAddress: '3.85.120.17', groupIds: ['sg-a'] },
    protocolName: 'ICMP',
    requestName: 'echo requests (ICMP type 8)',
    receiver: 'instance 2',
    sender: 'instance 1',
    fix: 'allow All ICMP - IPv4 from 0.0.0.0/0',
  };

  it('allowed by a CIDR: the rule and source, and whether the public address is covered too', () => {
    expect(inboundFinding([group('sg-b', [rule({ fromPort: -1, toPort: -1, ipRanges: ['10.1.0.0/16'] })])], wanted)).toMatchObject({
      ok: true,
      value: { groupId: 'sg-b', rule: 'all ICMP from 10.1.0.0/16', source: '10.1.0.0/16', coversPublicAddress: false },
    });
  });

  it("a rule for the public address only: says traffic over a private connection comes from the sender's private address", () => {
    const hint = hintOf(inboundFinding([group('sg-b', [rule({ ipRanges: ['3.85.120.17/32'] })])], wanted));
    expect(hint).toBe(
      "Security group sg-b on instance 2 allows ICMP only from 3.85.120.17/32, which covers only instance 1's public address; traffic over a private connection comes from its private address 10.1.0.25; allow All ICMP - IPv4 from 0.0.0.0/0.",
    );
  });

  it('echo reply only, or no ICMP rule at all: each says what is allowed instead', () => {
    expect(hintOf(inboundFinding([group('sg-b', [rule({ fromPort: 0, toPort: -1, ipRanges: ['0.0.0.0/0'] })])], wanted))).toContain('allows ICMP type 0 only, not echo requests (ICMP type 8)');
    expect(hintOf(inboundFinding([group('sg-b', [])], wanted))).toContain('has no inbound rule for ICMP (it allows nothing inbound)');
    expect(hintOf(inboundFinding([], wanted))).toBe('Instance 2 has no security group that Verilab could find; give it one and allow All ICMP - IPv4 from 0.0.0.0/0.');
  });
});
