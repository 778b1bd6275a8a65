// Logs Insights engine: the query language beyond the samples (SOURCE prefix, time range, parse, dedup, filters, errors).
import { MalformedQueryError, parseQuery, ptrIndex, runQuery, type InsightsEvent } from '../../../../server/sandbox/insights';
import { ALL_TIME, FLOW_EVENTS, FLOW_LINES, rowsOf, T0 } from './flow-fixture';

const run = (query: string, events: InsightsEvent[] = FLOW_EVENTS) => runQuery(query, events, ALL_TIME);
const count = (query: string) => rowsOf(run(`${query} | stats count(*) as n`).results)[0].n;

function malformed(query: string): MalformedQueryError {
  try {
    parseQuery(query);
  } catch (error) {
    if (error instanceof MalformedQueryError) return error;
    throw error;
  }
  throw new Error(`"${query}" compiled`);
}

const APP_GROUP = '/verilab/app';
const appEvent = (second: number, message: string): InsightsEvent => ({ timestamp: (T0 + second) * 1000, message, logStreamName: 'web-1', logGroupName: APP_GROUP });
const APP_EVENTS = [
  appEvent(1, '[INFO] GET /index user=alice latency=120ms'),
  appEvent(2, '[ERROR] GET /orders user=bob latency=950ms'),
  appEvent(3, '[INFO] POST /orders user=alice latency=80ms'),
  appEvent(4, 'healthcheck ok'),
];

