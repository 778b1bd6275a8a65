import { hintOf } from '../../../helpers/snapshots';
import type { RoleChoice } from '../../../../server/labs/kit/iam';
import { found, unknown } from '../../../../server/labs/kit/results';
import {
  DEFAULT_LOG_FORMAT,
  capturesAll,
  defaultFormat,
  deliveryFinding,
  deliveryGroup,
  deliversToCloudWatch,
  flowRecordFilterPattern,
  isDefaultFormat,
  logFormatFields,
  missingFields,
  pairRequests,
  parseFlowRecord,
  parseWithFormats,
  recordMatches,
  recordsBetween,
  recordsFinding,
  unusableFormat,
} from '../../../../server/labs/kit/flow-logs';
import type { FlowLog, IamRole } from '../../../../server/verify/snapshot';

const LINE = '2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 0 0 1 5 420 1718010000 1718010060 ACCEPT OK';

describe('parseFlowRecord: default format', () => {
  it('a default-format ICMP record: every field typed', () => {
    expect(parseFlowRecord(LINE, 'eni-0a1-all')).toEqual({
      logStreamName: 'eni-0a1-all',
      version: 2,
      accountId: '111122223333',
      interfaceId: 'eni-0a1',
      srcAddr: '10.1.0.10',
      dstAddr: '10.2.0.20',
      srcPort: 0,
      dstPort: 0,
      protocol: 1,
      packets: 5,
      bytes: 420,
      start: 1718010000,
      end: 1718010060,
      action: 'ACCEPT',
      logStatus: 'OK',
    });
  });

  it('a NODATA record: dashes become null', () => {
    expect(parseFlowRecord('2 111122223333 eni-0a1 - - - - - - - 1718010000 1718010060 - NODATA', 's')).toMatchObject({ srcAddr: null, protocol: null, bytes: null, action: null, logStatus: 'NODATA' });
  });

  it('a line of another format or no record at all: undefined', () => {
    expect(parseFlowRecord('3 vpc-1 eni-0a1 10.1.0.10 10.2.0.20', 's')).toBeUndefined();
    expect(parseFlowRecord('not a flow record at all', 's')).toBeUndefined();
    expect(parseFlowRecord(LINE.replace(/^2/, 'x'), 's')).toBeUndefined();
  });
});

describe('custom LogFormat', () => {
  const FORMAT = '${vpc-id} ${srcaddr} ${dstaddr} ${protocol} ${tcp-flags} ${action} ${pkt-srcaddr}';

  it('fields in the LogFormat order; fields FlowRecord does not keep are skipped; missing ones are null', () => {
    const fields = logFormatFields(FORMAT);
    expect(fields).toEqual(['vpc-id', 'srcaddr', 'dstaddr', 'protocol', 'tcp-flags', 'action', 'pkt-srcaddr']);
    expect(parseFlowRecord('vpc-1 10.1.0.10 10.2.0.20 1 0 REJECT 10.1.0.10', 's', fields)).toMatchObject({
      srcAddr: '10.1.0.10',
      dstAddr: '10.2.0.20',
      protocol: 1,
      action: 'REJECT',
      version: null,
      interfaceId: null,
      bytes: null,
    });
    expect(parseFlowRecord(LINE, 's', fields)).toBeUndefined();
  });

  it('the default format: absent or spelled out', () => {
    expect(isDefaultFormat(undefined)).toBe(true);
    expect(isDefaultFormat(DEFAULT_LOG_FORMAT)).toBe(true);
    expect(isDefaultFormat(FORMAT)).toBe(false);
  });

  it('parseWithFormats: the first format that fits', () => {
    const formats = [logFormatFields(undefined), logFormatFields('${srcaddr} ${dstaddr} ${protocol}')];
    expect(parseWithFormats('10.1.0.10 10.2.0.20 1', 's', formats)).toMatchObject({ srcAddr: '10.1.0.10', version: null });
    expect(parseWithFormats(LINE, 's', formats)).toMatchObject({ version: 2 });
    expect(parseWithFormats('a b', 's', formats)).toBeUndefined();
  });

  it('filter pattern: every field of the format named, conditions in place; none when nothing applies', () => {
    expect(flowRecordFilterPattern(logFormatFields(FORMAT), { protocol: 1 })).toBe('[vpc_id, srcaddr, dstaddr, protocol=1, tcp_flags, action, pkt_srcaddr]');
    expect(flowRecordFilterPattern(logFormatFields('${srcaddr} ${dstaddr}'), { protocol: 1 })).toBeUndefined();
    expect(flowRecordFilterPattern(logFormatFields(undefined), undefined)).toBeUndefined();
  });

  it('recordMatches: compares declared fields; a field the format lacks does not exclude', () => {
    const record = parseFlowRecord(LINE, 's')!;
    expect(recordMatches(record, { protocol: 1, action: 'ACCEPT' })).toBe(true);
    expect(recordMatches(record, { protocol: 6 })).toBe(false);
    const short = parseFlowRecord('10.1.0.10 10.2.0.20', 's', ['srcaddr', 'dstaddr'])!;
    expect(recordMatches(short, { protocol: 1 }, ['srcaddr', 'dstaddr'])).toBe(true);
  });
});

