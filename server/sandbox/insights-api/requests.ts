// The four Logs Insights requests read and validated as AWS does, from the JSON a client sent (or an SDK command's input).
import { MalformedQueryError, parseQuery, type Query } from '../insights';
import { INSIGHTS_MESSAGES as M, insightsErrors } from './errors';

export const QUERY_STATUSES = ['Scheduled', 'Running', 'Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown'] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];
const QUERY_LANGUAGES = ['CWLI', 'SQL', 'PPL'] as const;

/** AWS's bounds on StartQuery and DescribeQueries. */
export const MAX_QUERY_LENGTH = 10_000;
export const MAX_RESULT_LIMIT = 10_000;
export const MAX_LOG_GROUPS = 50;
export const MAX_DESCRIBE_RESULTS = 1000;

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`, with or without the `:*` the console adds. */
const GROUP_ARN = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$/;

export interface Place {
  accountId: string;
  region: string;
}

export interface StartQueryRequest {
  logGroupNames: string[];
  /** Epoch seconds. */
  startTime: number;
  endTime: number;
  queryString: string;
  limit?: number;
  /** The query as it will run: parsed, with StartQuery's `limit` applied when the text has none. */
  query: Query;
}

export interface DescribeQueriesRequest {
  logGroupName?: string;
  status?: QueryStatus;
  maxResults: number;
  nextToken?: string;
  queryLanguage?: string;
}

type Input = Record<string, unknown>;

function objectOf(input: unknown): Input {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw insightsErrors.serialization(M.NOT_JSON);
  return input as Input;
}

function optionalString(input: Input, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw insightsErrors.serialization(M.TYPE(member, 'a string'));
  return value;
}

function requiredString(input: Input, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined) throw insightsErrors.invalid(M.NOT_NULL(member));
  return value;
}

function optionalWhole(input: Input, member: string): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw insightsErrors.serialization(M.TYPE(member, 'a whole number'));
  return value;
}

function requiredWhole(input: Input, member: string): number {
  const value = optionalWhole(input, member);
  if (value === undefined) throw insightsErrors.invalid(M.NOT_NULL(member));
  return value;
}

function inRange(member: string, value: number, min: number, max: number): number {
  if (value < min) throw insightsErrors.invalid(M.AT_LEAST(member, value, min));
  if (value > max) throw insightsErrors.invalid(M.AT_MOST(member, value, max));
  return value;
}

function groupName(member: string, value: string): string {
  if (value.length < 1 || value.length > 512) throw insightsErrors.invalid(M.LENGTH(member, 1, 512));
  if (!GROUP_NAME.test(value)) throw insightsErrors.invalid(M.PATTERN(member, value));
  return value;
}

function stringList(input: Input, member: string): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw insightsErrors.serialization(M.TYPE(member, 'a list of strings'));
  return value as string[];
}

/**
 * A log group identifier (a name or an ARN) as a name in `place`. An ARN of another account or Region is not found:
 * the sandbox has no cross-account observability, and saying so does not reveal whether the group exists.
 */
export function groupOfIdentifier(identifier: string, place: Place): string {
  const arn = GROUP_ARN.exec(identifier);
  if (!arn) return groupName('logGroupIdentifiers', identifier);
  if (arn[1] !== place.region || arn[2] !== place.accountId) throw insightsErrors.notFound(M.GROUP_ELSEWHERE(identifier, place.accountId, place.region));
  return groupName('logGroupIdentifiers', arn[3]!);
}

function queryLanguage(input: Input): string | undefined {
  const language = optionalString(input, 'queryLanguage');
  if (language !== undefined && !(QUERY_LANGUAGES as readonly string[]).includes(language)) throw insightsErrors.invalid(M.ENUM('queryLanguage', language, QUERY_LANGUAGES));
  return language;
}

/**
 * StartQuery's input, checked in AWS's order: members and their bounds, then the query text (MalformedQueryException
 * with the location, at StartQuery, as AWS does). Whether the groups exist is for the caller, which can ask moto.
 */
export function readStartQuery(raw: unknown, place: Place): StartQueryRequest {
  const input = objectOf(raw);
  const language = queryLanguage(input);
  if (language !== undefined && language !== 'CWLI') throw insightsErrors.invalid(M.QUERY_LANGUAGE(language));
  const single = optionalString(input, 'logGroupName');
  const names = stringList(input, 'logGroupNames');
  const identifiers = stringList(input, 'logGroupIdentifiers');
  const given = [single, names, identifiers].filter((g) => g !== undefined);
  if (given.length !== 1) throw insightsErrors.invalid(M.ONE_GROUP_PARAMETER);
  const groups =
    single !== undefined
      ? [groupName('logGroupName', single)]
      : names !== undefined
        ? names.map((n) => groupName('logGroupNames', n))
        : identifiers!.map((id) => groupOfIdentifier(id, place));
  if (groups.length === 0) throw insightsErrors.invalid(M.ONE_GROUP_PARAMETER);
  if (groups.length > MAX_LOG_GROUPS) throw insightsErrors.invalid(M.TOO_MANY_GROUPS(groups.length, MAX_LOG_GROUPS));

  const startTime = inRange('startTime', requiredWhole(input, 'startTime'), 0, Number.MAX_SAFE_INTEGER);
  const endTime = inRange('endTime', requiredWhole(input, 'endTime'), 0, Number.MAX_SAFE_INTEGER);
  if (endTime < startTime) throw insightsErrors.invalid(M.INVERTED_TIMES(startTime, endTime));
  const queryString = requiredString(input, 'queryString');
  if (queryString.length > MAX_QUERY_LENGTH) throw insightsErrors.invalid(M.LENGTH('queryString', 0, MAX_QUERY_LENGTH));
  const limitGiven = optionalWhole(input, 'limit');
  const limit = limitGiven === undefined ? undefined : inRange('limit', limitGiven, 1, MAX_RESULT_LIMIT);

  let query: Query;
  try {
    query = parseQuery(queryString);
  } catch (err) {
    if (err instanceof MalformedQueryError) throw insightsErrors.malformed(err.toQueryCompileError());
    throw err;
  }
  return { logGroupNames: [...new Set(groups)], startTime, endTime, queryString, limit, query: withLimit(query, limit) };
}

/** StartQuery's `limit` caps the rows of a query whose text sets none; a `limit` command in the text wins, as on AWS. */
export function withLimit(query: Query, limit: number | undefined): Query {
  if (limit === undefined || query.commands.some((c) => c.kind === 'limit')) return query;
  const end = query.text.length;
  return { ...query, commands: [...query.commands, { kind: 'limit', count: limit, start: end, end }] };
}

export function readQueryId(raw: unknown): string {
  const queryId = requiredString(objectOf(raw), 'queryId');
  if (queryId.length < 1 || queryId.length > 256) throw insightsErrors.invalid(M.LENGTH('queryId', 1, 256));
  return queryId;
}

export function readDescribeQueries(raw: unknown): DescribeQueriesRequest {
  const input = objectOf(raw);
  const name = optionalString(input, 'logGroupName');
  const status = optionalString(input, 'status');
  if (status !== undefined && !(QUERY_STATUSES as readonly string[]).includes(status)) throw insightsErrors.invalid(M.ENUM('status', status, QUERY_STATUSES));
  const maxResults = optionalWhole(input, 'maxResults');
  const nextToken = optionalString(input, 'nextToken');
  if (nextToken !== undefined && nextToken.length < 1) throw insightsErrors.invalid(M.LENGTH('nextToken', 1, 1024));
  return {
    logGroupName: name === undefined ? undefined : groupName('logGroupName', name),
    status: status as QueryStatus | undefined,
    maxResults: maxResults === undefined ? MAX_DESCRIBE_RESULTS : inRange('maxResults', maxResults, 1, MAX_DESCRIBE_RESULTS),
    nextToken,
    queryLanguage: queryLanguage(input),
  };
}
