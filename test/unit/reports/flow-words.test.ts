// Flow records in words for the report: the default-format line, the plain-English sentence, and which of the learner's records are explained.
import { explainRecords, recordInWords, recordLine } from '../../../server/reports/flow-words';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import type { FlowRecord } from '../../../server/verify/snapshot';

/** 2024-06-10 14:00:00 UTC in unix seconds. */
const T0 = 1718028000;
const at = (minutes: number, seconds = 0) => T0 + minutes * 60 + seconds;

const A = '10.1.0.12';
const B = '10.2.0.7';
const B_PUBLIC = '54.1.2.3';
const OUTSIDE = '143.42.1.191';
const HOSTS = { a: { privateIp: A, publicIp: '54.9.9.9' }, b: { privateIp: B, publicIp: B_PUBLIC } };

function record(overrides: Partial<FlowRecord>): FlowRecord {
  return {
    logStreamName: 'eni-0a1-all',
    version: 2,
    accountId: '111122223333',
    interfaceId: 'eni-0a1',
    srcAddr: A,
    dstAddr: B,
    srcPort: 0,
    dstPort: 0,
    protocol: 1,
    packets: 5,
    bytes: 420,
    start: at(5),
    end: at(6),
    action: 'ACCEPT',
    logStatus: 'OK',
    ...overrides,
  };
}

const ping = (src: string, dst: string, minute: number, overrides: Partial<FlowRecord> = {}) => record({ srcAddr: src, dstAddr: dst, start: at(minute, 5), end: at(minute, 9), ...overrides });
const NODATA = record({ srcAddr: null, dstAddr: null, srcPort: null, dstPort: null, protocol: null, packets: null, bytes: null, action: null, logStatus: 'NODATA' });
const SSH_PROBE = record({ srcAddr: OUTSIDE, dstAddr: A, srcPort: 51234, dstPort: 22, protocol: 6, packets: 1, bytes: 44, action: 'REJECT', start: at(3), end: at(4) });

describe('recordLine', () => {
  it('an ICMP record: the fields in the default order, space-separated', () => {
    expect(recordLine(record({ start: at(5), end: at(6) }))).toBe('2 111122223333 eni-0a1 10.1.0.12 10.2.0.7 0 0 1 5 420 1718028300 1718028360 ACCEPT OK');
  });

  it('a NODATA record: every null field written "-", as AWS writes it', () => {
    expect(recordLine(NODATA)).toBe('2 111122223333 eni-0a1 - - - - - - - 1718028300 1718028360 - NODATA');
  });

  it('the line parses back to the same record with the kit parser', () => {
    expect(parseFlowRecord(recordLine(SSH_PROBE), SSH_PROBE.logStreamName)).toEqual(SSH_PROBE);
    expect(parseFlowRecord(recordLine(NODATA), NODATA.logStreamName)).toEqual(NODATA);
  });
});

describe('recordInWords', () => {
  it('one TCP packet to port 22 rejected: singular, the destination port, the window in UTC', () => {
    const r = record({ srcAddr: OUTSIDE, dstAddr: '10.1.13.243', srcPort: 51234, dstPort: 22, protocol: 6, packets: 1, bytes: 44, action: 'REJECT' });
    expect(recordInWords(r)).toBe('1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.13.243 was REJECTED, between 14:05:00 and 14:06:00 UTC');
  });

  it('five ICMP packets accepted: plural, no port even though the record has 0 in the port fields', () => {
    expect(recordInWords(record({}))).toBe('5 packets, 420 bytes of ICMP from 10.1.0.12 to 10.2.0.7 were ACCEPTED, between 14:05:00 and 14:06:00 UTC');
  });

  it('UDP names its destination port; large counts have thousands separators', () => {
    const r = record({ protocol: 17, srcPort: 40000, dstPort: 123, packets: 1200, bytes: 1234567, start: at(0, 7), end: at(0, 59) });
    expect(recordInWords(r)).toBe('1,200 packets, 1,234,567 bytes of UDP to port 123 from 10.1.0.12 to 10.2.0.7 were ACCEPTED, between 14:00:07 and 14:00:59 UTC');
  });

  it('an unnamed protocol is "protocol N" and gets no port; a record without times gets no window', () => {
    const r = record({ protocol: 47, srcPort: 0, dstPort: 0, packets: 3, bytes: 1500, start: null, end: null });
    expect(recordInWords(r)).toBe('3 packets, 1,500 bytes of protocol 47 from 10.1.0.12 to 10.2.0.7 were ACCEPTED');
  });

  it('NODATA: says nothing crossed the interface in the window', () => {
    expect(recordInWords(NODATA)).toBe('No traffic was recorded on eni-0a1 between 14:05:00 and 14:06:00 UTC');
  });

  it('SKIPDATA: says the window was skipped, not that it was quiet', () => {
    expect(recordInWords({ ...NODATA, logStatus: 'SKIPDATA' })).toBe('Records were skipped on eni-0a1 between 14:05:00 and 14:06:00 UTC: AWS could not capture that window');
  });
});

