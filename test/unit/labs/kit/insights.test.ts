import { hintOf } from '../../../helpers/snapshots';
import { hasStats, queryCompleted, queryFinding, queryShape, shorten, type WantedQuery } from '../../../../server/labs/kit/insights';
import type { InsightsQuery } from '../../../../server/verify/snapshot';

describe('queryShape', () => {
  it('a console query: the SOURCE prefix gives the groups and is not part of the commands', () => {
    const shape = queryShape('SOURCE "app-logs" START=-3600s END=0s | stats sum(bytes) as total by srcAddr, dstAddr | sort total desc | limit 10');
    expect(shape).toEqual({ sources: ['app-logs'], stats: [{ aggregates: ['sum(bytes)'], by: ['srcaddr', 'dstaddr'] }], sorts: [{ field: 'total', descending: true }], limit: 10 });
  });

  it('several SOURCE groups, odd case and spacing', () => {
    const shape = queryShape("source 'a' ,  'b'   |   STATS   Sum( bytes )  BY dstAddr,srcAddr");
    expect(shape.sources).toEqual(['a', 'b']);
    expect(shape.stats).toEqual([{ aggregates: ['sum(bytes)'], by: ['dstaddr', 'srcaddr'] }]);
    expect(shape.sorts).toEqual([]);
    expect(shape.limit).toBeUndefined();
  });

  it('a pipe inside quotes does not split commands', () => {
    expect(queryShape('fields @message | filter @message like "a|b" | limit 5')).toMatchObject({ stats: [], limit: 5 });
  });
});

describe('hasStats', () => {
  it('the aggregate grouped by exactly those fields, in any order and case', () => {
    expect(hasStats(queryShape('stats sum(bytes) by dstAddr, srcAddr'), 'sum(bytes)', ['srcAddr', 'dstAddr'])).toBe(true);
    expect(hasStats(queryShape('stats count(*), sum(bytes) as b by srcaddr, dstaddr'), 'sum(bytes)', ['srcAddr', 'dstAddr'])).toBe(true);
  });

  it('a third grouping field, another aggregate or no stats: no', () => {
    expect(hasStats(queryShape('stats sum(bytes) by srcAddr, dstAddr, action'), 'sum(bytes)', ['srcAddr', 'dstAddr'])).toBe(false);
    expect(hasStats(queryShape('stats sum(packets) by srcAddr, dstAddr'), 'sum(bytes)', ['srcAddr', 'dstAddr'])).toBe(false);
    expect(hasStats(queryShape('fields @timestamp | sort @timestamp desc'), 'sum(bytes)', ['srcAddr', 'dstAddr'])).toBe(false);
  });
});

describe('queryFinding and queryCompleted', () => {
  const wanted: WantedQuery = { matches: (s) => hasStats(s, 'sum(bytes)', ['srcAddr', 'dstAddr']), what: 'sum bytes by srcAddr and dstAddr', example: 'stats sum(bytes) by srcAddr, dstAddr', groupsAre: 'the flow log group' };
  const query = (over: Partial<InsightsQuery>): InsightsQuery => ({ queryId: 'q-1', queryString: 'stats sum(bytes) by srcAddr, dstAddr', status: 'Complete', logGroupName: 'flows', createTime: 1, ...over });

  it('over any of the groups, by logGroupName or SOURCE prefix; a completed one wins over a newer running one', () => {
    const running = query({ queryId: 'q-2', status: 'Running', createTime: 2, logGroupName: undefined, queryString: 'SOURCE "audit" | stats sum(bytes) by dstAddr, srcAddr' });
    const found = queryFinding([running, query({})], ['audit', 'flows'], wanted);
    expect(found).toMatchObject({ ok: true, value: { query: { queryId: 'q-1' }, group: 'flows' } });
    expect(found.detail).toContain('using q-1 because it completed');
  });

  it('the right query on another group, another query on the group, or none: each in words', () => {
    expect(hintOf(queryFinding([query({ logGroupName: 'other' })], ['flows'], wanted))).toBe(
      'Your query to sum bytes by srcAddr and dstAddr ran on other, not on flows (the flow log group); run it again with flows selected.',
    );
    expect(hintOf(queryFinding([query({ queryString: 'fields @message' })], ['flows'], wanted))).toBe(
      'Your latest query on flows ("fields @message") does not sum bytes by srcAddr and dstAddr; run: stats sum(bytes) by srcAddr, dstAddr',
    );
    expect(hintOf(queryFinding([], ['flows'], wanted))).toContain('No Logs Insights query has run on flows yet');
  });

  it('queryCompleted: Complete passes, Running waits, Failed runs again; shorten cuts long text', () => {
    expect(queryCompleted(query({})).ok).toBe(true);
    expect(hintOf(queryCompleted(query({ status: 'Running' })))).toBe('Query q-1 is still Running; wait for it to complete, then check again.');
    expect(hintOf(queryCompleted(query({ status: 'Failed' })))).toBe('Query q-1 ended as Failed; run it again and let it finish.');
    expect(shorten('a  b\n c'.repeat(40), 10)).toHaveLength(10);
  });
});
