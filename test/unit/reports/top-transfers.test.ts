// Top transfers for the report: bytes summed by source and destination from flow records, and read from a learner's GetQueryResults rows.
import { topTransfers, transfersFromQueryResults, type ResultCell } from '../../../server/reports/top-transfers';
import type { FlowRecord } from '../../../server/verify/snapshot';

const A = '10.1.0.12';
const B = '10.2.0.7';

let clock = 1718028000;

function record(src: string | null, dst: string | null, protocol: number | null, bytes: number | null, overrides: Partial<FlowRecord> = {}): FlowRecord {
  clock += 60;
  return {
    logStreamName: 'eni-0a1-all',
    version: 2,
    accountId: '111122223333',
    interfaceId: 'eni-0a1',
    srcAddr: src,
    dstAddr: dst,
    srcPort: 0,
    dstPort: 0,
    protocol,
    packets: bytes === null ? null : Math.max(1, Math.round(bytes / 100)),
    bytes,
    start: clock,
    end: clock + 60,
    action: 'ACCEPT',
    logStatus: 'OK',
    ...overrides,
  };
}

// Eighteen records at A's interface, eleven pairs with bytes. Several pairs repeat so the sums matter; A <-> B tie at
// 1260, A -> 10.1.0.2 and A -> 169.254.169.123 tie at 120, and A -> 54.1.2.3 and 54.1.2.3 -> A tie at 84 across the
// cut at ten.
const RECORDS: FlowRecord[] = [
  record(A, B, 1, 420),
  record(B, A, 1, 420),
  record(A, B, 1, 840),
  record(B, A, 1, 840),
  record(A, B, 1, null), // a custom-format record without bytes: left out
  record(A, '52.95.110.1', 6, 5000, { dstPort: 443 }),
  record('52.95.110.1', A, 6, 200000, { srcPort: 443 }),
  record('52.95.110.1', A, 6, 150000, { srcPort: 443 }),
  record(A, '52.95.110.1', 6, 3000, { dstPort: 443 }),
  record('143.42.1.191', A, 6, 44, { dstPort: 22, action: 'REJECT' }),
  record('143.42.1.191', A, 6, 44, { dstPort: 22, action: 'REJECT' }),
  record(A, '54.1.2.3', 1, 84),
  record('54.1.2.3', A, 1, 84),
  record(A, '10.1.0.2', 17, 120, { dstPort: 53 }),
  record('10.1.0.2', A, 17, 180, { srcPort: 53 }),
  record(A, '169.254.169.123', 17, 120, { dstPort: 123 }),
  record(A, '169.254.169.254', 6, 900, { dstPort: 80 }),
  record(null, null, null, null, { srcPort: null, dstPort: null, action: null, logStatus: 'NODATA' }),
];

describe('topTransfers', () => {
  it('the ten largest sums by source and destination, largest first, ties by source then destination', () => {
    // Written out by hand from RECORDS:
    //   52.95.110.1 -> A          200000 + 150000 = 350000
    //   A -> 52.95.110.1            5000 +   3000 =   8000
    //   A -> B                       420 +    840 =   1260  (the record without bytes adds nothing)
    //   B -> A                       420 +    840 =   1260  tie: "10.1.0.12" < "10.2.0.7", so A -> B first
    //   A -> 169.254.169.254                          900
    //   10.1.0.2 -> A                                 180
    //   A -> 10.1.0.2                                 120  tie, same source: "10.1.0.2" < "169.254.169.123"
    //   A -> 169.254.169.123                          120
    //   143.42.1.191 -> A               44 +     44 =     88
    //   A -> 54.1.2.3                                  84  tie: "10.1.0.12" < "54.1.2.3", so this one is tenth
    //   54.1.2.3 -> A                                  84  eleventh: cut
    //   NODATA: no addresses, left out
    expect(topTransfers(RECORDS)).toEqual([
      { src: '52.95.110.1', dst: '10.1.0.12', bytes: 350000 },
      { src: '10.1.0.12', dst: '52.95.110.1', bytes: 8000 },
      { src: '10.1.0.12', dst: '10.2.0.7', bytes: 1260 },
      { src: '10.2.0.7', dst: '10.1.0.12', bytes: 1260 },
      { src: '10.1.0.12', dst: '169.254.169.254', bytes: 900 },
      { src: '10.1.0.2', dst: '10.1.0.12', bytes: 180 },
      { src: '10.1.0.12', dst: '10.1.0.2', bytes: 120 },
      { src: '10.1.0.12', dst: '169.254.169.123', bytes: 120 },
      { src: '143.42.1.191', dst: '10.1.0.12', bytes: 88 },
      { src: '10.1.0.12', dst: '54.1.2.3', bytes: 84 },
    ]);
  });

  it('the order does not depend on the order of the records', () => {
    expect(topTransfers([...RECORDS].reverse())).toEqual(topTransfers(RECORDS));
  });

  it('n sets the length: the three largest', () => {
    expect(topTransfers(RECORDS, 3)).toEqual([
      { src: '52.95.110.1', dst: '10.1.0.12', bytes: 350000 },
      { src: '10.1.0.12', dst: '52.95.110.1', bytes: 8000 },
      { src: '10.1.0.12', dst: '10.2.0.7', bytes: 1260 },
    ]);
  });

  it('records without bytes or addresses only: no transfers', () => {
    expect(topTransfers(RECORDS.filter((r) => r.bytes === null))).toEqual([]);
    expect(topTransfers([])).toEqual([]);
  });

  it('a pair seen only with 0 bytes is still a transfer of 0 bytes (Logs Insights lists it too)', () => {
    expect(topTransfers([record(A, B, 1, 0)])).toEqual([{ src: A, dst: B, bytes: 0 }]);
  });
});

