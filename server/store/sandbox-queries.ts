// Logs Insights queries of sandbox accounts: what StartQuery was given, the status, and the results once complete.
import type { Kysely } from 'kysely';
import type { QueryStatistics, ResultField as QueryResultField } from '../sandbox/insights';
import type { Database, SandboxQueryStatus } from './schema';

export type { SandboxQueryStatus };

export interface SandboxQueryRow {
  queryId: string;
  accountId: string;
  region: string;
  queryString: string;
  logGroupNames: string[];
  /** Epoch seconds, as StartQuery takes them. */
  startTime: number;
  endTime: number;
  limit: number | null;
  status: SandboxQueryStatus;
  eventsTruncated: boolean;
  failure: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

export interface SandboxQueryResults {
  results: QueryResultField[][];
  statistics: QueryStatistics;
}

export interface NewSandboxQuery {
  queryId: string;
  accountId: string;
  region: string;
  queryString: string;
  logGroupNames: string[];
  startTime: number;
  endTime: number;
  limit?: number;
  createdAt: Date;
  expiresAt: Date;
}

/** The statuses a query can still leave; StopQuery and the runner only ever move a query out of these. */
export const ACTIVE_STATUSES: readonly SandboxQueryStatus[] = ['Scheduled', 'Running'];

type Row = Database['sandbox_queries'];
type ListedRow = Omit<Row, 'results' | 'statistics'>;

const toQuery = (r: ListedRow): SandboxQueryRow => ({
  queryId: r.query_id,
  accountId: r.account_id,
  region: r.region,
  queryString: r.query_string,
  logGroupNames: JSON.parse(r.log_group_names) as string[],
  // PostgreSQL hands bigint columns back as strings.
  startTime: Number(r.start_time),
  endTime: Number(r.end_time),
  limit: r.result_limit === null ? null : Number(r.result_limit),
  status: r.status,
  eventsTruncated: Number(r.events_truncated) === 1,
  failure: r.failure,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  expiresAt: r.expires_at,
});

const LISTED_COLUMNS = [
  'query_id',
  'account_id',
  'region',
  'query_string',
  'log_group_names',
  'start_time',
  'end_time',
  'result_limit',
  'status',
  'events_truncated',
  'failure',
  'created_at',
  'updated_at',
  'expires_at',
] as const;

export function sandboxQueriesRepo(db: Kysely<Database>) {
  const now = () => new Date().toISOString();
  return {
    async insert(q: NewSandboxQuery): Promise<void> {
      const at = q.createdAt.toISOString();
      await db
        .insertInto('sandbox_queries')
        .values({
          query_id: q.queryId,
          account_id: q.accountId,
          region: q.region,
          query_string: q.queryString,
          log_group_names: JSON.stringify(q.logGroupNames),
          start_time: q.startTime,
          end_time: q.endTime,
          result_limit: q.limit ?? null,
          status: 'Scheduled',
          results: null,
          statistics: null,
          events_truncated: 0,
          failure: null,
          created_at: at,
          updated_at: at,
          expires_at: q.expiresAt.toISOString(),
        })
        .execute();
    },

    /** One query of one account: another account's query id finds nothing, as in AWS. */
    async get(accountId: string, queryId: string): Promise<SandboxQueryRow | undefined> {
      const row = await db.selectFrom('sandbox_queries').select(LISTED_COLUMNS).where('query_id', '=', queryId).where('account_id', '=', accountId).executeTakeFirst();
      return row && toQuery(row);
    },

    /** The query with its results (null until it is Complete). */
    async withResults(accountId: string, queryId: string): Promise<{ query: SandboxQueryRow; results: SandboxQueryResults | null } | undefined> {
      const row = await db.selectFrom('sandbox_queries').selectAll().where('query_id', '=', queryId).where('account_id', '=', accountId).executeTakeFirst();
      if (!row) return undefined;
      const results = row.results !== null && row.statistics !== null ? { results: JSON.parse(row.results) as QueryResultField[][], statistics: JSON.parse(row.statistics) as QueryStatistics } : null;
      return { query: toQuery(row), results };
    },

    /** The account's queries in one Region, newest first, without their results. */
    async list(accountId: string, region: string): Promise<SandboxQueryRow[]> {
      const rows = await db
        .selectFrom('sandbox_queries')
        .select(LISTED_COLUMNS)
        .where('account_id', '=', accountId)
        .where('region', '=', region)
        .orderBy('created_at', 'desc')
        .orderBy('query_id', 'desc')
        .execute();
      return rows.map(toQuery);
    },

    /** Queries of the account still Scheduled or Running that were created since `since` (older ones were orphaned). */
    async countActive(accountId: string, since: Date): Promise<number> {
      const row = await db
        .selectFrom('sandbox_queries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', accountId)
        .where('status', 'in', ACTIVE_STATUSES)
        .where('created_at', '>=', since.toISOString())
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** Scheduled to Running; false when the query is no longer Scheduled (stopped meanwhile). */
    async markRunning(queryId: string): Promise<boolean> {
      const r = await db.updateTable('sandbox_queries').set({ status: 'Running', updated_at: now() }).where('query_id', '=', queryId).where('status', '=', 'Scheduled').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Running to Complete with the results; false when the query was stopped meanwhile (its results are dropped). */
    async complete(queryId: string, results: SandboxQueryResults, eventsTruncated: boolean): Promise<boolean> {
      const r = await db
        .updateTable('sandbox_queries')
        .set({ status: 'Complete', results: JSON.stringify(results.results), statistics: JSON.stringify(results.statistics), events_truncated: eventsTruncated ? 1 : 0, updated_at: now() })
        .where('query_id', '=', queryId)
        .where('status', '=', 'Running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** A query that has not ended ends as `status` (Failed, Cancelled or Timeout); false when it had already ended. */
    async end(accountId: string, queryId: string, status: Exclude<SandboxQueryStatus, 'Scheduled' | 'Running' | 'Complete'>, failure?: string): Promise<boolean> {
      const r = await db
        .updateTable('sandbox_queries')
        .set({ status, failure: failure ?? null, updated_at: now() })
        .where('query_id', '=', queryId)
        .where('account_id', '=', accountId)
        .where('status', 'in', ACTIVE_STATUSES)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Deletes every query past its expiry, and all but the newest `keep` queries of the account. */
    async prune(accountId: string, keep: number, at: Date): Promise<void> {
      await db.deleteFrom('sandbox_queries').where('expires_at', '<', at.toISOString()).execute();
      const ids = await db
        .selectFrom('sandbox_queries')
        .select('query_id')
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'desc')
        .orderBy('query_id', 'desc')
        .execute();
      const old = ids.slice(keep).map((r) => r.query_id);
      if (old.length > 0) await db.deleteFrom('sandbox_queries').where('query_id', 'in', old).execute();
    },
  };
}
