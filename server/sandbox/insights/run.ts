// Runs a parsed query over log events and shapes the answer as GetQueryResults returns it.
import type { Command, Expr, NamedExpr, Query } from './ast';
import { compileExpr, globToRegex, type AggregateLookup, type Compiled } from './compile';
import { EVENT_INDEX, eventRow, type EventRow, type InsightsEvent } from './events';
import { formatValue, isTruthy, sortCompare, toNumber, valueKey, type Row, type Value } from './values';

/** StartQuery's time range: epoch SECONDS, both ends included. */
export interface QueryRange {
  startTime: number;
  endTime: number;
}

export interface QueryOptions {
  /** The account that owns the log groups, for `@log` (`123456789012:group`); the bare group name without it. */
  accountId?: string;
}

export interface ResultField {
  field: string;
  value: string;
}

export interface QueryStatistics {
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

export interface QueryResults {
  results: ResultField[][];
  statistics: QueryStatistics;
}

/** GetQueryResults returns at most 1,000 rows when the query sets no limit. */
export const DEFAULT_LIMIT = 1000;
/** What a query without `fields`, `display` or `stats` shows. */
export const DEFAULT_COLUMNS = ['@timestamp', '@message'];

const PTR_PREFIX = 'verilab:';

/** The opaque `@ptr` of an event: the base64 of its index in the events the query ran over. */
export function eventPtr(index: number): string {
  return Buffer.from(`${PTR_PREFIX}${index}`).toString('base64');
}

/** The index of the event a `@ptr` names (for GetLogRecord), or undefined when it is not one of ours. */
export function ptrIndex(ptr: string): number | undefined {
  const decoded = Buffer.from(ptr, 'base64').toString('utf8');
  if (!decoded.startsWith(PTR_PREFIX)) return undefined;
  const index = Number(decoded.slice(PTR_PREFIX.length));
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

const aggregateColumn =
  (text: string): AggregateLookup =>
  (call) =>
    text.slice(call.start, call.end);

type Accumulator = { add: (row: Row) => void; result: () => Value };

/** A fresh accumulator per group for one aggregate call. */
function accumulatorFactory(call: Extract<Expr, { kind: 'call' }>, lookup: AggregateLookup): () => Accumulator {
  const arg: Compiled | undefined = call.args[0] ? compileExpr(call.args[0], lookup) : undefined;
  switch (call.name) {
    case 'count':
      if (!arg)
        return () => {
          let n = 0;
          return { add: () => void n++, result: () => n };
        };
      return () => {
        let n = 0;
        return { add: (row) => void (arg(row) !== null && n++), result: () => n };
      };
    case 'sum':
    case 'avg': {
      const average = call.name === 'avg';
      return () => {
        let total = 0;
        let n = 0;
        return {
          add: (row) => {
            const value = toNumber(arg!(row));
            if (value !== null) {
              total += value;
              n++;
            }
          },
          // No value to add up (a missing field): no value, so the column is left out of the row rather than 0.
          result: () => (n === 0 ? null : average ? total / n : total),
        };
      };
    }
    case 'min':
    case 'max': {
      const sign = call.name === 'min' ? -1 : 1;
      return () => {
        let best: Value = null;
        return {
          add: (row) => {
            const value = arg!(row);
            if (value !== null && (best === null || sign * sortCompare(value, best) > 0)) best = value;
          },
          result: () => best,
        };
      };
    }
    case 'count_distinct':
      return () => {
        const seen = new Set<string>();
        return {
          add: (row) => {
            const value = arg!(row);
            if (value !== null) seen.add(valueKey(value));
          },
          result: () => seen.size,
        };
      };
    default:
      throw new Error(`Not an aggregate: ${call.name}`);
  }
}

function collectAggregates(expr: Expr, into: Extract<Expr, { kind: 'call' }>[]): void {
  switch (expr.kind) {
    case 'call':
      if (['count', 'sum', 'avg', 'min', 'max', 'count_distinct'].includes(expr.name)) into.push(expr);
      else expr.args.forEach((a) => collectAggregates(a, into));
      return;
    case 'not':
    case 'negate':
      return collectAggregates(expr.operand, into);
    case 'logical':
    case 'compare':
    case 'arith':
      collectAggregates(expr.left, into);
      return collectAggregates(expr.right, into);
    case 'like':
      return collectAggregates(expr.operand, into);
    case 'in':
      collectAggregates(expr.operand, into);
      return expr.list.forEach((e) => collectAggregates(e, into));
    default:
      return;
  }
}

function runStats(rows: Row[], command: Extract<Command, { kind: 'stats' }>, text: string): Row[] {
  const lookup = aggregateColumn(text);
  const calls: Extract<Expr, { kind: 'call' }>[] = [];
  for (const item of command.items) collectAggregates(item.expr, calls);
  const factories = calls.map((c) => accumulatorFactory(c, lookup));
  // Inside a stats item, an aggregate call reads the slot its accumulator filled for the group.
  const slotOf = new Map(calls.map((c, i) => [c, `\u0000${i}`]));
  const finals = command.items.map((item) => compileExpr(item.expr, (call) => slotOf.get(call) ?? lookup(call)));
  const keys = command.by.map((b) => compileExpr(b.expr, lookup));

  const groups = new Map<string, { by: Value[]; accumulators: Accumulator[] }>();
  for (const row of rows) {
    const by = keys.map((k) => k(row));
    const key = by.length === 1 ? valueKey(by[0]) : by.map(valueKey).join('\u0001');
    let group = groups.get(key);
    if (!group) {
      group = { by, accumulators: factories.map((f) => f()) };
      groups.set(key, group);
    }
    for (const acc of group.accumulators) acc.add(row);
  }
  // Without "by", stats over no rows still answers one row (count 0), as AWS does.
  if (groups.size === 0 && keys.length === 0) groups.set('', { by: [], accumulators: factories.map((f) => f()) });

  const out: Row[] = [];
  for (const group of groups.values()) {
    const slots: Row = {};
    group.accumulators.forEach((acc, i) => (slots[`\u0000${i}`] = acc.result()));
    const row: Row = {};
    command.by.forEach((b, i) => (row[b.name] = group.by[i]));
    command.items.forEach((item, i) => (row[item.name] = finals[i](slots)));
    out.push(row);
  }
  return out;
}

function runSort(rows: Row[], command: Extract<Command, { kind: 'sort' }>, text: string): Row[] {
  const lookup = aggregateColumn(text);
  const keys = command.keys.map((k) => ({ value: compileExpr(k.expr, lookup), sign: k.descending ? -1 : 1 }));
  // Evaluate each key once per row, then sort stably; a missing value goes last in either direction.
  const decorated = rows.map((row, index) => ({ row, index, values: keys.map((k) => k.value(row)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
        continue;
      }
      const c = sortCompare(x, y);
      if (c !== 0) return c * keys[i].sign;
    }
    return a.index - b.index;
  });
  return decorated.map((d) => d.row);
}

function runDedup(rows: Row[], fields: string[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const values = fields.map((f) => row[f] ?? null);
    // AWS keeps every event with a missing value in a dedup field; only complete combinations are compared.
    if (values.some((v) => v === null)) return true;
    const key = values.map(valueKey).join('\u0001');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function runParse(rows: Row[], command: Extract<Command, { kind: 'parse' }>, text: string): void {
  const source = compileExpr(command.source, aggregateColumn(text));
  const regex = command.pattern.kind === 'glob' ? globToRegex(command.pattern.text) : new RegExp(command.pattern.source, command.pattern.flags);
  const glob = command.pattern.kind === 'glob';
  const names = command.names;
  for (const row of rows) {
    const value = source(row);
    if (value === null) continue;
    const match = regex.exec(typeof value === 'string' ? value : formatValue(value));
    if (!match) continue;
    for (let i = 0; i < names.length; i++) {
      const captured = glob ? match[i + 1] : match.groups?.[names[i]];
      if (captured !== undefined) row[names[i]] = captured;
    }
  }
}

function applyFields(rows: Row[], items: NamedExpr[], text: string): void {
  const computed = items.filter((i) => !(i.expr.kind === 'field' && i.expr.name === i.name)).map((i) => ({ name: i.name, value: compileExpr(i.expr, aggregateColumn(text)) }));
  if (computed.length === 0) return;
  for (const row of rows) {
    for (const c of computed) {
      const value = c.value(row);
      if (value === null) delete row[c.name];
      else row[c.name] = value;
    }
  }
}

/**
 * Runs `query` over the events of its log groups. Only events in the time range are scanned. Events are taken newest
 * first, which is the order AWS uses when a query does not sort (and the order dedup keeps the first of).
 */
export function runParsedQuery(query: Query, events: readonly InsightsEvent[], range: QueryRange, options: QueryOptions = {}): QueryResults {
  const from = range.startTime * 1000;
  // endTime is included: every millisecond of its second counts.
  const until = (range.endTime + 1) * 1000;
  let rows: Row[] = [];
  let bytesScanned = 0;
  const logIds = new Map<string, string>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event.timestamp < from || event.timestamp >= until) continue;
    bytesScanned += Buffer.byteLength(event.message, 'utf8');
    let logId = logIds.get(event.logGroupName);
    if (logId === undefined) {
      logId = options.accountId ? `${options.accountId}:${event.logGroupName}` : event.logGroupName;
      logIds.set(event.logGroupName, logId);
    }
    rows.push(eventRow(event, i, logId));
  }
  const recordsScanned = rows.length;
  rows.sort((a, b) => (b['@timestamp'] as Date).getTime() - (a['@timestamp'] as Date).getTime());

  let recordsMatched = recordsScanned;
  let columns: string[] | undefined;
  let columnsFromFields = false;
  let display: string[] | undefined;
  let aggregated = false;
  let limited = false;
  for (const command of query.commands) {
    switch (command.kind) {
      case 'fields':
        applyFields(rows, command.items, query.text);
        columns = columnsFromFields && columns ? [...new Set([...columns, ...command.items.map((i) => i.name)])] : command.items.map((i) => i.name);
        columnsFromFields = true;
        break;
      case 'display':
        display = command.items.map((i) => i.name);
        break;
      case 'filter': {
        const test = compileExpr(command.expr, aggregateColumn(query.text));
        rows = rows.filter((row) => isTruthy(test(row)));
        // recordsMatched counts the events that pass the filters, before any stats turns them into groups.
        if (!aggregated) recordsMatched = rows.length;
        break;
      }
      case 'parse':
        runParse(rows, command, query.text);
        break;
      case 'stats':
        rows = runStats(rows, command, query.text);
        columns = [...command.by.map((b) => b.name), ...command.items.map((i) => i.name)];
        columnsFromFields = false;
        aggregated = true;
        break;
      case 'sort':
        rows = runSort(rows, command, query.text);
        break;
      case 'limit':
        rows = rows.slice(0, command.count);
        limited = true;
        break;
      case 'dedup':
        rows = runDedup(rows, command.fields);
        break;
    }
  }
  if (!limited) rows = rows.slice(0, DEFAULT_LIMIT);

  const shown = [...new Set(display ?? columns ?? DEFAULT_COLUMNS)];
  const results = rows.map((row) => {
    const out: ResultField[] = [];
    for (const field of shown) {
      const value = row[field];
      if (value !== null && value !== undefined) out.push({ field, value: formatValue(value) });
    }
    const index = (row as EventRow)[EVENT_INDEX];
    if (!aggregated && index !== undefined) out.push({ field: '@ptr', value: eventPtr(index) });
    return out;
  });
  return { results, statistics: { recordsMatched, recordsScanned, bytesScanned } };
}
