import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { FLOW_RECORD_LIMIT, deliveryGroup, expandNeeds, gatherSnapshot, parseFlowRecord } from '../../../server/verify/gather';

describe('parseFlowRecord', () => {
  it('a default-format ICMP record: every field typed', () => {
    expect(parseFlowRecord('2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 0 0 1 5 420 1718010000 1718010060 ACCEPT OK', 'eni-0a1-all')).toEqual({
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

  it('a custom format or another version is not a record', () => {
    expect(parseFlowRecord('3 vpc-1 eni-0a1 10.1.0.10 10.2.0.20', 's')).toBeUndefined();
    expect(parseFlowRecord('not a flow record at all', 's')).toBeUndefined();
  });
});

describe('deliveryGroup and expandNeeds', () => {
  const base = { flowLogId: 'fl-1', resourceId: 'vpc-1', trafficType: 'ALL', flowLogStatus: 'ACTIVE' };
  it('by name, by destination ARN, and never for S3', () => {
    expect(deliveryGroup({ ...base, logDestinationType: 'cloud-watch-logs', logGroupName: 'g' })).toBe('g');
    expect(deliveryGroup({ ...base, logDestinationType: 'cloud-watch-logs', logDestination: 'arn:aws:logs:us-east-1:1:log-group:vpc-flow-logs-lab:*' })).toBe('vpc-flow-logs-lab');
    expect(deliveryGroup({ ...base, logDestinationType: 's3', logDestination: 'arn:aws:s3:::bucket' })).toBeUndefined();
  });

  it('records, queries and roles bring the flow logs they depend on', () => {
    expect([...expandNeeds(['flowRecords'])].sort()).toEqual(['flowLogs', 'flowRecords']);
    expect([...expandNeeds(['insightsQueries', 'vpcs'])].sort()).toEqual(['flowLogs', 'insightsQueries', 'vpcs']);
    expect([...expandNeeds(['iamRoles'])].sort()).toEqual(['flowLogs', 'iamRoles']);
  });
});

describe('flow record reads', () => {
  const ec2 = mockClient(EC2Client);
  const logs = mockClient(CloudWatchLogsClient);
  afterAll(() => {
    ec2.restore();
    logs.restore();
  });

  function clients() {
    return { accountId: '111122223333', region: 'us-east-1', ec2: new EC2Client({ region: 'us-east-1' }), iam: new IAMClient({ region: 'us-east-1' }), logs: new CloudWatchLogsClient({ region: 'us-east-1' }) };
  }

  it('ask for ICMP records of interface streams in the window, page after page, and stop at the limit', async () => {
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', ResourceId: 'vpc-1', LogDestinationType: 'cloud-watch-logs', LogGroupName: 'vpc-flow-logs-lab' }] });
    const line = '2 111122223333 eni-0a1 10.1.0.10 10.2.0.20 0 0 1 5 420 1718010000 1718010060 ACCEPT OK';
    const page = { events: Array.from({ length: 1000 }, () => ({ message: line, logStreamName: 'eni-0a1-all' })), nextToken: 'more' };
    logs.on(FilterLogEventsCommand).resolves(page);
    const now = new Date('2024-06-10T11:00:00Z');
    const { snapshot, stats } = await gatherSnapshot(clients(), ['flowRecords'], { now });

    const input = logs.commandCalls(FilterLogEventsCommand)[0].args[0].input;
    expect(input).toMatchObject({ logGroupName: 'vpc-flow-logs-lab', logStreamNamePrefix: 'eni-', endTime: now.getTime(), startTime: now.getTime() - 24 * 3600_000 });
    expect(input.filterPattern).toContain('protocol=1');
    const sets = snapshot.flowRecords!.ok ? snapshot.flowRecords!.value : [];
    expect(sets).toHaveLength(1);
    expect(sets[0].records).toHaveLength(FLOW_RECORD_LIMIT);
    expect(sets[0].truncated).toBe(true);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(FLOW_RECORD_LIMIT / 1000);
    // flow logs (round 1), then five sequential pages of records
    expect(stats).toEqual({ calls: 1 + FLOW_RECORD_LIMIT / 1000, rounds: 1 + FLOW_RECORD_LIMIT / 1000 });
  });
});
