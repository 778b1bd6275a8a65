// VPC flow logs: where a flow log delivers, reading its records in the default or a custom LogFormat, and picking records out.
import type { FlowLog, FlowRecord, FlowRecordSet, IamRole } from '../../verify/snapshot';
import type { CheckContext } from '../check-types';
import { roleNameOf, type RoleChoice } from './iam';
import { found, joinDetails, missing, unknown, type Found } from './results';

/** The fields of the default (version 2) format, in order, as LogFormat names them. */
export const DEFAULT_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

/** A field that FlowRecord keeps; a custom format may hold others (vpc-id, tcp-flags, ...), which are read past. */
export type FlowRecordField = (typeof DEFAULT_FIELDS)[number];

/** The LogFormat text AWS reports for a flow log created with the default format. */
export const DEFAULT_LOG_FORMAT = DEFAULT_FIELDS.map((f) => `\${${f}}`).join(' ');

type RecordKey = Exclude<keyof FlowRecord, 'logStreamName'>;

/** Which FlowRecord property holds each field of the default format (the Record type makes the map complete). */
export const RECORD_KEYS: Record<FlowRecordField, RecordKey> = {
  version: 'version',
  'account-id': 'accountId',
  'interface-id': 'interfaceId',
  srcaddr: 'srcAddr',
  dstaddr: 'dstAddr',
  srcport: 'srcPort',
  dstport: 'dstPort',
  protocol: 'protocol',
  packets: 'packets',
  bytes: 'bytes',
  start: 'start',
  end: 'end',
  action: 'action',
  'log-status': 'logStatus',
};

const NUMERIC = new Set<RecordKey>(['version', 'srcPort', 'dstPort', 'protocol', 'packets', 'bytes', 'start', 'end']);

/** The log group a flow log writes to: its LogGroupName, else the name inside its destination ARN. */
export function flowLogGroupName(flowLog: FlowLog): string | undefined {
  if (flowLog.logGroupName) return flowLog.logGroupName;
  const match = /:log-group:([^:]+)/.exec(flowLog.logDestination ?? '');
  return match?.[1];
}

export function deliversToCloudWatch(flowLog: FlowLog): boolean {
  return flowLog.logDestinationType === 'cloud-watch-logs' && flowLogGroupName(flowLog) !== undefined;
}

/** The CloudWatch Logs group a flow log delivers to; undefined for S3 or Firehose (an absent type is CloudWatch Logs). */
export function deliveryGroup(flowLog: FlowLog): string | undefined {
  if (flowLog.logDestinationType && flowLog.logDestinationType !== 'cloud-watch-logs') return undefined;
  return flowLogGroupName(flowLog);
}

/** The field names of a LogFormat (`${srcaddr} ${dstaddr}` -> ['srcaddr', 'dstaddr']); the default fields when absent. */
export function logFormatFields(logFormat: string | undefined): string[] {
  const fields = [...(logFormat ?? '').matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1].trim());
  return fields.length > 0 ? fields : [...DEFAULT_FIELDS];
}

export function isDefaultFormat(logFormat: string | undefined): boolean {
  const fields = logFormatFields(logFormat);
  return fields.length === DEFAULT_FIELDS.length && fields.every((f, i) => f === DEFAULT_FIELDS[i]);
}

const numberOrNull = (s: string) => (s === '-' || !/^\d+$/.test(s) ? null : Number(s));
const textOrNull = (s: string) => (s === '-' ? null : s);

function emptyRecord(logStreamName: string): FlowRecord {
  const record = { logStreamName } as FlowRecord;
  for (const key of Object.values(RECORD_KEYS)) (record as unknown as Record<string, null>)[key] = null;
  return record;
}

/**
 * Parses one record written in the format whose fields are `fields` (default: version 2), space-separated with `-`
 * for "does not apply". Undefined when the field count differs or a version field is not a number: the line was
 * written in another format. Fields FlowRecord does not keep are skipped; the ones the format lacks are null.
 */