describe('where a flow log delivers', () => {
  const base: FlowLog = { flowLogId: 'fl-1', resourceId: 'vpc-1', trafficType: 'ALL', flowLogStatus: 'ACTIVE', logDestinationType: 'cloud-watch-logs' };
  it('by name, by destination ARN, and never for S3', () => {
    expect(deliveryGroup({ ...base, logGroupName: 'g' })).toBe('g');
    expect(deliveryGroup({ ...base, logDestination: 'arn:aws:logs:us-east-1:1:log-group:app-logs:*' })).toBe('app-logs');
    expect(deliveryGroup({ ...base, logDestinationType: 's3', logDestination: 'arn:aws:s3:::bucket' })).toBeUndefined();
    expect(deliversToCloudWatch({ ...base, logDestinationType: 's3', logGroupName: 'g' })).toBe(false);
  });
});

describe('recordsBetween', () => {
  it('by direction, protocol and action', () => {
    const request = parseFlowRecord(LINE, 's')!;
    const reply = parseFlowRecord(LINE.replace('10.1.0.10 10.2.0.20', '10.2.0.20 10.1.0.10').replace('ACCEPT', 'REJECT'), 's')!;
    const records = [request, reply];
    expect(recordsBetween(records, '10.1.0.10', '10.2.0.20')).toEqual([request]);
    expect(recordsBetween(records, '10.2.0.20', '10.1.0.10', { protocol: 1, action: 'ACCEPT' })).toEqual([]);
    expect(recordsBetween(records, '10.2.0.20', '10.1.0.10', { protocol: 1, action: 'REJECT' })).toEqual([reply]);
    expect(recordsBetween(records, '10.1.0.10', '10.2.0.20', { protocol: 6 })).toEqual([]);
  });
});

describe('pairRequests: which requests got a reply', () => {
  const A = '10.1.0.10';
  const B = '10.2.0.20';
  const line = (src: string, dst: string, start: number, action = 'ACCEPT') => `2 1 eni-0a1 ${src} ${dst} 0 0 1 5 420 ${start} ${start + 60} ${action} OK`;
  const rec = (text: string) => parseFlowRecord(text, 'eni-0a1-all')!;

  it('a reply in the same window answers; one in another window does not', () => {
    const early = rec(line(A, B, 1000));
    const late = rec(line(A, B, 5000));
    const records = [early, late, rec(line(B, A, 5000))];
    expect(pairRequests(records, A, B, 1)).toEqual({ answered: [late], unanswered: [early] });
  });

  it('a rejected reply does not answer; a rejected request with no reply is unanswered', () => {
    const request = rec(line(A, B, 1000, 'REJECT'));
    expect(pairRequests([request, rec(line(B, A, 1000, 'REJECT'))], A, B, 1)).toEqual({ answered: [], unanswered: [request] });
  });

  it('records of another protocol are neither requests nor replies', () => {
    const tcp = rec(line(A, B, 1000).replace(' 0 0 1 ', ' 0 0 6 '));
    expect(pairRequests([tcp], A, B, 1)).toEqual({ answered: [], unanswered: [] });
  });
});