describe('explainRecords', () => {
  // The lab's story at A's interface: a ping to B's private address fails before peering (14:00), a ping to B's public
  // address is answered (14:02), an SSH probe knocks (14:03), the private ping is answered over the peering (14:05).
  const failedPing = ping(A, B, 0);
  const publicPing = ping(A, B_PUBLIC, 2, { packets: 4, bytes: 336 });
  const publicReply = ping(B_PUBLIC, A, 2, { packets: 4, bytes: 336 });
  const peeredPing = ping(A, B, 5);
  const peeredReply = ping(B, A, 5);
  const outbound = record({ srcAddr: A, dstAddr: '52.95.110.1', srcPort: 40100, dstPort: 443, protocol: 6, packets: 12, bytes: 5000, start: at(1), end: at(2) });
  // Listed out of time order, with the noise first, so that the order of the answer comes from explainRecords.
  const RECORDS = [NODATA, peeredReply, outbound, SSH_PROBE, peeredPing, publicReply, publicPing, failedPing];

  it('the lab story: failed private ping, public ping, peered ping and its reply, then the SSH probe, each with its line and words', () => {
    const explained = explainRecords(RECORDS, HOSTS);
    expect(explained.map((e) => e.kind)).toEqual(['failed-private-ping', 'public-ping', 'peered-ping', 'peered-ping', 'probe']);
    expect(explained.map((e) => e.line)).toEqual([failedPing, publicPing, peeredPing, peeredReply, SSH_PROBE].map(recordLine));
    expect(explained[4].words).toBe('1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.0.12 was REJECTED, between 14:03:00 and 14:04:00 UTC');
    expect(explained[3].words).toBe('5 packets, 420 bytes of ICMP from 10.2.0.7 to 10.1.0.12 were ACCEPTED, between 14:05:05 and 14:05:09 UTC');
  });

  it('an answered private ping that comes first is not taken as the failed one: the later unanswered ping is', () => {
    const laterFailed = ping(A, B, 10);
    const explained = explainRecords([peeredPing, peeredReply, laterFailed], HOSTS);
    expect(explained.map((e) => [e.kind, e.line])).toEqual([
      ['failed-private-ping', recordLine(laterFailed)],
      ['peered-ping', recordLine(peeredPing)],
      ['peered-ping', recordLine(peeredReply)],
    ]);
  });

  it('only answered private pings: no failed-private-ping at all', () => {
    expect(explainRecords([peeredPing, peeredReply], HOSTS).map((e) => e.kind)).toEqual(['peered-ping', 'peered-ping']);
  });

  it('a reply in another window does not answer: the ping counts as failed and the stray reply is not shown as its reply', () => {
    const lateReply = ping(B, A, 9);
    const explained = explainRecords([failedPing, lateReply], HOSTS);
    expect(explained.map((e) => [e.kind, e.line])).toEqual([['failed-private-ping', recordLine(failedPing)]]);
  });

  it('the reply chosen is the one in the request window, not the earliest reply', () => {
    const earlyReply = ping(B, A, 1);
    const explained = explainRecords([earlyReply, peeredReply, peeredPing], HOSTS);
    expect(explained.filter((e) => e.kind === 'peered-ping').map((e) => e.line)).toEqual([recordLine(peeredPing), recordLine(peeredReply)]);
  });

  it('several of a kind: the earliest is taken', () => {
    const secondFailed = ping(A, B, 1);
    const secondProbe = { ...SSH_PROBE, srcAddr: '198.51.100.9', start: at(1), end: at(2) };
    const explained = explainRecords([secondFailed, failedPing, SSH_PROBE, secondProbe], HOSTS);
    expect(explained.map((e) => [e.kind, e.line])).toEqual([
      ['failed-private-ping', recordLine(failedPing)],
      ['probe', recordLine(secondProbe)],
    ]);
  });

  it('the public ping needs B to have a public address', () => {
    const explained = explainRecords([publicPing], { a: { privateIp: A }, b: { privateIp: B } });
    // Without B's public address, the ping to it is just other traffic from A.
    expect(explained.map((e) => [e.kind, e.line])).toEqual([['other', recordLine(publicPing)]]);
  });

  it('no probe: one record of other traffic (TCP from a private address, or ICMP from outside), never NODATA or the ping replies', () => {
    const explained = explainRecords([NODATA, publicReply, peeredReply, outbound, publicPing], HOSTS);
    expect(explained.map((e) => [e.kind, e.line])).toEqual([
      ['public-ping', recordLine(publicPing)],
      ['other', recordLine(outbound)],
    ]);
    const outsidePing = ping(OUTSIDE, A, 0);
    expect(explainRecords([outsidePing], HOSTS).map((e) => e.kind)).toEqual(['other']);
  });

  it('UDP from outside is a probe; TCP from 172.16/12 or 192.168/16 is not', () => {
    const udp = { ...SSH_PROBE, protocol: 17, dstPort: 53 };
    expect(explainRecords([udp], HOSTS).map((e) => e.kind)).toEqual(['probe']);
    expect(explainRecords([{ ...SSH_PROBE, srcAddr: '172.31.4.5' }], HOSTS).map((e) => e.kind)).toEqual(['other']);
    expect(explainRecords([{ ...SSH_PROBE, srcAddr: '192.168.1.20' }], HOSTS).map((e) => e.kind)).toEqual(['other']);
    // 172.32.0.0 is just past 172.16.0.0/12: a public address.
    expect(explainRecords([{ ...SSH_PROBE, srcAddr: '172.32.0.1' }], HOSTS).map((e) => e.kind)).toEqual(['probe']);
  });

  it('max caps the list, keeping the order', () => {
    expect(explainRecords(RECORDS, HOSTS, 2).map((e) => e.kind)).toEqual(['failed-private-ping', 'public-ping']);
  });

  it('no records, or only NODATA: nothing to explain', () => {
    expect(explainRecords([], HOSTS)).toEqual([]);
    expect(explainRecords([NODATA], HOSTS)).toEqual([]);
  });
});
