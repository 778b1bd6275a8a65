import {
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  isIpv4,
  longestPrefixMatch,
  parseCidr,
  parseIpv4,
  prefixLength,
  sameCidr,
} from '../../../../server/labs/kit/cidr';

describe('cidr: parsing', () => {
  it('parseIpv4: reads a dotted quad as an unsigned 32-bit number and formats it back', () => {
    expect(parseIpv4('10.1.0.25')).toBe(10 * 2 ** 24 + 1 * 2 ** 16 + 25);
    expect(parseIpv4('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(formatIpv4(parseIpv4('203.0.113.50')!)).toBe('203.0.113.50');
  });

  it('parseIpv4: rejects octets over 255, missing octets, ranges and words', () => {
    for (const bad of ['256.0.0.1', '10.1.0', '10.1.0.0/16', 'localhost', '', '1.2.3.4.5']) expect(parseIpv4(bad)).toBeUndefined();
    expect(isIpv4('10.2.0.47')).toBe(true);
    expect(isIpv4('10.2.0.x')).toBe(false);
  });

  it('parseCidr: masks host bits, reads a bare address as /32 and rejects bad prefixes', () => {
    expect(formatCidr(parseCidr('10.1.7.9/16')!)).toBe('10.1.0.0/16');
    expect(parseCidr('10.1.0.25')).toEqual({ network: parseIpv4('10.1.0.25'), prefix: 32 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ network: 0, prefix: 0 });
    for (const bad of ['10.1.0.0/33', '10.1.0.0/-1', '10.1.0.0/x', '10.1.0.0/16/2']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('prefixLength and sameCidr: compare blocks, not strings', () => {
    expect(prefixLength('10.2.0.0/24')).toBe(24);
    expect(prefixLength('nope')).toBeUndefined();
    expect(sameCidr('10.1.0.0/16', ' 10.1.0.0/16')).toBe(true);
    expect(sameCidr('10.1.0.0/16', '10.1.0.0/24')).toBe(false);
  });
});

describe('cidr: containment and overlap', () => {
  it('cidrContains: an address inside and outside a block', () => {
    expect(cidrContains('10.1.0.0/16', '10.1.255.3')).toBe(true);
    expect(cidrContains('10.1.0.0/16', '10.2.0.47')).toBe(false);
  });

  it('cidrContains: a smaller block inside a larger one, never the reverse', () => {
    expect(cidrContains('10.1.0.0/16', '10.1.0.0/24')).toBe(true);
    expect(cidrContains('10.1.0.0/24', '10.1.0.0/16')).toBe(false);
  });

  it('cidrContains: 0.0.0.0/0 covers every address and /32 only itself', () => {
    expect(cidrContains('0.0.0.0/0', '54.167.33.201')).toBe(true);
    expect(cidrContains('10.1.0.25/32', '10.1.0.25')).toBe(true);
    expect(cidrContains('10.1.0.25/32', '10.1.0.26')).toBe(false);
  });

  it('cidrContains: anything unparsable is not contained', () => {
    expect(cidrContains('10.1.0.0/16', 'sg-0a1b2c3d')).toBe(false);
    expect(cidrContains('pl-0e4bcff02b13bef1e', '10.1.0.25')).toBe(false);
  });

  it('cidrsOverlap: nested blocks overlap, the two lab VPCs do not', () => {
    expect(cidrsOverlap('10.1.0.0/16', '10.1.5.0/24')).toBe(true);
    expect(cidrsOverlap('10.1.5.0/24', '10.1.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.1.0.0/16', '10.2.0.0/16')).toBe(false);
  });
});

describe('cidr: longest prefix match', () => {
  const routes = [
    { cidr: '0.0.0.0/0', target: 'igw-1' },
    { cidr: '10.1.0.0/16', target: 'local' },
    { cidr: '10.2.0.0/16', target: 'pcx-1' },
    { cidr: '10.2.0.0/24', target: 'eni-1' },
  ];
  const targetFor = (ip: string) => longestPrefixMatch(routes, ip, (r) => r.cidr)?.target;

  it('a more specific route wins over a less specific one', () => {
    expect(targetFor('10.2.0.47')).toBe('eni-1');
    expect(targetFor('10.2.9.1')).toBe('pcx-1');
    expect(targetFor('8.8.8.8')).toBe('igw-1');
  });

  it('returns undefined when nothing matches and skips items without a CIDR', () => {
    expect(longestPrefixMatch([{ cidr: '10.1.0.0/16' }], '10.2.0.1', (r) => r.cidr)).toBeUndefined();
    const withGap = [{ cidr: undefined }, { cidr: '10.0.0.0/8' }];
    expect(longestPrefixMatch(withGap, '10.2.0.1', (r) => r.cidr)).toBe(withGap[1]);
  });

  it('on equal prefixes the first item wins', () => {
    const twins = [{ cidr: '10.2.0.0/16', id: 'first' }, { cidr: '10.2.0.0/16', id: 'second' }];
    expect(longestPrefixMatch(twins, '10.2.0.1', (r) => r.cidr)?.id).toBe('first');
  });
});
