// Flow-log fixture for the Logs Insights engine tests: 25 default-format records from two interfaces, written by hand.
import type { InsightsEvent } from '../../../../server/sandbox/insights';

/** 2024-06-10 09:00:00 UTC, the start of the first aggregation window. */
export const T0 = 1718010000;
export const GROUP = '/verilab/vpc-flow-logs';
export const ACCOUNT = '123456789012';

/** Instance 1 (10.1.0.4): a ping to instance 2, SSH probes, an SSH session, HTTPS and DNS. Line numbers in comments. */
const ENI_1 = [
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 10.2.0.36 0 0 1 5 420 1718010000 1718010060 ACCEPT OK', // 1
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 10.2.0.36 0 0 1 10 840 1718010060 1718010120 ACCEPT OK', // 2
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 10.2.0.36 0 0 1 3 252 1718010120 1718010180 ACCEPT OK', // 3
  '2 123456789012 eni-0a1b2c3d 203.0.113.7 10.1.0.4 51234 22 6 1 60 1718010000 1718010060 REJECT OK', // 4
  '2 123456789012 eni-0a1b2c3d 203.0.113.7 10.1.0.4 51240 22 6 1 60 1718010060 1718010120 REJECT OK', // 5
  '2 123456789012 eni-0a1b2c3d 203.0.113.7 10.1.0.4 51250 22 6 2 120 1718010300 1718010360 REJECT OK', // 6
  '2 123456789012 eni-0a1b2c3d 198.51.100.23 10.1.0.4 40022 22 6 1 60 1718010000 1718010060 REJECT OK', // 7
  '2 123456789012 eni-0a1b2c3d 198.51.100.23 10.1.0.4 40030 3389 6 1 52 1718010360 1718010420 REJECT OK', // 8
  '2 123456789012 eni-0a1b2c3d 192.0.2.44 10.1.0.4 33000 22 6 12 3120 1718010120 1718010180 ACCEPT OK', // 9
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 192.0.2.44 22 33000 6 10 4650 1718010120 1718010180 ACCEPT OK', // 10
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 52.94.133.131 44321 443 6 20 9800 1718010300 1718010360 ACCEPT OK', // 11
  '2 123456789012 eni-0a1b2c3d 52.94.133.131 10.1.0.4 443 44321 6 25 31500 1718010300 1718010360 ACCEPT OK', // 12
  '2 123456789012 eni-0a1b2c3d - - - - - - - 1718010420 1718010480 - NODATA', // 13
  '2 123456789012 eni-0a1b2c3d 10.1.0.4 10.1.0.2 38500 53 17 1 72 1718010180 1718010240 ACCEPT OK', // 14
  '2 123456789012 eni-0a1b2c3d 10.1.0.2 10.1.0.4 53 38500 17 1 120 1718010180 1718010240 ACCEPT OK', // 15
];

/** Instance 2 (10.2.0.36): the ping REJECTed, later answered; HTTPS; SSH probes; NODATA and SKIPDATA. */
const ENI_2 = [
  '2 123456789012 eni-0e5f6a7b 10.1.0.4 10.2.0.36 0 0 1 5 420 1718010000 1718010060 REJECT OK', // 16
  '2 123456789012 eni-0e5f6a7b 10.1.0.4 10.2.0.36 0 0 1 10 840 1718010060 1718010120 REJECT OK', // 17
  '2 123456789012 eni-0e5f6a7b 203.0.113.7 10.2.0.36 51300 22 6 1 60 1718010240 1718010300 REJECT OK', // 18
  '2 123456789012 eni-0e5f6a7b 10.2.0.36 10.1.0.4 0 0 1 4 336 1718010420 1718010480 ACCEPT OK', // 19
  '2 123456789012 eni-0e5f6a7b 10.1.0.4 10.2.0.36 0 0 1 4 336 1718010420 1718010480 ACCEPT OK', // 20
  '2 123456789012 eni-0e5f6a7b 10.2.0.36 54.239.28.85 48000 443 6 8 1200 1718010480 1718010540 ACCEPT OK', // 21
  '2 123456789012 eni-0e5f6a7b 54.239.28.85 10.2.0.36 443 48000 6 9 15000 1718010480 1718010540 ACCEPT OK', // 22
  '2 123456789012 eni-0e5f6a7b - - - - - - - 1718010540 1718010600 - NODATA', // 23
  '2 123456789012 eni-0e5f6a7b 198.51.100.23 10.2.0.36 40100 22 6 1 60 1718010540 1718010600 ACCEPT OK', // 24
  '2 123456789012 eni-0e5f6a7b - - - - - - - 1718010600 1718010660 - SKIPDATA', // 25
];

export const FLOW_LINES = [...ENI_1, ...ENI_2];

/** In CloudWatch Logs a flow record's event timestamp is its start (in ms). */
export function flowEvent(message: string, logStreamName: string, logGroupName = GROUP): InsightsEvent {
  return { timestamp: Number(message.split(' ')[10]) * 1000, message, logStreamName, logGroupName };
}

export const FLOW_EVENTS: InsightsEvent[] = [...ENI_1.map((m) => flowEvent(m, 'eni-0a1b2c3d-all')), ...ENI_2.map((m) => flowEvent(m, 'eni-0e5f6a7b-all'))];

/** A range that holds every fixture record (StartQuery times are epoch seconds). */
export const ALL_TIME = { startTime: T0 - 3600, endTime: T0 + 3600 };

/** Rows as plain objects ({ srcAddr: '10.1.0.4', ... }) so expectations read like the console's table. */
export function rowsOf(results: { field: string; value: string }[][]): Record<string, string>[] {
  return results.map((row) => Object.fromEntries(row.map((f) => [f.field, f.value])));
}
