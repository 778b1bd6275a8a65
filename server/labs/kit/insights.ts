// Logs Insights queries read by their content: the log groups of a console SOURCE prefix, their stats, sorts and limit.
import type { InsightsQuery } from '../../verify/snapshot';
import { choiceNote, choose } from './choose';
import { formatTime, found, joinDetails, missing, type Found } from './results';

export interface StatsCommand {
  /** Aggregates without their alias, lower case and without spaces: "sum(bytes)". */
  aggregates: string[];
  /** Grouping fields, lower case: ["srcaddr", "dstaddr"]. */
  by: string[];
}

export interface QueryShape {
  /** Log groups named in a console `SOURCE "..." START=... END=... |` prefix. */
  sources: string[];
  stats: StatsCommand[];
  sorts: { field: string; descending: boolean }[];
  /** The limit of the first `limit N` command. */
  limit?: number;
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === separator && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function normalise(expression: string): string {
  return expression.replace(/\s+as\s+\S+$/i, '').replace(/\s+/g, '').toLowerCase();
}

function statsOf(command: string): StatsCommand | undefined {
  const match = /^stats\s+(.+?)\s+by\s+(.+)$/i.exec(command);
  if (!match) return undefined;
  return { aggregates: splitTopLevel(match[1], ',').map(normalise), by: splitTopLevel(match[2], ',').map(normalise) };
}

/**
 * Reads a query by its content: whitespace and case do not matter, and a console query's `SOURCE ... |` prefix is
 * taken apart rather than compared, because DescribeQueries returns console queries with it and CLI ones without.
 */
export function queryShape(queryString: string): QueryShape {
  const commands = splitTopLevel(queryString.replace(/\s+/g, ' ').trim(), '|');
  let sources: string[] = [];
  if (/^source\s/i.test(commands[0] ?? '')) {
    const prefix = commands.shift() ?? '';
    sources = [...prefix.matchAll(/["'`]([^"'`]+)["'`]/g)].map((m) => m[1]);
  }
  const sorts = commands.flatMap((c) => {
    const match = /^sort\s+(\S+)(?:\s+(asc|desc))?$/i.exec(c);
    return match ? [{ field: match[1], descending: match[2]?.toLowerCase() === 'desc' }] : [];
  });
  const limit = commands.map((c) => /^limit\s+(\d+)$/i.exec(c)).find((m) => m !== null);
  return {
    sources,
    stats: commands.map(statsOf).filter((s): s is StatsCommand => s !== undefined),
    sorts,
    limit: limit ? Number(limit[1]) : undefined,
  };
}

/** True when some stats command computes `aggregate` ("sum(bytes)") grouped by exactly `by`, in any order and case. */
export function hasStats(shape: QueryShape, aggregate: string, by: readonly string[]): boolean {
  const wanted = [...by].map(normalise).sort();
  return shape.stats.some((s) => {
    const fields = [...s.by].sort();
    return s.aggregates.includes(normalise(aggregate)) && fields.length === wanted.length && fields.every((f, i) => f === wanted[i]);
  });
}

const STILL_GOING = ['Scheduled', 'Running'];

/** Text as one line, cut to `max` characters, for quoting a learner's query in a hint. */
export function shorten(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** What query a lab wants: a test of its shape, how to say it ("sum bytes by srcAddr and dstAddr"), and one to run. */
export interface WantedQuery {
  matches: (shape: QueryShape) => boolean;
  what: string;
  example: string;
  /** What the groups are, for "not on G (the flow log's log group)". */
  groupsAre: string;
}

export interface QueryFound {
  query: InsightsQuery;
  shape: QueryShape;
  group: string;
}

/**
 * The learner's query of the wanted shape over one of `groups` (by its logGroupName or its console SOURCE prefix):
 * completed first, then still running, then the newest. Otherwise the near miss in words: the right query on another
 * group, or another query on the right group, quoted.
 */
export function queryFinding(queries: readonly InsightsQuery[], groups: readonly string[], wanted: WantedQuery): Found<QueryFound> {
  const shaped = queries.map((query) => ({ query, shape: queryShape(query.queryString) }));
  const groupOf = (x: (typeof shaped)[number]) => groups.find((g) => x.query.logGroupName === g || x.shape.sources.includes(g));
  const matching = shaped.filter((x) => groupOf(x) && wanted.matches(x.shape));
  const choice = choose(matching, [
    { score: (x) => x.query.status === 'Complete', because: 'it completed' },
    { score: (x) => STILL_GOING.includes(x.query.status), because: 'it is still running' },
    { score: (x) => x.query.createTime ?? 0, because: 'it is the newest' },
  ]);
  const group = groups[0];
  if (choice) {
    const { query, shape } = choice.chosen;
    const on = groupOf(choice.chosen)!;
    const note = choiceNote(choice, `matching queries ran on ${on}`, (x) => x.query.queryId, matching);
    return found({ query, shape, group: on }, joinDetails(`Query ${query.queryId} on ${on}: "${shorten(query.queryString)}".`, note));
  }
  const elsewhere = shaped.find((x) => wanted.matches(x.shape));
  if (elsewhere) {
    const where = elsewhere.query.logGroupName ?? (elsewhere.shape.sources.join(', ') || 'another log group');
    return missing(`Your query to ${wanted.what} ran on ${where}, not on ${group} (${wanted.groupsAre}); run it again with ${group} selected.`);
  }
  const latest = shaped.filter(groupOf).sort((x, y) => (y.query.createTime ?? 0) - (x.query.createTime ?? 0))[0];
  if (latest) return missing(`Your latest query on ${group} ("${shorten(latest.query.queryString)}") does not ${wanted.what}; run: ${wanted.example}`);
  return missing(`No Logs Insights query has run on ${group} yet; run this query over it: ${wanted.example}`);
}

/** Complete passes; Scheduled or Running says wait; Failed, Cancelled or Timeout says run it again. */
export function queryCompleted(query: InsightsQuery): Found<string> {
  const { queryId, status, createTime } = query;
  if (status === 'Complete') return found(status, `Complete${createTime !== undefined ? ` (started ${formatTime(createTime)})` : ''}.`);
  if (STILL_GOING.includes(status)) return missing(`Query ${queryId} is still ${status}; wait for it to complete, then check again.`);
  return missing(`Query ${queryId} ended as ${status}; run it again and let it finish.`);
}
