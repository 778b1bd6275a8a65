// The errors the sandbox's Logs Insights API answers with: AWS's codes and statuses, and messages in AWS's own style.
import type { QueryLocation } from '../insights';
import type { AwsError } from '../proxy-errors';

export const INSIGHTS_MESSAGES = {
  NOT_NULL: (member: string) => `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  AT_LEAST: (member: string, value: unknown, min: number) =>
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
  AT_MOST: (member: string, value: unknown, max: number) =>
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
  LENGTH: (member: string, min: number, max: number) => `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length between ${min} and ${max}`,
  PATTERN: (member: string, value: string) => `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
  ENUM: (member: string, value: string, allowed: readonly string[]) =>
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
  TYPE: (member: string, wanted: string) => `The value of '${member}' must be ${wanted}.`,
  NOT_JSON: 'The request body is not a JSON object.',
  ONE_GROUP_PARAMETER: 'Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be specified.',
  TOO_MANY_GROUPS: (n: number, max: number) => `The query names ${n} log groups; at most ${max} can be queried together.`,
  INVERTED_TIMES: (start: number, end: number) => `endTime (${end}) is before startTime (${start}). Both are epoch seconds.`,
  QUERY_LANGUAGE: (language: string) => `The Verilab sandbox runs Logs Insights QL (CWLI) queries only, not ${language}.`,
  GROUP_NOT_FOUND: (name: string, accountId: string) => `Log group '${name}' does not exist for account ID '${accountId}'.`,
  GROUP_ELSEWHERE: (arn: string, accountId: string, region: string) =>
    `Log group '${arn}' is not in this account and Region (${accountId}, ${region}); the Verilab sandbox has no cross-account or cross-Region queries.`,
  QUERY_NOT_FOUND: (queryId: string) => `Query ${queryId} does not exist.`,
  NOT_RUNNING: (queryId: string, status: string) => `Query ${queryId} is not running: it is ${status}.`,
  CONCURRENCY: (max: number) => `Account maximum query concurrency limit of [${max}] reached. Wait for a query to complete, or stop one with StopQuery.`,
  BAD_TOKEN: 'The specified nextToken is not valid.',
  UNAVAILABLE: 'The sandbox is not running right now. It restarts by itself: try again in a few seconds.',
} as const;

/** A Logs Insights API error as AWS returns it; `fields` are extra members of the error body (queryCompileError). */
export class InsightsApiError extends Error {
  override readonly name = 'InsightsApiError';

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
  }

  toAwsError(): AwsError {
    return { status: this.status, code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }
}

export const insightsErrors = {
  invalid: (message: string) => new InsightsApiError('InvalidParameterException', message),
  /** What AWS answers for a JSON value of the wrong type, before any validation. */
  serialization: (message: string) => new InsightsApiError('SerializationException', message),
  notFound: (message: string) => new InsightsApiError('ResourceNotFoundException', message),
  /** AWS's QueryCompileError names the offsets startCharOffset and endCharOffset (the engine's start and end, end exclusive). */
  malformed: (compileError: { location: QueryLocation; message: string }) =>
    new InsightsApiError('MalformedQueryException', compileError.message, 400, {
      queryCompileError: { location: { startCharOffset: compileError.location.start, endCharOffset: compileError.location.end }, message: compileError.message },
    }),
  limitExceeded: (max: number) => new InsightsApiError('LimitExceededException', INSIGHTS_MESSAGES.CONCURRENCY(max)),
  unavailable: () => new InsightsApiError('ServiceUnavailableException', INSIGHTS_MESSAGES.UNAVAILABLE, 503),
} as const;