export function parseFlowRecord(message: string, logStreamName: string, fields: readonly string[] = DEFAULT_FIELDS): FlowRecord | undefined {
  const values = message.trim().split(/\s+/);
  if (values.length !== fields.length) return undefined;
  const record = emptyRecord(logStreamName);
  const target = record as unknown as Record<string, string | number | null>;
  for (let i = 0; i < fields.length; i++) {
    const key = RECORD_KEYS[fields[i] as FlowRecordField];
    if (!key) continue;
    target[key] = NUMERIC.has(key) ? numberOrNull(values[i]) : textOrNull(values[i]);
  }
  if (fields.includes('version') && record.version === null) return undefined;
  return record;
}

/** Parses a record with the first of several formats that fits (one log group can receive from several flow logs). */
export function parseWithFormats(message: string, logStreamName: string, formats: readonly (readonly string[])[]): FlowRecord | undefined {
  for (const fields of formats) {
    const record = parseFlowRecord(message, logStreamName, fields);
    if (record) return record;
  }
  return undefined;
}

/** Field values a record must have, by LogFormat field name ({ protocol: 1 }). */
export type FlowRecordWhere = Partial<Record<FlowRecordField, string | number>>;

/** True when the record has every value of `where`; a condition on a field that its format (`fields`) lacks is ignored. */
export function recordMatches(record: FlowRecord, where: FlowRecordWhere | undefined, fields: readonly string[] = DEFAULT_FIELDS): boolean {
  return Object.entries(where ?? {}).every(([field, value]) => !fields.includes(field) || String(record[RECORD_KEYS[field as FlowRecordField]]) === String(value));
}

/**
 * A CloudWatch Logs space-delimited filter pattern for records in the format `fields` with the values of `where`
 * (`[version, account_id, ..., protocol=1, ...]`), or undefined when nothing is asked. A pattern must name every
 * field of the line, so it fits one format only; a `where` field the format lacks is left out.
 */
export function flowRecordFilterPattern(fields: readonly string[], where: FlowRecordWhere | undefined): string | undefined {
  const conditions = Object.entries(where ?? {}).filter(([field]) => fields.includes(field));
  if (conditions.length === 0) return undefined;
  const terms = fields.map((field) => {
    const name = field.replace(/[^A-Za-z0-9]/g, '_');
    const condition = conditions.find(([f]) => f === field);
    return condition ? `${name}=${condition[1]}` : name;
  });
  return `[${terms.join(', ')}]`;
}

/** Records from `src` to `dst`, optionally of one protocol number and one action (ACCEPT or REJECT). */
export function recordsBetween(records: readonly FlowRecord[], src: string, dst: string, filter: { protocol?: number; action?: string } = {}): FlowRecord[] {
  return records.filter(
    (r) => r.srcAddr === src && r.dstAddr === dst && (filter.protocol === undefined || r.protocol === filter.protocol) && (!filter.action || r.action === filter.action),
  );
}

/** The fields of `needed` that a flow log's LogFormat lacks (none for the default format), in the order of `needed`. */
export function missingFields(logFormat: string | undefined, needed: readonly FlowRecordField[]): FlowRecordField[] {
  const fields = logFormatFields(logFormat);
  return needed.filter((f) => !fields.includes(f));
}

/**
 * True when `reply` falls in the capture window of `request`: their start..end spans overlap. A request and its reply
 * pass the same interface within milliseconds, so they are aggregated into the same window. A record without times
 * cannot be placed, so it is taken to overlap (an answered request is then never called unanswered).
 */
function sameWindow(request: FlowRecord, reply: FlowRecord): boolean {
  if (request.start === null || request.end === null || reply.start === null || reply.end === null) return true;
  return reply.start <= request.end && reply.end >= request.start;
}

/**
 * Requests from `src` to `dst` (ACCEPT or REJECT) split by whether an ACCEPTed reply from `dst` to `src` was recorded in
 * the same window. A REJECTed reply does not answer: the network ACL dropped it before the sender saw it.
 */
