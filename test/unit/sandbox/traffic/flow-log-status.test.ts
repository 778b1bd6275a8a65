// DescribeFlowLogs corrected as AWS answers it: only the flow logs that cannot deliver are marked, the rest of moto's answer is untouched.
import { markFailedDeliveries } from '../../../../server/sandbox/traffic/flow-log-status';

const item = (id: string, status = 'SUCCESS') =>
  `<item><creationTime>2026-11-27T19:29:02.000Z</creationTime><deliverLogsStatus>${status}</deliverLogsStatus><flowLogId>${id}</flowLogId><flowLogStatus>ACTIVE</flowLogStatus><logGroupName>g</logGroupName></item>`;
const answer = (...items: string[]) => `<?xml version="1.0" encoding="utf-8"?>\n<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><flowLogSet>${items.join('')}</flowLogSet><requestId>r</requestId></DescribeFlowLogsResponse>`;

describe('markFailedDeliveries', () => {
  it('marks the failing flow log FAILED with "Access error" and leaves the others as moto said', () => {
    const out = markFailedDeliveries(answer(item('fl-1'), item('fl-2')), new Set(['fl-2']));
    expect(out).toBe(answer(item('fl-1'), item('fl-2', 'FAILED').replace('</deliverLogsStatus>', '</deliverLogsStatus><deliverLogsErrorMessage>Access error</deliverLogsErrorMessage>')));
  });

  it('nothing failing: the answer is byte for byte the same', () => {
    const xml = answer(item('fl-1'));
    expect(markFailedDeliveries(xml, new Set())).toBe(xml);
    expect(markFailedDeliveries(xml, new Set(['fl-9']))).toBe(xml);
  });

  it('tags (items inside the item) do not confuse it', () => {
    const tagged = (id: string) => `<item><deliverLogsStatus>SUCCESS</deliverLogsStatus><flowLogId>${id}</flowLogId><tagSet><item><key>Name</key><value>lab</value></item></tagSet><maxAggregationInterval>60</maxAggregationInterval></item>`;
    const out = markFailedDeliveries(answer(tagged('fl-1'), tagged('fl-2')), new Set(['fl-2']));
    expect(out.match(/FAILED/g)).toHaveLength(1);
    expect(out).toContain('<deliverLogsStatus>FAILED</deliverLogsStatus><deliverLogsErrorMessage>Access error</deliverLogsErrorMessage><flowLogId>fl-2</flowLogId><tagSet><item><key>Name</key>');
    expect(out.replace(/<deliverLogsStatus>FAILED<\/deliverLogsStatus><deliverLogsErrorMessage>Access error<\/deliverLogsErrorMessage>/, '<deliverLogsStatus>SUCCESS</deliverLogsStatus>')).toBe(answer(tagged('fl-1'), tagged('fl-2')));
  });

  it('an item without a status gets one', () => {
    const bare = '<item><flowLogId>fl-3</flowLogId></item>';
    expect(markFailedDeliveries(answer(bare), new Set(['fl-3']))).toContain('<flowLogId>fl-3</flowLogId><deliverLogsStatus>FAILED</deliverLogsStatus><deliverLogsErrorMessage>Access error</deliverLogsErrorMessage>');
  });
});
