// Records per aggregation window: a flow's packets are one record per window of its flow log, start and end its first and last packet there.
import { recordEvents } from '../../../../server/sandbox/traffic/records';
import type { FlowRecordPlan } from '../../../../server/sandbox/network';
import type { FlowLog } from '../../../../server/verify/snapshot';

const flowLog = (interval: number): FlowLog => ({ flowLogId: 'fl-1', resourceId: 'vpc-1', trafficType: 'ALL', logDestinationType: 'cloud-watch-logs', logGroupName: 'g', flowLogStatus: 'ACTIVE', maxAggregationInterval: interval });
const plan: FlowRecordPlan = {
  interfaceId: 'eni-a',
  vpcId: 'vpc-1',
  subnetId: 'subnet-1',
  direction: 'egress',
  srcAddr: '10.1.0.4',
  dstAddr: '10.2.0.4',
  srcPort: 0,
  dstPort: 0,
  protocol: 1,
  packets: 5,
  bytes: 420,
  action: 'ACCEPT',
  tcpFlags: 0,
  flowLogIds: ['fl-1'],
};

describe('recordEvents', () => {
  it('five echoes inside one minute: one record of 5 packets, start and end the first and last echo, stamped with its start', () => {
    const [d] = recordEvents([{ plan, times: [1200, 1201, 1202, 1203, 1204] }], [flowLog(60)], '111111111111', () => 'g');
    expect(d).toMatchObject({ logGroupName: 'g', logStreamName: 'eni-a-all' });
    expect(d!.events).toEqual([{ timestamp: 1_200_000, message: '2 111111111111 eni-a 10.1.0.4 10.2.0.4 0 0 1 5 420 1200 1204 ACCEPT OK' }]);
  });

  it('echoes across a minute boundary: one record per 60-second window, packets and bytes shared out', () => {
    const [d] = recordEvents([{ plan, times: [1197, 1198, 1199, 1200, 1201] }], [flowLog(60)], '111111111111', () => 'g');
    expect(d!.events.map((e) => e.message)).toEqual(['2 111111111111 eni-a 10.1.0.4 10.2.0.4 0 0 1 3 252 1197 1199 ACCEPT OK', '2 111111111111 eni-a 10.1.0.4 10.2.0.4 0 0 1 2 168 1200 1201 ACCEPT OK']);
  });

  it('echoes across a minute boundary but inside one 10-minute window, under a 10-minute interval: one record', () => {
    const times = [1257, 1258, 1259, 1260, 1261];
    expect(recordEvents([{ plan, times }], [flowLog(60)], '111111111111', () => 'g')[0]!.events).toHaveLength(2);
    const [d] = recordEvents([{ plan, times }], [flowLog(600)], '111111111111', () => 'g');
    expect(d!.events.map((e) => e.message)).toEqual(['2 111111111111 eni-a 10.1.0.4 10.2.0.4 0 0 1 5 420 1257 1261 ACCEPT OK']);
  });

  it('a flow log that delivers nothing (no group): no events', () => {
    expect(recordEvents([{ plan, times: [1200] }], [flowLog(60)], '111111111111', () => undefined)).toEqual([]);
  });
});