export function pairRequests(records: readonly FlowRecord[], src: string, dst: string, protocol: number): { answered: FlowRecord[]; unanswered: FlowRecord[] } {
  const replies = recordsBetween(records, dst, src, { protocol, action: 'ACCEPT' });
  const requests = recordsBetween(records, src, dst, { protocol }).filter((r) => r.action === 'ACCEPT' || r.action === 'REJECT');
  const answered = requests.filter((q) => replies.some((r) => sameWindow(q, r)));
  return { answered, unanswered: requests.filter((q) => !answered.includes(q)) };
}

/** A compact, JSON-friendly summary of one flow record for evidence and details. */
export interface RecordSummary {
  src: string | null;
  dst: string | null;
  protocol: number | null;
  action: string | null;
  packets: number | null;
  bytes: number | null;
  start: number | null;
  end: number | null;
}

export function summariseRecord(r: FlowRecord): RecordSummary {
  return { src: r.srcAddr, dst: r.dstAddr, protocol: r.protocol, action: r.action, packets: r.packets, bytes: r.bytes, start: r.start, end: r.end };
}

/** Records that show something ("unanswered ICMP request"): found with a count and an example, else `hint` with `note`. */
export function recordsFinding(records: readonly FlowRecord[], what: string, hint: string, note?: string): Found<FlowRecord[]> {
  if (records.length === 0) return missing(hint, note);
  const sample = summariseRecord(records[0]);
  const packets = records.reduce((n, r) => n + (r.packets ?? 0), 0);
  return found([...records], `${records.length} ${what}(s), ${packets} packets, e.g. ${sample.src} → ${sample.dst} ${sample.action}.`);
}

/**
 * What a missing record means for when to check again. On AWS records reach CloudWatch Logs late, so a missing record is
 * never final and hints say to wait. A Verilab sandbox writes them as the traffic happens, to the flow logs that exist
 * and can deliver at that moment: there is nothing to wait for, and traffic sent before is never recorded.
 */
export function lateRecords(ctx: Pick<CheckContext, 'sandbox'>): string {
  return ctx.sandbox
    ? 'In the sandbox, flow records reach the log group within seconds, from the flow logs that exist and can deliver when the traffic is sent: a ping sent before then is never recorded, so ping again and check again.'
    : 'Flow records reach CloudWatch Logs a minute or more after the traffic (sometimes up to 10 minutes), so wait a few minutes and check again.';
}

/** "Read 12 flow records from app-logs. The newest ends 4 min before this check." */
export function recordsNote(flow: { groupNames: string[]; sets: FlowRecordSet[] }, now: Date): string {
  const total = flow.sets.reduce((n, s) => n + s.records.length, 0);
  const groups = flow.groupNames.join(', ');
  const unparsed = flow.sets.reduce((n, s) => n + s.unparsed, 0);
  const newest = Math.max(0, ...flow.sets.flatMap((s) => s.records.map((r) => r.end ?? r.start ?? 0)));
  const age = newest > 0 ? Math.max(0, Math.round((now.getTime() - newest * 1000) / 60000)) : undefined;
  return joinDetails(
    total === 0 ? `No flow records in ${groups} yet.` : `Read ${total} flow records from ${groups}.`,
    age !== undefined ? `The newest ends ${age} min before this check.` : undefined,
    unparsed > 0 ? `${unparsed} lines were not in the default format (use the AWS default log format).` : undefined,
    flow.sets.some((s) => s.truncated) ? 'Not every record was read (the log group holds more).' : undefined,
  )!;
}

/** Whether the flow log runs and delivers: DeliverLogsStatus FAILED means its role cannot write to the group. */
export function flowLogStatus(f: FlowLog): Found<string> {
  if (f.flowLogStatus !== 'ACTIVE') return missing(`Flow log ${f.flowLogId} is ${f.flowLogStatus}, not ACTIVE; create a new one.`);
  if (f.deliverLogsStatus === 'FAILED') {
    const reason = f.deliverLogsErrorMessage ?? 'no reason given';
    return missing(`Flow log ${f.flowLogId} delivery is failing: ${reason}. Check the role's trust and permissions policies.`);
  }
  return found(f.flowLogStatus, `ACTIVE; delivery ${f.deliverLogsStatus ?? 'not reported yet'}.`);
}