describe('Logs Insights engine: query language', () => {
  it('console SOURCE prefix: ignored, same answer as the bare query', () => {
    const bare = run('stats sum(bytes) as b by action | sort action');
    const fromConsole = run('SOURCE "/verilab/vpc-flow-logs" START=-3600s END=0s |\n  stats sum(bytes) as b by action | sort action');

    expect(fromConsole).toEqual(bare);
    expect(rowsOf(bare.results)).toEqual([
      { action: 'ACCEPT', b: String(420 + 840 + 252 + 3120 + 4650 + 9800 + 31500 + 72 + 120 + 336 + 336 + 1200 + 15000 + 60) },
      { action: 'REJECT', b: String(60 + 60 + 120 + 60 + 52 + 420 + 840 + 60) },
      {},
    ]);
  });

  it('time range: only events from startTime to endTime (seconds, endTime included) are scanned', () => {
    const { results, statistics } = runQuery('fields @timestamp, srcAddr', FLOW_EVENTS, { startTime: T0 + 60, endTime: T0 + 60 });

    // Lines 2, 5 and 17 start at T0 + 60.
    expect(rowsOf(results).map((r) => r.srcAddr).sort()).toEqual(['10.1.0.4', '10.1.0.4', '203.0.113.7']);
    expect(statistics).toEqual({ recordsMatched: 3, recordsScanned: 3, bytesScanned: FLOW_LINES[1].length + FLOW_LINES[4].length + FLOW_LINES[16].length });
    expect(runQuery('fields @message', FLOW_EVENTS, { startTime: T0 + 61, endTime: T0 + 119 }).statistics.recordsScanned).toBe(0);
  });

  it('bytesScanned counts UTF-8 bytes, not characters', () => {
    const events = [appEvent(1, 'café ☕')];

    expect(runQuery('fields @message', events, ALL_TIME).statistics.bytesScanned).toBe(Buffer.byteLength('café ☕'));
    // é is 2 bytes, ☕ is 3: 9 bytes for 6 characters.
    expect(Buffer.byteLength('café ☕')).toBe(9);
  });

  it('parse with a glob: each * captures, the fields can be aggregated; lines that do not match get no fields', () => {
    const { results } = run('parse @message "[*] * * user=* latency=*ms" as level, method, path, user, latency | stats avg(latency) as avgLatency, count(*) as n by user | sort user', APP_EVENTS);

    // The healthcheck line has no user, so its group sorts last.
    expect(rowsOf(results)).toEqual([
      { user: 'alice', avgLatency: '100', n: '2' },
      { user: 'bob', avgLatency: '950', n: '1' },
      { n: '1' },
    ]);
  });

  it('parse with a glob: a trailing * takes the rest of the line', () => {
    const rows = rowsOf(run('parse @message "[*] *" as level, rest | filter level = "ERROR" | fields level, rest', APP_EVENTS).results);

    expect(rows).toEqual([{ level: 'ERROR', rest: 'GET /orders user=bob latency=950ms', '@ptr': expect.any(String) }]);
  });

  it('parse with a regex: named groups become fields; (?i) makes it case-insensitive', () => {
    const rows = rowsOf(run('parse @message /(?i)\\[(?<level>error)\\] (?<method>[A-Z]+)/ | filter ispresent(level) | display level, method', APP_EVENTS).results);

    expect(rows).toEqual([{ level: 'ERROR', method: 'GET', '@ptr': expect.any(String) }]);
  });

  it('dedup: the newest event per source (default order is newest first); missing values are all kept', () => {
    const rows = rowsOf(run('fields @timestamp, srcAddr, dstPort | filter action = "REJECT" | sort @timestamp desc | dedup srcAddr').results);

    expect(rows.map(({ '@ptr': _ptr, ...rest }) => rest)).toEqual([
      { '@timestamp': '2024-06-10 09:06:00.000', srcAddr: '198.51.100.23', dstPort: '3389' },
      { '@timestamp': '2024-06-10 09:05:00.000', srcAddr: '203.0.113.7', dstPort: '22' },
      { '@timestamp': '2024-06-10 09:01:00.000', srcAddr: '10.1.0.4', dstPort: '0' },
    ]);
    // 8 distinct sources plus the 3 address-less records, which dedup keeps.
    expect(run('fields srcAddr | dedup srcAddr').results).toHaveLength(11);
  });

  it('dedup: only limit may follow it, as on AWS', () => {
    expect(run('fields srcAddr | dedup srcAddr | limit 2').results).toHaveLength(2);
    expect(malformed('fields srcAddr | dedup srcAddr | sort srcAddr').reason).toBe('Only limit can follow dedup');
  });

  it('stats on a field no record has: no crash; sum and avg left out of the row, count(field) is 0', () => {
    const rows = rowsOf(run('stats sum(nosuch) as s, avg(nosuch) as a, count(nosuch) as c, count(*) as n by action | sort action').results);

    expect(rows).toEqual([
      { action: 'ACCEPT', c: '0', n: '14' },
      { action: 'REJECT', c: '0', n: '8' },
      { c: '0', n: '3' },
    ]);
  });

  it('stats without "by" over no events: one row with count 0', () => {
    expect(rowsOf(run('filter action = "NOPE" | stats count(*) as n, sum(bytes) as b').results)).toEqual([{ n: '0' }]);
  });

  it('filter comparisons: numbers compare as numbers, text as text; a missing field fails every comparison', () => {
    expect(count('filter bytes > 3000')).toBe('5');
    expect(count('filter bytes >= 3120 and bytes <= 4650')).toBe('2');
    // 22 records have ports; 7 of them go to port 22 (lines 4-7, 9, 18, 24); the 3 without ports match neither.
    expect(count('filter dstPort != 22')).toBe('15');
    expect(count('filter dstPort = "22"')).toBe('7');
    expect(count('filter action == "ACCEPT"')).toBe('14');
    expect(count('filter not (action = "ACCEPT")')).toBe('11');
    expect(count('filter (protocol = 1 or protocol = 17) and action = "ACCEPT"')).toBe('7');
  });

  it('filter like, =~, in and not in', () => {
    expect(count('filter interfaceId like "0e5f"')).toBe('10');
    expect(count('filter @message like /REJECT OK$/')).toBe('8');
    expect(count('filter srcAddr =~ /^203\\.0\\.113\\./')).toBe('4');
    // 22 records have a source; 12 of those contain "10." (10.1.0.4, 10.1.0.2, 10.2.0.36); NODATA has none.
    expect(count('filter srcAddr not like "10."')).toBe('10');
    expect(count('filter dstPort in [22, 3389] and action = "REJECT"')).toBe('6');
    expect(count('filter action not in ["ACCEPT"]')).toBe('8');
  });

  it('fields: computed values with aliases; display picks the columns; sort by several keys; limit', () => {
    const rows = rowsOf(run('filter protocol = 6 | fields bytes / packets as perPacket, srcAddr | sort perPacket desc, srcAddr asc | display srcAddr, perPacket | limit 3').results);

    expect(rows.map(({ '@ptr': _ptr, ...rest }) => rest)).toEqual([
      { srcAddr: '54.239.28.85', perPacket: String(15000 / 9) },
      { srcAddr: '52.94.133.131', perPacket: '1260' },
      { srcAddr: '10.1.0.4', perPacket: '490' },
    ]);
  });

  it('sort: text before numbers, numbers by value, text in natural order (AWS)', () => {
    const events = ['b10', '7', 'b9', '100', 'a', '20'].map((m, i) => appEvent(i, m));

    const rows = rowsOf(runQuery('fields @message | sort @message asc', events, ALL_TIME).results);

    expect(rows.map((r) => r['@message'])).toEqual(['a', 'b9', 'b10', '7', '20', '100']);
  });

  it('no limit: at most 1000 rows; limit N: N rows', () => {
    const events = Array.from({ length: 1500 }, (_, i) => appEvent(i % 3000, `line ${i}`));

    expect(runQuery('fields @message', events, ALL_TIME).results).toHaveLength(1000);
    expect(runQuery('fields @message | limit 1200', events, ALL_TIME).results).toHaveLength(1200);
  });

  it('@ptr: opaque, and leads back to the event', () => {
    const { results } = run('filter srcAddr = "192.0.2.44"');

    const ptr = results[0].find((f) => f.field === '@ptr')!.value;
    expect(FLOW_EVENTS[ptrIndex(ptr)!].message).toBe(FLOW_LINES[8]);
    expect(ptrIndex('bm90LW91cnM=')).toBeUndefined();
  });

  it('comments: # to the end of a line is ignored, outside strings', () => {
    const query = '# who was refused\nfilter action = "REJECT" # only refusals\n| filter @message like "#" or srcPort = 51234\n| stats count(*) as n';

    expect(rowsOf(run(query).results)).toEqual([{ n: '1' }]);
  });

  it('commands, keywords and functions are case-insensitive; field names are not', () => {
    expect(rowsOf(run('FILTER action = "REJECT" AND dstPort = 22 | STATS COUNT(*) AS n').results)).toEqual([{ n: '5' }]);
    expect(count('filter ACTION = "REJECT"')).toBe('0');
  });
});

