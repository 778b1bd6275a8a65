// Logs Insights engine against the CloudWatch Logs documentation's VPC flow-log sample queries, answers worked out by hand.
import { LAB_QUERY } from '../../../../labs/vpc-flow-logs/lab-model';
import { parseFlowRecord } from '../../../../server/labs/kit/flow-logs';
import { runQuery, type InsightsEvent } from '../../../../server/sandbox/insights';
import { ACCOUNT, ALL_TIME, FLOW_EVENTS, FLOW_LINES, flowEvent, rowsOf, T0 } from './flow-fixture';

const run = (query: string, events: InsightsEvent[] = FLOW_EVENTS) => runQuery(query, events, ALL_TIME, { accountId: ACCOUNT });
const TOP_10 = 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10';

describe('Logs Insights engine: VPC flow-log sample queries', () => {
  it('top 10 byte transfers by source and destination: the ten largest sums, biggest first, without @ptr', () => {
    const { results, statistics } = run(TOP_10);

    expect(rowsOf(results)).toEqual([
      { srcAddr: '52.94.133.131', dstAddr: '10.1.0.4', bytesTransferred: '31500' },
      { srcAddr: '54.239.28.85', dstAddr: '10.2.0.36', bytesTransferred: '15000' },
      { srcAddr: '10.1.0.4', dstAddr: '52.94.133.131', bytesTransferred: '9800' },
      { srcAddr: '10.1.0.4', dstAddr: '192.0.2.44', bytesTransferred: '4650' },
      { srcAddr: '192.0.2.44', dstAddr: '10.1.0.4', bytesTransferred: '3120' },
      // lines 1-3, 16, 17, 20: 420 + 840 + 252 + 420 + 840 + 336
      { srcAddr: '10.1.0.4', dstAddr: '10.2.0.36', bytesTransferred: '3108' },
      { srcAddr: '10.2.0.36', dstAddr: '54.239.28.85', bytesTransferred: '1200' },
      { srcAddr: '10.2.0.36', dstAddr: '10.1.0.4', bytesTransferred: '336' },
      { srcAddr: '203.0.113.7', dstAddr: '10.1.0.4', bytesTransferred: '240' },
      { srcAddr: '10.1.0.2', dstAddr: '10.1.0.4', bytesTransferred: '120' },
    ]);
    expect(results[0].map((f) => f.field)).toEqual(['srcAddr', 'dstAddr', 'bytesTransferred']);
    expect(statistics).toEqual({ recordsMatched: 25, recordsScanned: 25, bytesScanned: FLOW_LINES.join('').length });
  });

  it('top 10 byte transfers: the same answer as summing bytes by source and destination in plain TypeScript', () => {
    const direct = new Map<string, number>();
    for (const line of FLOW_LINES) {
      const record = parseFlowRecord(line, 'any')!;
      if (record.bytes === null) continue;
      const key = `${record.srcAddr} ${record.dstAddr}`;
      direct.set(key, (direct.get(key) ?? 0) + record.bytes);
    }
    const expected = [...direct].sort((a, b) => b[1] - a[1]).slice(0, 10);

    const actual = rowsOf(run(TOP_10).results).map((r) => [`${r.srcAddr} ${r.dstAddr}`, Number(r.bytesTransferred)]);

    expect(actual).toEqual(expected);
  });

  it("the lab's query is the console sample, word for word", () => {
    expect(LAB_QUERY).toBe(TOP_10);
  });

  it('top 15 byte transfers for hosts on a given subnet (the documentation\'s query, 192.0.2.0/24): the one host sent 3120 bytes to 10.1.0.4', () => {
    const query = 'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24")\n    | stats sum(bytes) as bytesTransferred by dstAddr\n    | sort bytesTransferred desc\n    | limit 15';

    const { results, statistics } = run(query);

    expect(rowsOf(results)).toEqual([{ dstAddr: '10.1.0.4', bytesTransferred: '3120' }]);
    // Only line 9 comes from 192.0.2.0/24.
    expect(statistics).toMatchObject({ recordsMatched: 1, recordsScanned: 25 });
  });

  it('top 15 byte transfers for hosts on a given subnet, over 10.1.0.0/16: by destination, biggest first', () => {
    const rows = rowsOf(run('filter isIpv4InSubnet(srcAddr, "10.1.0.0/16") | stats sum(bytes) as bytesTransferred by dstAddr | sort bytesTransferred desc | limit 15').results);

    expect(rows).toEqual([
      { dstAddr: '52.94.133.131', bytesTransferred: '9800' }, // line 11
      { dstAddr: '192.0.2.44', bytesTransferred: '4650' }, // line 10
      // lines 1-3 on the sender's interface and 16, 17, 20 on the receiver's: 420 + 840 + 252 + 420 + 840 + 336
      { dstAddr: '10.2.0.36', bytesTransferred: '3108' },
      { dstAddr: '10.1.0.4', bytesTransferred: '120' }, // line 15, from 10.1.0.2
      { dstAddr: '10.1.0.2', bytesTransferred: '72' }, // line 14
    ]);
  });

  it('IP addresses that use UDP, the documentation\'s query as written (no sort): the same two sources in some order', () => {
    const rows = rowsOf(run('filter protocol=17 | stats count(*) by srcAddr').results);

    expect(rows).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining([{ srcAddr: '10.1.0.2', 'count(*)': '1' }, { srcAddr: '10.1.0.4', 'count(*)': '1' }]));
  });

  it('a single record for each connection (the documentation\'s query): `logStream` without @ is no field of a flow record, so it matches nothing', () => {
    const query =
      "fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes\n| filter logStream = 'vpc-flow-logs' and interfaceId = 'eni-0123456789abcdef0'\n| sort @timestamp desc\n| dedup srcAddr, dstAddr, srcPort, dstPort, protocol\n| limit 20";

    const { results, statistics } = run(query);

    expect(results).toEqual([]);
    expect(statistics).toMatchObject({ recordsMatched: 0, recordsScanned: 25 });
  });

  it('a single record for each connection, with @logStream and a real interface: the newest record of each 5-tuple, NODATA kept', () => {
    const query =
      "fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes\n| filter @logStream = 'eni-0a1b2c3d-all' and interfaceId = 'eni-0a1b2c3d'\n| sort @timestamp desc\n| dedup srcAddr, dstAddr, srcPort, dstPort, protocol\n| limit 20";

    const rows = rowsOf(run(query).results);

    // The 15 records of eni-0a1b2c3d; lines 1 and 2 repeat line 3's 5-tuple (the ping) and are older, so they go.
    expect(rows).toHaveLength(13);
    const pings = rows.filter((r) => r.dstAddr === '10.2.0.36');
    expect(pings).toEqual([{ '@timestamp': '2024-06-10 09:02:00.000', srcAddr: '10.1.0.4', dstAddr: '10.2.0.36', srcPort: '0', dstPort: '0', protocol: '1', bytes: '252', '@ptr': expect.any(String) }]);
    // Dedup keeps every row with a missing value: the NODATA record (line 13), the newest, comes first.
    expect(rows[0]).toEqual({ '@timestamp': '2024-06-10 09:07:00.000', '@ptr': expect.any(String) });
    const times = rows.map((r) => r['@timestamp']);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('NAT gateway: the instances sending the most traffic through it (x.x.x.x = 52.94.133.131, y.y. = 10.1.): 10.1.0.4 with 9800 bytes', () => {
    const rows = rowsOf(run("filter (dstAddr like '52.94.133.131' and srcAddr like '10.1.') | stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10").results);

    expect(rows).toEqual([{ srcAddr: '10.1.0.4', dstAddr: '52.94.133.131', bytesTransferred: '9800' }]);
  });

  it('NAT gateway: uploads and downloads of 10.1.0.4 to and from outside 10.1. (like and not like), biggest first', () => {
    const uploads = rowsOf(run("filter (srcAddr like '10.1.0.4' and dstAddr not like '10.1.') | stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10").results);
    const downloads = rowsOf(run("filter (dstAddr like '10.1.0.4' and srcAddr not like '10.1.') | stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10").results);

    expect(uploads.map((r) => [r.dstAddr, r.bytesTransferred])).toEqual([
      ['52.94.133.131', '9800'], // line 11
      ['192.0.2.44', '4650'], // line 10
      ['10.2.0.36', '3108'], // lines 1-3, 16, 17, 20
    ]);
    expect(downloads.map((r) => [r.srcAddr, r.bytesTransferred])).toEqual([
      ['52.94.133.131', '31500'], // line 12
      ['192.0.2.44', '3120'], // line 9
      ['10.2.0.36', '336'], // line 19
      ['203.0.113.7', '240'], // lines 4-6: 60 + 60 + 120
      ['198.51.100.23', '112'], // lines 7, 8: 60 + 52
    ]);
  });

  it('average, min and max bytes by source and destination: one row per pair, named by the aggregate text', () => {
    const rows = rowsOf(run('stats avg(bytes), min(bytes), max(bytes) by srcAddr, dstAddr').results);

    expect(rows).toContainEqual({ srcAddr: '10.1.0.4', dstAddr: '10.2.0.36', 'avg(bytes)': '518', 'min(bytes)': '252', 'max(bytes)': '840' });
    expect(rows).toContainEqual({ srcAddr: '203.0.113.7', dstAddr: '10.1.0.4', 'avg(bytes)': '80', 'min(bytes)': '60', 'max(bytes)': '120' });
    // 14 address pairs, plus one group for the NODATA/SKIPDATA records that have no addresses (and so no bytes).
    expect(rows).toHaveLength(15);
    expect(rows).toContainEqual({});
  });

  it('top 20 source IPs with the most rejected requests: 203.0.113.7 first with 4, then the two with 2', () => {
    const { results, statistics } = run('filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20');
    const rows = rowsOf(results);

    expect(rows[0]).toEqual({ srcAddr: '203.0.113.7', numRejections: '4' });
    expect(rows.slice(1)).toEqual(
      expect.arrayContaining([
        { srcAddr: '198.51.100.23', numRejections: '2' },
        { srcAddr: '10.1.0.4', numRejections: '2' },
      ]),
    );
    expect(rows).toHaveLength(3);
    // recordsMatched counts the events that passed the filter (lines 4-8 and 16-18), not the groups.
    expect(statistics.recordsMatched).toBe(8);
    expect(statistics.recordsScanned).toBe(25);
  });

  it('SSH traffic (srcPort=22 or dstPort=22): the 8 records, newest first, as @timestamp, @message and @ptr', () => {
    const { results, statistics } = run('filter srcPort=22 or dstPort=22');
    const rows = rowsOf(results);

    expect(rows).toHaveLength(8);
    expect(statistics.recordsMatched).toBe(8);
    expect(results[0].map((f) => f.field)).toEqual(['@timestamp', '@message', '@ptr']);
    expect(rows[0]).toMatchObject({ '@timestamp': '2024-06-10 09:09:00.000', '@message': FLOW_LINES[23] });
    expect(rows.map((r) => r['@timestamp'])).toEqual([...rows.map((r) => r['@timestamp'])].sort().reverse());
    expect(new Set(rows.map((r) => r['@ptr'])).size).toBe(8);
  });

  it('SSH traffic counted by action: 5 REJECT, 3 ACCEPT', () => {
    const rows = rowsOf(run('filter srcPort=22 or dstPort=22 | stats count(*) as n by action | sort action').results);

    expect(rows).toEqual([
      { action: 'ACCEPT', n: '3' },
      { action: 'REJECT', n: '5' },
    ]);
  });

  it('IP addresses that use UDP (protocol=17): the DNS query and its answer', () => {
    const rows = rowsOf(run('filter protocol=17 | stats count(*) by srcAddr | sort srcAddr').results);

    expect(rows).toEqual([
      { srcAddr: '10.1.0.2', 'count(*)': '1' },
      { srcAddr: '10.1.0.4', 'count(*)': '1' },
    ]);
  });

  it('top 15 packet transfers across hosts: 10.1.0.4 → 10.2.0.36 first with 37 packets', () => {
    const rows = rowsOf(run('stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15').results);

    expect(rows.slice(0, 7)).toEqual([
      { srcAddr: '10.1.0.4', dstAddr: '10.2.0.36', packetsTransferred: '37' },
      { srcAddr: '52.94.133.131', dstAddr: '10.1.0.4', packetsTransferred: '25' },
      { srcAddr: '10.1.0.4', dstAddr: '52.94.133.131', packetsTransferred: '20' },
      { srcAddr: '192.0.2.44', dstAddr: '10.1.0.4', packetsTransferred: '12' },
      { srcAddr: '10.1.0.4', dstAddr: '192.0.2.44', packetsTransferred: '10' },
      { srcAddr: '54.239.28.85', dstAddr: '10.2.0.36', packetsTransferred: '9' },
      { srcAddr: '10.2.0.36', dstAddr: '54.239.28.85', packetsTransferred: '8' },
    ]);
    // The address-less group has no packets, so it sorts last (a missing value is last in either direction).
    expect(rows).toHaveLength(15);
    expect(rows[14]).toEqual({});
  });

  it('flow records skipped during collection (logStatus="SKIPDATA") by hour: one, in the 09:00 bin', () => {
    const rows = rowsOf(run('filter logStatus="SKIPDATA" | stats count(*) by bin(1h) as t | sort t').results);

    expect(rows).toEqual([{ t: '2024-06-10 09:00:00.000', 'count(*)': '1' }]);
  });

  it('bytes per 5-minute bin: 10974 from 09:00, 58404 from 09:05, none (but one record) from 09:10', () => {
    const rows = rowsOf(run('stats sum(bytes) as b, count(*) as n by bin(5m) as t | sort t asc').results);

    expect(rows).toEqual([
      { t: '2024-06-10 09:00:00.000', b: '10974', n: '13' },
      { t: '2024-06-10 09:05:00.000', b: '58404', n: '11' },
      { t: '2024-06-10 09:10:00.000', n: '1' },
    ]);
  });

  it('count_distinct of sources per interface: 6 on eni-0a1b2c3d, 5 on eni-0e5f6a7b (NODATA not counted)', () => {
    const rows = rowsOf(run('stats count_distinct(srcAddr) as sources by interfaceId | sort interfaceId').results);

    expect(rows).toEqual([
      { interfaceId: 'eni-0a1b2c3d', sources: '6' },
      { interfaceId: 'eni-0e5f6a7b', sources: '5' },
    ]);
  });

  it('traffic from inside 10.0.0.0/8 (isIpv4InSubnet): 19286 bytes', () => {
    const rows = rowsOf(run('filter isIpv4InSubnet(srcAddr, "10.0.0.0/8") | stats sum(bytes) as b, count(*) as n').results);

    expect(rows).toEqual([{ b: '19286', n: '12' }]);
  });

  it('NODATA and SKIPDATA lines: parsed as flow records with their dashes absent, not as text', () => {
    const rows = rowsOf(run('filter logStatus in ["NODATA", "SKIPDATA"] | fields interfaceId, srcAddr, bytes, logStatus, start | sort start').results);

    expect(rows.map(({ '@ptr': _ptr, ...rest }) => rest)).toEqual([
      { interfaceId: 'eni-0a1b2c3d', logStatus: 'NODATA', start: String(T0 + 420) },
      { interfaceId: 'eni-0e5f6a7b', logStatus: 'NODATA', start: String(T0 + 540) },
      { interfaceId: 'eni-0e5f6a7b', logStatus: 'SKIPDATA', start: String(T0 + 600) },
    ]);
  });

  it('@log and @logStream: the account and group, and the <eni>-all stream', () => {
    const rows = rowsOf(run('filter srcAddr = "54.239.28.85" | fields @log, @logStream, accountId').results);

    expect(rows).toEqual([{ '@log': `${ACCOUNT}:/verilab/vpc-flow-logs`, '@logStream': 'eni-0e5f6a7b-all', accountId: ACCOUNT, '@ptr': expect.any(String) }]);
    const withoutAccount = rowsOf(runQuery('filter srcAddr = "54.239.28.85" | fields @log', FLOW_EVENTS, ALL_TIME).results);
    expect(withoutAccount[0]['@log']).toBe('/verilab/vpc-flow-logs');
  });

  it('top 10 over 20,000 generated records: matches the plain TypeScript sums (a sanity check on size, not a benchmark)', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const events: InsightsEvent[] = [];
    const direct = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const src = `10.1.${random(4)}.${random(50)}`;
      const dst = `10.2.0.${random(30)}`;
      const bytes = 40 + random(100_000);
      const start = T0 + random(3000);
      events.push(flowEvent(`2 ${ACCOUNT} eni-0a1b2c3d ${src} ${dst} ${random(65536)} 443 6 ${1 + random(50)} ${bytes} ${start} ${start + 60} ACCEPT OK`, 'eni-0a1b2c3d-all'));
      direct.set(`${src} ${dst}`, (direct.get(`${src} ${dst}`) ?? 0) + bytes);
    }
    const expected = [...direct].sort((a, b) => b[1] - a[1]).slice(0, 10);

    const { results, statistics } = run(TOP_10, events);

    expect(rowsOf(results).map((r) => [`${r.srcAddr} ${r.dstAddr}`, Number(r.bytesTransferred)])).toEqual(expected);
    expect(statistics.recordsScanned).toBe(20_000);
  });
});