/**
 * Whether the flow log writes the AWS default format. A flow log cannot be modified, so a custom one is recreated; readers
 * (people, Logs Insights' discovered fields, lab text) expect the default field order.
 */
export function defaultFormat(f: FlowLog): Found<string> {
  if (isDefaultFormat(f.logFormat)) return found('default', 'AWS default format (version 2).');
  return missing(`Flow log ${f.flowLogId} uses a custom format (${f.logFormat}); create one with the AWS default format, then delete this one (a flow log cannot be modified).`);
}

/** Why a flow log's records cannot serve a check that reads `fields`; undefined when its format has them all. */
export function unusableFormat(f: FlowLog, fields: readonly FlowRecordField[]): string | undefined {
  const lacking = missingFields(f.logFormat, fields);
  if (lacking.length === 0) return undefined;
  return `Flow log ${f.flowLogId} writes records in a custom format without ${lacking.join(', ')}, which this check needs; create a flow log with the AWS default format.`;
}

/** Whether the flow log aggregates over `wanted` seconds (60 or 600); `why` says why the lab asks for it. */
export function aggregationInterval(f: FlowLog, wanted: 60 | 600, why: string): Found<number> {
  const interval = f.maxAggregationInterval;
  const minutes = (s: number) => `${s / 60} minute${s === 60 ? '' : 's'}`;
  if (interval === wanted) return found(interval, `Every ${wanted} seconds.`);
  if (interval === undefined) return unknown("Could not check: AWS did not report the flow log's maximum aggregation interval.");
  return missing(
    `Flow log ${f.flowLogId} aggregates records over ${interval / 60} minutes (${interval} s); ${why}: create a new flow log with maximum aggregation interval ${minutes(wanted)} and delete this one.`,
  );
}

/** Whether the flow log records ALL traffic; `where` names what it watches ("VPC 1"). */
export function capturesAll(f: FlowLog, where: string, note?: string): Found<string> {
  if (f.trafficType === 'ALL') return found(f.trafficType, joinDetails(`${f.flowLogId} records ALL traffic.`, note));
  return missing(`The flow log on ${where} (${f.flowLogId}) captures ${f.trafficType} traffic only; create one with traffic type ALL (a flow log cannot be changed, so delete this one).`);
}

/**
 * Whether the flow log delivers to a CloudWatch Logs group with the chosen role (see findServiceRole), or what is
 * wrong: another destination, no role, a role that does not trust `service`, or another role than the chosen one.
 */
export function deliveryFinding(f: FlowLog, role: Found<RoleChoice>, roles: Found<IamRole[]>, wanted: { service: string; roleName: string; groupName: string }): Found<string> {
  const id = f.flowLogId;
  const group = flowLogGroupName(f);
  if (!deliversToCloudWatch(f) || !group) {
    return missing(`Flow log ${id} sends its records to ${f.logDestinationType}, not to a CloudWatch Logs log group; create one with destination CloudWatch Logs and log group ${wanted.groupName}.`);
  }
  const usedArn = f.deliverLogsPermissionArn;
  if (!usedArn) return missing(`Flow log ${id} has no IAM role; create one that uses ${wanted.roleName}.`);
  if (roles.ok !== true) return roles;
  if (role.ok !== true) return missing(`Flow log ${id} uses role ${roleNameOf(usedArn)}, which does not trust ${wanted.service}; fix the role first (see above).`);
  const r = role.value.role;
  if (r.arn !== usedArn) {
    const why = roles.value.some((x) => x.arn === usedArn) ? '' : ', which does not exist';
    return missing(`Flow log ${id} uses role ${roleNameOf(usedArn)}${why}, not ${r.roleName}; create a flow log that uses ${r.roleName} (${r.arn}).`);
  }
  return found(group, `${id} → log group ${group} with role ${r.roleName}.`);
}