describe('Logs Insights engine: malformed queries', () => {
  it('a dangling comparison: the error points at the "|" that came too soon, line and position 1-based', () => {
    const error = malformed('filter action = | limit 5');

    expect(error).toBeInstanceOf(MalformedQueryError);
    expect(error.reason).toBe('Unexpected "|"');
    expect({ line: error.line, column: error.column, location: error.location }).toEqual({ line: 1, column: 17, location: { start: 16, end: 17 } });
    expect(error.message).toBe('Unexpected "|" at line 1 and position 17');
    expect(error.toQueryCompileError()).toEqual({ location: { start: 16, end: 17 }, message: error.message });
  });

  it('a problem on the third line: line 3, position counted from that line', () => {
    const error = malformed('fields @timestamp\n| filter bytes > 10\n| sort bytes descending');

    expect(error.reason).toBe('Unexpected "descending"');
    expect({ line: error.line, column: error.column }).toEqual({ line: 3, column: 14 });
  });

  it('positions count from the start of the text StartQuery got, SOURCE prefix included', () => {
    const error = malformed('SOURCE "g" START=-3600s END=0s | frobnicate x');

    expect(error.reason).toBe('Unknown command "frobnicate"');
    expect(error.location).toEqual({ start: 33, end: 43 });
  });

  it.each([
    ['stats srcAddr by dstAddr', 'stats needs an aggregate function such as count(*) or sum(field), not "srcAddr"'],
    ['stats count(*) by bin(5 m)', 'Expected "," or ")" but found "m"'],
    ['stats count(*) by bin(5x)', 'Unknown time unit in "5x" (use ms, s, m, h, d, w, mo, q or y)'],
    ['filter sum(bytes) > 10', 'Aggregate functions can only be used in stats'],
    ['parse @message "[*] *" as level', 'The parse pattern has 2 "*" but 1 field name(s) follow "as"'],
    ['parse @message /no groups/', 'A parse regular expression needs named groups such as (?<name>...)'],
    ['limit 0', 'limit takes a whole number from 1 to 10000, not "0"'],
    ['filter action = "REJECT', 'Unterminated string'],
    ['fields nosuchfn(bytes)', 'Unknown function "nosuchfn"'],
    ['filter srcAddr like 5', 'like takes a "string" or a /regular expression/'],
    ['fields bytes |', 'Expected a command after "|"'],
  ])('%s: %s', (query, reason) => {
    expect(malformed(query).reason).toBe(reason);
  });

  it('runQuery throws the same error for a string query', () => {
    expect(() => run('sort')).toThrow(MalformedQueryError);
  });
});
