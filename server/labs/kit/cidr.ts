// IPv4 address and CIDR arithmetic for the checks: parsing, containment, overlap and longest-prefix lookup.

/** An IPv4 block as numbers: the network address (unsigned 32-bit) and the prefix length. */
export interface Ipv4Block {
  network: number;
  prefix: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function maskOf(prefix: number): number {
  // `x << 32` is `x << 0` in JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.1.0.25" -> 167837721; undefined when the text is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const match = DOTTED_QUAD.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

/** "10.1.0.0/16" -> { network, prefix: 16 }; a bare address is a /32. Host bits are masked off. */
export function parseCidr(text: string): Ipv4Block | undefined {
  const parts = text.trim().split('/');
  if (parts.length > 2) return undefined;
  const address = parseIpv4(parts[0]);
  const prefix = parts.length === 1 ? 32 : /^\d{1,2}$/.test(parts[1]) ? Number(parts[1]) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  return { network: (address & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(block: Ipv4Block): string {
  return `${formatIpv4(block.network)}/${block.prefix}`;
}

/** The prefix length of a CIDR ("0.0.0.0/0" -> 0), or undefined when it does not parse. */
export function prefixLength(cidr: string): number | undefined {
  return parseCidr(cidr)?.prefix;
}

/** True when two CIDRs name the same block ("10.1.0.0/16" and "10.1.0.0/16"). */
export function sameCidr(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && x.network === y.network && x.prefix === y.prefix;
}

/** True when `ipOrCidr` (an address or a block) lies entirely inside `cidr`. */
export function cidrContains(cidr: string, ipOrCidr: string): boolean {
  const outer = parseCidr(cidr);
  const inner = parseCidr(ipOrCidr);
  if (!outer || !inner || inner.prefix < outer.prefix) return false;
  return (inner.network & maskOf(outer.prefix)) >>> 0 === outer.network;
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * The item whose CIDR is the most specific one containing `ip` (longest prefix match, as VPC
 * routing does). Items without a parsable CIDR are skipped; on a tie the first item wins.
 */
export function longestPrefixMatch<T>(items: readonly T[], ip: string, cidrOf: (item: T) => string | undefined): T | undefined {
  let best: { item: T; prefix: number } | undefined;
  for (const item of items) {
    const cidr = cidrOf(item);
    if (cidr === undefined || !cidrContains(cidr, ip)) continue;
    const prefix = prefixLength(cidr) ?? -1;
    if (!best || prefix > best.prefix) best = { item, prefix };
  }
  return best?.item;
}
