// Verilab's Logs Insights engine: parse a query, run it over log events, answer as GetQueryResults does. No I/O.
import type { Query } from './ast';
import type { InsightsEvent } from './events';
import { parseQuery } from './parser';
import { runParsedQuery, type QueryOptions, type QueryRange, type QueryResults } from './run';

export type { Command, Expr, Query } from './ast';
export { MalformedQueryError, type QueryLocation } from './errors';
export { FLOW_FIELDS, type InsightsEvent } from './events';
export { parseQuery } from './parser';
export { DEFAULT_COLUMNS, DEFAULT_LIMIT, eventPtr, ptrIndex, type QueryOptions, type QueryRange, type QueryResults, type QueryStatistics, type ResultField } from './run';
export { formatTimestamp } from './values';

/**
 * Runs a Logs Insights query (text as StartQuery receives it, or already parsed) over the events of its log groups
 * within `range` (epoch seconds, as StartQuery takes them). Throws MalformedQueryError when the text does not compile;
 * the proxy parses at StartQuery so the error comes back there, as on AWS.
 */
export function runQuery(query: string | Query, events: readonly InsightsEvent[], range: QueryRange, options: QueryOptions = {}): QueryResults {
  return runParsedQuery(typeof query === 'string' ? parseQuery(query) : query, events, range, options);
}