describe('what a flow log format can serve', () => {
  const base: FlowLog = { flowLogId: 'fl-1', resourceId: 'vpc-1', trafficType: 'ALL', flowLogStatus: 'ACTIVE', logDestinationType: 'cloud-watch-logs', logGroupName: 'g' };
  const NEEDED = ['srcaddr', 'dstaddr', 'protocol', 'action'] as const;

  it('missingFields: none for the default format, the absent ones in order for a custom one', () => {
    expect(missingFields(undefined, NEEDED)).toEqual([]);
    expect(missingFields('${srcaddr} ${bytes} ${dstaddr}', NEEDED)).toEqual(['protocol', 'action']);
  });

  it('defaultFormat: a custom format gets a cross that says to recreate the flow log', () => {
    expect(defaultFormat({ ...base, logFormat: DEFAULT_LOG_FORMAT }).ok).toBe(true);
    expect(defaultFormat({ ...base, logFormat: '${srcaddr} ${dstaddr}' })).toMatchObject({
      ok: false,
      hint: 'Flow log fl-1 uses a custom format (${srcaddr} ${dstaddr}); create one with the AWS default format, then delete this one (a flow log cannot be modified).',
    });
  });

  it('unusableFormat: names the missing fields; undefined when the custom format has them all', () => {
    expect(unusableFormat({ ...base, logFormat: '${srcaddr} ${dstaddr}' }, NEEDED)).toContain('without protocol, action, which this check needs');
    expect(unusableFormat({ ...base, logFormat: '${action} ${protocol} ${dstaddr} ${srcaddr} ${vpc-id}' }, NEEDED)).toBeUndefined();
  });

  it('capturesAll: REJECT only is a cross naming what it watches', () => {
    expect(capturesAll(base, 'VPC 1').ok).toBe(true);
    expect(capturesAll({ ...base, trafficType: 'REJECT' }, 'VPC 1')).toMatchObject({ ok: false, hint: expect.stringMatching(/^The flow log on VPC 1 \(fl-1\) captures REJECT traffic only/) });
  });
});

describe('deliveryFinding', () => {
  const roleArn = 'arn:aws:iam::1:role/Delivery';
  const role: IamRole = { roleName: 'Delivery', arn: roleArn, trustPolicy: {}, policies: [] };
  const chosen = found<RoleChoice>({ role, trusted: true });
  const wanted = { service: 'vpc-flow-logs.amazonaws.com', roleName: 'Delivery', groupName: 'g' };
  const base: FlowLog = { flowLogId: 'fl-1', resourceId: 'vpc-1', trafficType: 'ALL', flowLogStatus: 'ACTIVE', logDestinationType: 'cloud-watch-logs', logGroupName: 'g', deliverLogsPermissionArn: roleArn };

  it('to the group with the chosen role: passes', () => {
    expect(deliveryFinding(base, chosen, found([role]), wanted)).toEqual(found('g', 'fl-1 → log group g with role Delivery.'));
  });

  it('S3, no role, a role that does not exist, roles unreadable: each says what is wrong', () => {
    expect(hintOf(deliveryFinding({ ...base, logDestinationType: 's3' }, chosen, found([role]), wanted))).toContain('sends its records to s3');
    expect(hintOf(deliveryFinding({ ...base, deliverLogsPermissionArn: undefined }, chosen, found([role]), wanted))).toBe('Flow log fl-1 has no IAM role; create one that uses Delivery.');
    expect(hintOf(deliveryFinding({ ...base, deliverLogsPermissionArn: 'arn:aws:iam::1:role/Old' }, chosen, found([role]), wanted))).toContain('uses role Old, which does not exist, not Delivery');
    expect(deliveryFinding(base, chosen, unknown('could not read roles'), wanted)).toEqual(unknown('could not read roles'));
  });
});

describe('recordsFinding', () => {
  it('found with a count, the packets and an example; none gives the hint with the note', () => {
    const r = parseFlowRecord(LINE, 'eni-0a1-all')!;
    expect(recordsFinding([r, r], 'ICMP request', 'ping it')).toEqual(found([r, r], '2 ICMP request(s), 10 packets, e.g. 10.1.0.10 → 10.2.0.20 ACCEPT.'));
    expect(recordsFinding([], 'ICMP request', 'ping it', 'No flow records yet.')).toEqual({ ok: false, hint: 'ping it', detail: 'No flow records yet.', origin: undefined });
  });
});
