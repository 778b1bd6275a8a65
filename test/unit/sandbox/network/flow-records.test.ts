// Flow record lines and coverage: the exact version 2 default line, custom LogFormats, stream names and which flow logs capture a record.
import { parseFlowRecord } from '../../../../server/labs/kit/flow-logs';
import { coveringFlowLogs, formatRecord, recordVersion, streamName } from '../../../../server/sandbox/network/flow-records';
import type { FlowRecordPlan } from '../../../../server/sandbox/network/types';
import type { FlowLog } from '../../../../server/verify/snapshot';

/** The public ping's record on the destination: from the sender's public address to its own private one. */
const plan = (over: Partial<FlowRecordPlan> = {}): FlowRecordPlan => ({
  interfaceId: 'eni-b',
  vpcId: 'vpc-b',
  subnetId: 'subnet-b',
  instanceId: 'i-b',
  direction: 'ingress',
  srcAddr: '54.0.0.1',
  dstAddr: '10.2.0.36',
  srcPort: 0,
  dstPort: 0,
  protocol: 1,
  packets: 4,
  bytes: 336,
  action: 'ACCEPT',
  tcpFlags: 0,
  flowLogIds: ['fl-b'],
  ...over,
});

const flowLog = (over: Partial<FlowLog>): FlowLog => ({ flowLogId: 'fl-1', resourceId: 'vpc-b', trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', flowLogStatus: 'ACTIVE', ...over });

describe('formatRecord', () => {
  it('default format: the exact version 2 line, which the kit parses back to the same values', () => {
    const line = formatRecord(plan(), undefined, 1718010000, 1718010060, '123456789012');

    expect(line).toBe('2 123456789012 eni-b 54.0.0.1 10.2.0.36 0 0 1 4 336 1718010000 1718010060 ACCEPT OK');
    expect(parseFlowRecord(line, streamName('eni-b'))).toMatchObject({ interfaceId: 'eni-b', srcAddr: '54.0.0.1', dstAddr: '10.2.0.36', protocol: 1, bytes: 336, action: 'ACCEPT', logStatus: 'OK' });
  });

  it('a REJECT of a TCP probe keeps its ports', () => {
    const line = formatRecord(plan({ protocol: 6, srcPort: 49152, dstPort: 22, packets: 1, bytes: 60, action: 'REJECT' }), '', 10, 70, '111122223333');
    expect(line).toBe('2 111122223333 eni-b 54.0.0.1 10.2.0.36 49152 22 6 1 60 10 70 REJECT OK');
  });

  it("custom format: its fields in its order, the version of its newest field, '-' for what cannot be known", () => {
    const format = '${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${tcp-flags} ${flow-direction} ${az-id} ${action}';
    expect(formatRecord(plan(), format, 1, 2, '1')).toBe('5 vpc-b subnet-b i-b eni-b 54.0.0.1 10.2.0.36 0 ingress - ACCEPT');
  });

  it('an interface without an instance writes - for instance-id', () => {
    expect(formatRecord(plan({ instanceId: undefined }), '${interface-id} ${instance-id}', 1, 2, '1')).toBe('eni-b -');
  });
});

describe('recordVersion', () => {
  it('2 for default fields, 3 with vpc-id, 5 with flow-direction', () => {
    expect(recordVersion(['srcaddr', 'dstaddr'])).toBe(2);
    expect(recordVersion(['vpc-id', 'srcaddr'])).toBe(3);
    expect(recordVersion(['vpc-id', 'flow-direction'])).toBe(5);
  });
});

describe('streamName', () => {
  it('is the interface id with -all', () => {
    expect(streamName('eni-0abc')).toBe('eni-0abc-all');
  });
});

describe('coveringFlowLogs', () => {
  const eni = { networkInterfaceId: 'eni-b', subnetId: 'subnet-b', vpcId: 'vpc-b' };

  it('a flow log on the VPC, the subnet or the interface covers it; one on another VPC does not', () => {
    const logs = [flowLog({ flowLogId: 'v', resourceId: 'vpc-b' }), flowLog({ flowLogId: 's', resourceId: 'subnet-b' }), flowLog({ flowLogId: 'e', resourceId: 'eni-b' }), flowLog({ flowLogId: 'x', resourceId: 'vpc-a' })];
    expect(coveringFlowLogs(logs, eni, 'ACCEPT').map((f) => f.flowLogId)).toEqual(['v', 's', 'e']);
  });

  it('traffic type ACCEPT or REJECT admits only that action; ALL admits both', () => {
    const logs = [flowLog({ flowLogId: 'acc', trafficType: 'ACCEPT' }), flowLog({ flowLogId: 'rej', trafficType: 'REJECT' }), flowLog({ flowLogId: 'all' })];
    expect(coveringFlowLogs(logs, eni, 'ACCEPT').map((f) => f.flowLogId)).toEqual(['acc', 'all']);
    expect(coveringFlowLogs(logs, eni, 'REJECT').map((f) => f.flowLogId)).toEqual(['rej', 'all']);
  });

  it('a flow log that is not ACTIVE, or whose delivery FAILED, writes nothing', () => {
    const logs = [flowLog({ flowLogId: 'failed', deliverLogsStatus: 'FAILED' }), flowLog({ flowLogId: 'off', flowLogStatus: 'DELETING' }), flowLog({ flowLogId: 'ok', deliverLogsStatus: 'SUCCESS' })];
    expect(coveringFlowLogs(logs, eni, 'ACCEPT').map((f) => f.flowLogId)).toEqual(['ok']);
  });
});