describe('transfersFromQueryResults', () => {
  const PTR = 'CmQKKwonMTExMTIyMjIzMzMzOmFwcC1sb2dzL2VuaS0wYTEtYWxsEAUaGAIGBhC2pTSg4AAAAI8bJ+wABmZ5CZAAAAJyIAEoiKHgqPAxMNjB4Kj8MTgJQPwFSJAIUNUCGAAgARAAGAE=';
  const row = (cells: [string, string][]): ResultCell[] => cells.map(([field, value]) => ({ field, value }));

  it("the lab's query: srcAddr, dstAddr and bytesTransferred per row, in the query's order; @ptr ignored", () => {
    const rows = [
      row([['srcAddr', '52.95.110.1'], ['dstAddr', A], ['bytesTransferred', '350000'], ['@ptr', PTR]]),
      row([['srcAddr', A], ['dstAddr', '52.95.110.1'], ['bytesTransferred', '8000'], ['@ptr', PTR]]),
      row([['srcAddr', A], ['dstAddr', B], ['bytesTransferred', '1260'], ['@ptr', PTR]]),
    ];
    expect(transfersFromQueryResults(rows)).toEqual([
      { src: '52.95.110.1', dst: A, bytes: 350000 },
      { src: A, dst: '52.95.110.1', bytes: 8000 },
      { src: A, dst: B, bytes: 1260 },
    ]);
  });

  it('an unaliased sum: the field "sum(bytes)" holds the bytes, whatever the order of the fields', () => {
    const rows = [row([['@ptr', PTR], ['sum(bytes)', '4410'], ['dstAddr', B], ['srcAddr', A]])];
    expect(transfersFromQueryResults(rows)).toEqual([{ src: A, dst: B, bytes: 4410 }]);
  });

  it('another numeric field beside bytesTransferred (a count): bytesTransferred is the sum', () => {
    const rows = [row([['srcAddr', A], ['dstAddr', B], ['count(*)', '3'], ['bytesTransferred', '1260']])];
    expect(transfersFromQueryResults(rows)).toEqual([{ src: A, dst: B, bytes: 1260 }]);
  });

  it('a system field is never the sum, even one whose value reads as a number', () => {
    // Contrived: @ptr values are opaque tokens, but only the leading "@" should rule a field out.
    const rows = [row([['srcAddr', A], ['dstAddr', B], ['@ptr', '12345'], ['total', '777']])];
    expect(transfersFromQueryResults(rows)).toEqual([{ src: A, dst: B, bytes: 777 }]);
  });

  it('rows without both addresses, or without a numeric sum, are skipped', () => {
    const rows = [
      row([['srcAddr', A], ['bytesTransferred', '500'], ['@ptr', PTR]]), // stats ... by srcAddr only
      [{ field: 'srcAddr', value: A }, { field: 'dstAddr' }, { field: 'bytesTransferred', value: '500' }], // value absent
      row([['srcAddr', A], ['dstAddr', B], ['bytesTransferred', '']]),
      row([['srcAddr', B], ['dstAddr', A], ['bytesTransferred', '840']]),
    ];
    expect(transfersFromQueryResults(rows)).toEqual([{ src: B, dst: A, bytes: 840 }]);
  });

  it('field names in another case (srcaddr, BytesTransferred) still read', () => {
    const rows = [row([['srcaddr', A], ['DSTADDR', B], ['BytesTransferred', '42']])];
    expect(transfersFromQueryResults(rows)).toEqual([{ src: A, dst: B, bytes: 42 }]);
  });

  it('no rows: no transfers', () => {
    expect(transfersFromQueryResults([])).toEqual([]);
  });
});
