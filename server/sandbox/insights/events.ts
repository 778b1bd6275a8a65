// Turns log events into rows of fields: the @ fields every event has, and the flow-log fields discovered from its message.
import { parseFlowRecord } from '../../labs/kit/flow-logs';
import type { Row } from './values';

/** A log event as the proxy reads it from the log group(s) (GetLogEvents/FilterLogEvents plus the names). */
export interface InsightsEvent {
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
  logStreamName: string;
  logGroupName: string;
}

/** The discovered flow-log fields, as Logs Insights names them, in the default format's order. */
export const FLOW_FIELDS = [
  'version',
  'accountId',
  'interfaceId',
  'srcAddr',
  'dstAddr',
  'srcPort',
  'dstPort',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'logStatus',
] as const;

/** Hidden on each event row: the index of its event, from which @ptr is made. Not a field, so no query can see it. */
export const EVENT_INDEX = Symbol('eventIndex');
export type EventRow = Row & { [EVENT_INDEX]?: number };

/** A number field's value, or undefined for `-` or anything that is not a whole number. */
function whole(text: string): number | undefined {
  if (text === '-') return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

const textOf = (text: string): string | undefined => (text === '-' ? undefined : text);

/**
 * One row per event, its message parsed once. A message is a flow record when it has the 14 fields of the default
 * version 2 format; `-` (NODATA and SKIPDATA records) means the field is absent, as a missing field, not as text.
 * Every row is built as one literal of the same shape (absent fields undefined), which keeps field reads fast in V8.
 */
export function eventRow(event: InsightsEvent, index: number, logId: string): EventRow {
  const message = event.message;
  // Only a record starts with its version, "2 "; AWS writes single spaces, so a plain split is enough.
  let v = message.charCodeAt(0) === 50 && message.charCodeAt(1) === 32 ? message.split(' ') : undefined;
  if (v && v.length !== FLOW_FIELDS.length) {
    // Other spacing: the kit's general parser, turned back into the 14 texts.
    const record = parseFlowRecord(message, event.logStreamName);
    v = record && record.version === 2 ? FLOW_FIELDS.map((f) => (record[f] === null ? '-' : String(record[f]))) : undefined;
  }
  const numbers = v ? [whole(v[0]), whole(v[5]), whole(v[6]), whole(v[7]), whole(v[8]), whole(v[9]), whole(v[10]), whole(v[11])] : undefined;
  const isFlow = v !== undefined && numbers![0] === 2;
  const row = {
    '@timestamp': new Date(event.timestamp),
    '@message': message,
    '@logStream': event.logStreamName,
    '@log': logId,
    version: isFlow ? numbers![0] : undefined,
    accountId: isFlow ? textOf(v![1]) : undefined,
    interfaceId: isFlow ? textOf(v![2]) : undefined,
    srcAddr: isFlow ? textOf(v![3]) : undefined,
    dstAddr: isFlow ? textOf(v![4]) : undefined,
    srcPort: isFlow ? numbers![1] : undefined,
    dstPort: isFlow ? numbers![2] : undefined,
    protocol: isFlow ? numbers![3] : undefined,
    packets: isFlow ? numbers![4] : undefined,
    bytes: isFlow ? numbers![5] : undefined,
    start: isFlow ? numbers![6] : undefined,
    end: isFlow ? numbers![7] : undefined,
    action: isFlow ? textOf(v![12]) : undefined,
    logStatus: isFlow ? textOf(v![13]) : undefined,
    [EVENT_INDEX]: index,
  };
  return row as unknown as EventRow;
}
