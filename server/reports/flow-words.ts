// Flow records for the report: each as the line CloudWatch Logs holds and in plain words, and the few of the learner's own worth explaining.
import { cidrContains } from '../labs/kit/cidr';
import { DEFAULT_FIELDS, pairRequests, RECORD_KEYS } from '../labs/kit/flow-logs';
import type { FlowRecord } from '../verify/snapshot';
import type { ExplainedRecord, RecordKind } from './types';

const ICMP = 1;
const TCP = 6;
const UDP = 17;

const PROTOCOL_NAMES: Record<number, string> = { [ICMP]: 'ICMP', [TCP]: 'TCP', [UDP]: 'UDP' };
const ACTION_WORDS: Record<string, string> = { ACCEPT: 'ACCEPTED', REJECT: 'REJECTED' };

/** Addresses that never come from the internet: a TCP or UDP record from anywhere else is someone knocking. */
const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

const COUNT = new Intl.NumberFormat('en-US');

/** "2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 0 0 1 5 420 1718010000 1718010060 ACCEPT OK"; a null field is "-", as AWS writes it. */
export function recordLine(r: FlowRecord): string {
  return DEFAULT_FIELDS.map((field) => r[RECORD_KEYS[field]] ?? '-').join(' ');
}

function counted(n: number, one: string, many: string): string {
  return `${COUNT.format(n)} ${n === 1 ? one : many}`;
}

function protocolName(protocol: number | null): string {
  if (protocol === null) return 'traffic';
  return PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`;
}

/** "14:05:00" from unix seconds. */
function clock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

/** "between 14:05:00 and 14:06:00 UTC", or undefined when the record has no times. */
function span(r: FlowRecord): string | undefined {
  if (r.start === null || r.end === null) return undefined;
  return `between ${clock(r.start)} and ${clock(r.end)} UTC`;
}

/**
 * The record in plain words: "1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.13.243 was REJECTED, between
 * 14:05:00 and 14:06:00 UTC". NODATA (nothing crossed the interface in the window) and SKIPDATA (AWS could not capture
 * the window) records carry no addresses or counts, so they get their own sentence.
 */
export function recordInWords(r: FlowRecord): string {
  const when = span(r);
  const onWhere = `on ${r.interfaceId ?? 'the interface'}${when ? ` ${when}` : ''}`;
  if (r.logStatus === 'NODATA') return `No traffic was recorded ${onWhere}`;
  if (r.logStatus === 'SKIPDATA') return `Records were skipped ${onWhere}: AWS could not capture that window`;

  const amounts = [r.packets === null ? undefined : counted(r.packets, 'packet', 'packets'), r.bytes === null ? undefined : counted(r.bytes, 'byte', 'bytes')].filter(
    (x): x is string => x !== undefined,
  );
  const name = protocolName(r.protocol);
  const what = amounts.length > 0 ? `${amounts.join(', ')} of ${name}` : name === 'traffic' ? 'Traffic' : `${name} traffic`;
  const port = (r.protocol === TCP || r.protocol === UDP) && r.dstPort !== null ? ` to port ${r.dstPort}` : '';
  const route = ` from ${r.srcAddr ?? 'an unknown address'} to ${r.dstAddr ?? 'an unknown address'}`;
  // The verb agrees with the first count given: "1 packet ... was", "5 packets ... were".
  const count = r.packets ?? r.bytes;
  const verb = count === null || count === 1 ? 'was' : 'were';
  const outcome = r.action === null ? `${verb} recorded` : `${verb} ${ACTION_WORDS[r.action] ?? r.action}`;
  return `${what}${port}${route} ${outcome}${when ? `, ${when}` : ''}`;
}

export interface ExplainHost {
  privateIp: string;
  publicIp?: string;
}

/** Earliest first; a record without a start goes last; equal times keep the order they were read in. */
function earliest(records: readonly FlowRecord[]): FlowRecord | undefined {
  const key = (r: FlowRecord) => r.start ?? Number.POSITIVE_INFINITY;
  return [...records].sort((x, y) => key(x) - key(y))[0];
}

const isPrivate = (ip: string) => PRIVATE_BLOCKS.some((block) => cidrContains(block, ip));

function explained(kind: RecordKind, r: FlowRecord): ExplainedRecord {
  return { kind, line: recordLine(r), words: recordInWords(r) };
}

/**
 * A few of the learner's own records worth explaining, in the order the lab meets them: the private ping that failed
 * before peering, the ping to B's public address, the private ping answered over the peering (request and reply), and
 * one record of something else (an SSH probe from the internet, usually). A kind the records do not show is left out.
 */
export function explainRecords(records: readonly FlowRecord[], hosts: { a: ExplainHost; b: ExplainHost }, max = 6): ExplainedRecord[] {
  const a = hosts.a.privateIp;
  const b = hosts.b.privateIp;
  const bPublic = hosts.b.publicIp;
  const out: ExplainedRecord[] = [];

  const privatePings = pairRequests(records, a, b, ICMP);
  const failed = earliest(privatePings.unanswered);
  if (failed) out.push(explained('failed-private-ping', failed));

  const publicPings = bPublic === undefined ? [] : records.filter((r) => r.srcAddr === a && r.dstAddr === bPublic && r.protocol === ICMP);
  const publicPing = earliest(publicPings);
  if (publicPing) out.push(explained('public-ping', publicPing));

  const peered = earliest(privatePings.answered);
  if (peered) {
    out.push(explained('peered-ping', peered));
    // The reply is the one pairRequests itself would match to this request: an ACCEPTed B -> A record in its window.
    const candidates = records.filter((r) => r.srcAddr === b && r.dstAddr === a && r.protocol === ICMP && r.action === 'ACCEPT');
    const reply = earliest(candidates.filter((r) => pairRequests([peered, r], a, b, ICMP).answered.length === 1));
    if (reply) out.push(explained('peered-ping', reply));
  }

  // Everything else: not a ping between the two hosts in either direction, and carrying addresses (not NODATA or SKIPDATA).
  const pingAddresses = new Set([a, b, ...(bPublic === undefined ? [] : [bPublic])]);
  const isPing = (r: FlowRecord) => r.protocol === ICMP && pingAddresses.has(r.srcAddr ?? '') && pingAddresses.has(r.dstAddr ?? '');
  const rest = records.filter((r) => r.srcAddr !== null && r.dstAddr !== null && !isPing(r));
  // A probe comes from the internet to a service port; a reply to the instance's own download (from port 443 to a high
  // port) is not one. A refused probe is the one worth explaining, when there is one.
  const isProbe = (r: FlowRecord) => (r.protocol === TCP || r.protocol === UDP) && !isPrivate(r.srcAddr!) && r.dstPort !== null && r.dstPort < 1024;
  const probes = rest.filter(isProbe);
  const probe = earliest(probes.filter((r) => r.action === 'REJECT')) ?? earliest(probes);
  const other = earliest(rest.filter((r) => !isProbe(r)));
  if (probe) out.push(explained('probe', probe));
  else if (other) out.push(explained('other', other));

  return out.slice(0, max);
}
