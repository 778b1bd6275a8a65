// Network ACL evaluation: which ACL a subnet has, rule-number order, first match, the final deny, ports and ICMP types.
import { aclDecision, aclOfSubnet, describeAclEntry } from '../../../../server/sandbox/network/network-acls';
import type { NetworkAcl, NetworkAclEntry } from '../../../../server/sandbox/network/types';

const entry = (over: Partial<NetworkAclEntry>): NetworkAclEntry => ({ ruleNumber: 100, protocol: '-1', ruleAction: 'allow', egress: false, cidrBlock: '0.0.0.0/0', ...over });
const acl = (id: string, entries: NetworkAclEntry[], over: Partial<NetworkAcl> = {}): NetworkAcl => ({ networkAclId: id, vpcId: 'vpc-1', isDefault: false, entries, associations: [], ...over });
const ping = (remote: string, icmpType = 8) => ({ protocol: 1, icmpType, icmpCode: 0, remote });

describe('aclOfSubnet', () => {
  it('the associated ACL, else the VPC default, else none (allow-all)', () => {
    const own = acl('acl-own', [], { associations: [{ subnetId: 'subnet-1' }] });
    const dflt = acl('acl-default', [], { isDefault: true });
    expect(aclOfSubnet('subnet-1', 'vpc-1', [dflt, own])?.networkAclId).toBe('acl-own');
    expect(aclOfSubnet('subnet-2', 'vpc-1', [dflt, own])?.networkAclId).toBe('acl-default');
    expect(aclOfSubnet('subnet-3', 'vpc-9', [dflt, own])).toBeUndefined();
    expect(aclDecision(undefined, false, ping('10.1.0.4'))).toEqual({ allowed: true });
  });
});

describe('aclDecision', () => {
  it('rules are read by number, not by list order: the lower-numbered deny wins', () => {
    const a = acl('acl-1', [entry({ ruleNumber: 200 }), entry({ ruleNumber: 90, ruleAction: 'deny', protocol: '1', cidrBlock: '10.1.0.0/16' })]);
    expect(aclDecision(a, false, ping('10.1.0.4'))).toMatchObject({ allowed: false, entry: { ruleNumber: 90 } });
    expect(aclDecision(a, false, ping('10.3.0.4'))).toMatchObject({ allowed: true, entry: { ruleNumber: 200 } });
  });

  it('no match is the final * deny; the other direction is separate', () => {
    const a = acl('acl-1', [entry({ egress: true })]);
    expect(aclDecision(a, false, ping('10.1.0.4'))).toMatchObject({ allowed: false, entry: undefined });
    expect(aclDecision(a, true, ping('10.1.0.4')).allowed).toBe(true);
  });

  it('TCP matches the destination port range; ICMP matches its type', () => {
    const a = acl('acl-1', [entry({ protocol: '6', portRange: { from: 1024, to: 65535 } }), entry({ ruleNumber: 110, protocol: '1', icmpTypeCode: { type: 0, code: -1 } })]);
    expect(aclDecision(a, false, { protocol: 6, port: 49152, remote: '1.2.3.4' }).allowed).toBe(true);
    expect(aclDecision(a, false, { protocol: 6, port: 22, remote: '1.2.3.4' }).allowed).toBe(false);
    expect(aclDecision(a, false, ping('1.2.3.4', 0)).allowed).toBe(true);
    expect(aclDecision(a, false, ping('1.2.3.4', 8)).allowed).toBe(false);
  });

  it('the explicit 32767 rule reads as rule *', () => {
    const star = entry({ ruleNumber: 32767, ruleAction: 'deny' });
    expect(aclDecision(acl('acl-1', [star]), false, ping('1.2.3.4'))).toMatchObject({ allowed: false, entry: star });
    expect(describeAclEntry(star)).toBe('rule * denies everything that no numbered rule matched');
    expect(describeAclEntry(entry({ protocol: '6', portRange: { from: 22, to: 22 }, egress: true }))).toBe('rule 100 allows TCP 22 to 0.0.0.0/0');
  });
});
