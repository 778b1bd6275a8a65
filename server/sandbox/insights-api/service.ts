// Logs Insights for sandbox accounts: StartQuery, GetQueryResults, StopQuery and DescribeQueries answered by Verilab's own engine over events read from moto, with the queries kept in the store.
import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { Logger } from 'pino';
import type { Store } from '../../store';
import type { SandboxQueryRow } from '../../store/sandbox-queries';
import { runQuery, type InsightsEvent } from '../insights';
import { VERILAB_SANDBOX_CREDENTIALS } from '../keys';
import { inMotoAccount } from '../moto-process';
import { INSIGHTS_MESSAGES as M, InsightsApiError, insightsErrors } from './errors';
import { readDescribeQueries, readQueryId, readStartQuery, type Place, type QueryStatus, type StartQueryRequest } from './requests';

export const INSIGHTS_ACTIONS = ['StartQuery', 'GetQueryResults', 'StopQuery', 'DescribeQueries'] as const;
export type InsightsAction = (typeof INSIGHTS_ACTIONS)[number];

export interface SandboxInsightsOptions {
  store: Store;
  /** moto's base URL; throws (an AppError 503) while moto is down. */
  motoUrl: () => string;
  logger: Logger;
  now?: () => number;
  /** Events one query reads at most, over all its groups; past it the query runs on what was read and says so in the log. */
  maxEventsPerQuery?: number;
  /** Queries of one account that may be Scheduled or Running at once (AWS allows 30 per account; the sandbox shares one machine). */
  maxActivePerAccount?: number;
  /** Queries this process runs at once; the others wait, Scheduled. */
  maxRunning?: number;
  /** How long a query may take from StartQuery on; past it the query ends as Timeout. */
  timeoutMs?: number;
  /** How long queries and their results are kept (AWS keeps results for 7 days). */
  retentionMs?: number;
  /** Queries kept per account; older ones are deleted first. */
  keepPerAccount?: number;
}

export const DEFAULT_MAX_EVENTS = 200_000;
const DEFAULT_MAX_ACTIVE_PER_ACCOUNT = 10;
const DEFAULT_MAX_RUNNING = 2;
/** AWS's Logs Insights queries time out after 60 minutes; the sandbox's are small and should never need a fraction of that. */
const DEFAULT_TIMEOUT_MS = 15 * 60_000;
/** One day (AWS keeps results for 7): a lab session's queries outlive it, and the store stays small. */
export const DEFAULT_RETENTION_MS = 24 * 60 * 60_000;
const DEFAULT_KEEP_PER_ACCOUNT = 100;
/** A Scheduled or Running query this much past its timeout was left by a process that stopped: it is reported as Timeout. */
const ORPHAN_GRACE_MS = 60_000;
/** FilterLogEvents' largest page. */
const PAGE_SIZE = 10_000;
/** A run looks at the store for a StopQuery from another process every this many pages. */
const STOP_CHECK_PAGES = 5;

interface Job {
  queryId: string;
  place: Place;
  request: StartQueryRequest;
  deadline: number;
  abort: AbortController;
  done: Promise<void>;
  settle: () => void;
}

export interface QueryInfo {
  queryLanguage: 'CWLI';
  queryId: string;
  queryString: string;
  status: QueryStatus;
  /** Epoch milliseconds. */
  createTime: number;
  logGroupName: string;
}

const EMPTY_STATISTICS = { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 };

/** Why a run ended early: StopQuery (Cancelled), its time (Timeout), or Verilab stopping (Failed). */
class Stopped extends Error {
  constructor(readonly status: 'Cancelled' | 'Timeout' | 'Failed') {
    super(status);
  }
}

const SHUTDOWN = 'Verilab stopped before the query ended';

export class SandboxInsights {
  private readonly now: () => number;
  private readonly maxEvents: number;
  private readonly maxActive: number;
  private readonly maxRunning: number;
  private readonly timeoutMs: number;
  private readonly retentionMs: number;
  private readonly keep: number;
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running = 0;
  private stopping = false;

  constructor(private readonly options: SandboxInsightsOptions) {
    this.now = options.now ?? Date.now;
    this.maxEvents = options.maxEventsPerQuery ?? DEFAULT_MAX_EVENTS;
    this.maxActive = options.maxActivePerAccount ?? DEFAULT_MAX_ACTIVE_PER_ACCOUNT;
    this.maxRunning = options.maxRunning ?? DEFAULT_MAX_RUNNING;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.keep = options.keepPerAccount ?? DEFAULT_KEEP_PER_ACCOUNT;
  }

  /** One action with its input as the client sent it; resolves with AWS's output, rejects with an InsightsApiError. */
  call(action: InsightsAction, place: Place, input: unknown): Promise<object> {
    switch (action) {
      case 'StartQuery':
        return this.startQuery(place, input);
      case 'GetQueryResults':
        return this.getQueryResults(place, input);
      case 'StopQuery':
        return this.stopQuery(place, input);
      case 'DescribeQueries':
        return this.describeQueries(place, input);
    }
  }

  async startQuery(place: Place, input: unknown): Promise<{ queryId: string }> {
    const request = readStartQuery(input, place);
    if (this.stopping) throw insightsErrors.unavailable();
    await this.requireGroups(place, request.logGroupNames);
    const at = this.now();
    const { sandboxQueries } = this.options.store;
    await sandboxQueries.prune(place.accountId, this.keep - 1, new Date(at));
    if ((await sandboxQueries.countActive(place.accountId, new Date(at - this.timeoutMs - ORPHAN_GRACE_MS))) >= this.maxActive) {
      throw insightsErrors.limitExceeded(this.maxActive);
    }
    const queryId = randomUUID();
    await sandboxQueries.insert({
      queryId,
      accountId: place.accountId,
      region: place.region,
      queryString: request.queryString,
      logGroupNames: request.logGroupNames,
      startTime: request.startTime,
      endTime: request.endTime,
      limit: request.limit,
      createdAt: new Date(at),
      expiresAt: new Date(at + this.retentionMs),
    });
    this.schedule(queryId, place, request, at + this.timeoutMs);
    return { queryId };
  }

  async getQueryResults(place: Place, input: unknown) {
    const queryId = readQueryId(input);
    const found = await this.options.store.sandboxQueries.withResults(place.accountId, queryId);
    if (!found || found.query.region !== place.region) throw insightsErrors.notFound(M.QUERY_NOT_FOUND(queryId));
    const status = this.statusOf(found.query);
    // AWS shows partial results while a query runs; the sandbox's engine answers all at once, at Complete.
    const complete = status === 'Complete' && found.results;
    return {
      queryLanguage: 'CWLI',
      results: complete ? found.results!.results : [],
      statistics: complete ? found.results!.statistics : EMPTY_STATISTICS,
      status,
    };
  }

  async stopQuery(place: Place, input: unknown): Promise<{ success: boolean }> {
    const queryId = readQueryId(input);
    const { sandboxQueries } = this.options.store;
    const query = await sandboxQueries.get(place.accountId, queryId);
    if (!query || query.region !== place.region) throw insightsErrors.notFound(M.QUERY_NOT_FOUND(queryId));
    const status = this.statusOf(query);
    if ((status !== 'Scheduled' && status !== 'Running') || !(await sandboxQueries.end(place.accountId, queryId, 'Cancelled'))) {
      // Ended between the read and the update: say how.
      const latest = status === 'Scheduled' || status === 'Running' ? (await sandboxQueries.get(place.accountId, queryId))?.status : status;
      throw insightsErrors.invalid(M.NOT_RUNNING(queryId, latest ?? status));
    }
    // Another process's run of it notices the Cancelled status between pages and drops its results.
    const job = this.jobs.get(queryId);
    if (job && !this.unschedule(job)) job.abort.abort();
    return { success: true };
  }

  async describeQueries(place: Place, input: unknown): Promise<{ queries: QueryInfo[]; nextToken?: string }> {
    const request = readDescribeQueries(input);
    if (request.queryLanguage !== undefined && request.queryLanguage !== 'CWLI') return { queries: [] };
    const rows = await this.options.store.sandboxQueries.list(place.accountId, place.region);
    const infos = rows
      .filter((q) => request.logGroupName === undefined || q.logGroupNames.includes(request.logGroupName))
      .map((q): QueryInfo => ({
        queryLanguage: 'CWLI',
        queryId: q.queryId,
        queryString: q.queryString,
        status: this.statusOf(q),
        createTime: Date.parse(q.createdAt),
        // A query over several groups is listed under the group asked about, else its first.
        logGroupName: request.logGroupName ?? q.logGroupNames[0]!,
      }))
      .filter((q) => request.status === undefined || q.status === request.status);
    let from = 0;
    if (request.nextToken !== undefined) {
      const after = infos.findIndex((q) => pageToken(q) === request.nextToken);
      if (after < 0) throw insightsErrors.invalid(M.BAD_TOKEN);
      from = after + 1;
    }
    const page = infos.slice(from, from + request.maxResults);
    const more = from + page.length < infos.length;
    return { queries: page, ...(more ? { nextToken: pageToken(page[page.length - 1]!) } : {}) };
  }

  /** Settles when the given query (or every query this process runs) has ended; for tests and the self-test. */
  async settled(queryId?: string): Promise<void> {
    if (queryId !== undefined) return this.jobs.get(queryId)?.done;
    while (this.jobs.size > 0) await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  /** For shutdown: the queries this process has not finished end as Failed, and no new one starts. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const job of [...this.waiting]) {
      this.unschedule(job);
      await this.options.store.sandboxQueries.end(job.place.accountId, job.queryId, 'Failed', SHUTDOWN).catch(() => undefined);
    }
    for (const job of this.jobs.values()) job.abort.abort(SHUTDOWN);
    await this.settled();
  }

  /** The status as a client should see it: a query whose process stopped before it ended has timed out. */
  private statusOf(query: SandboxQueryRow): QueryStatus {
    const active = query.status === 'Scheduled' || query.status === 'Running';
    if (active && !this.jobs.has(query.queryId) && Date.parse(query.createdAt) + this.timeoutMs + ORPHAN_GRACE_MS < this.now()) return 'Timeout';
    return query.status;
  }

  /** ResourceNotFoundException at StartQuery for a group that does not exist, as AWS answers. */
  private async requireGroups(place: Place, names: string[]): Promise<void> {
    const logs = this.client(place);
    try {
      for (const name of names) {
        const page = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }));
        if (!(page.logGroups ?? []).some((g) => g.logGroupName === name)) throw insightsErrors.notFound(M.GROUP_NOT_FOUND(name, place.accountId));
      }
    } catch (err) {
      if (err instanceof InsightsApiError) throw err;
      this.options.logger.warn({ err, account: place.accountId }, 'sandbox insights: moto could not list log groups');
      throw insightsErrors.unavailable();
    } finally {
      logs.destroy();
    }
  }

  /** Verilab's own client for moto, placed in the account (the learner's key never reaches moto). */
  private client(place: Place): CloudWatchLogsClient {
    let endpoint: string;
    try {
      endpoint = this.options.motoUrl();
    } catch {
      throw insightsErrors.unavailable();
    }
    return inMotoAccount(new CloudWatchLogsClient({ region: place.region, endpoint, credentials: VERILAB_SANDBOX_CREDENTIALS, maxAttempts: 2 }), place.accountId);
  }

  private schedule(queryId: string, place: Place, request: StartQueryRequest, deadline: number): void {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const job: Job = { queryId, place, request, deadline, abort: new AbortController(), done, settle };
    this.jobs.set(queryId, job);
    this.waiting.push(job);
    this.pump();
  }

  /** Takes a job that has not started out of the queue; false when it is already running. */
  private unschedule(job: Job): boolean {
    const at = this.waiting.indexOf(job);
    if (at < 0) return false;
    this.waiting.splice(at, 1);
    this.jobs.delete(job.queryId);
    job.settle();
    return true;
  }

  private pump(): void {
    while (this.running < this.maxRunning && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.jobs.delete(job.queryId);
        job.settle();
        this.pump();
      });
    }
  }

  /** Scheduled until a slot is free, Running while the events are read and the query runs, then Complete. */
  private async run(job: Job): Promise<void> {
    const { store, logger } = this.options;
    const { queryId, place, request } = job;
    const log = { queryId, account: place.accountId, region: place.region };
    try {
      this.throwIfStopped(job);
      if (!(await store.sandboxQueries.markRunning(queryId))) return;
      const { events, truncated } = await this.readEvents(job);
      this.throwIfStopped(job);
      const answer = runQuery(request.query, events, { startTime: request.startTime, endTime: request.endTime }, { accountId: place.accountId });
      if (truncated) {
        logger.warn({ ...log, eventsRead: events.length }, `sandbox insights: the query read only the first ${this.maxEvents} events of its range; its results cover those`);
      }
      await store.sandboxQueries.complete(queryId, answer, truncated);
    } catch (err) {
      if (err instanceof Stopped) {
        await store.sandboxQueries.end(place.accountId, queryId, err.status, err.status === 'Failed' ? SHUTDOWN : undefined).catch(() => undefined);
        return;
      }
      logger.warn({ ...log, err }, 'sandbox insights: the query failed');
      await store.sandboxQueries.end(place.accountId, queryId, 'Failed', err instanceof Error ? err.message : String(err)).catch((e: unknown) => logger.error({ ...log, err: e }, 'sandbox insights: could not record a failed query'));
    }
  }

  private throwIfStopped(job: Job): void {
    if (job.abort.signal.aborted) throw new Stopped(job.abort.signal.reason === SHUTDOWN ? 'Failed' : 'Cancelled');
    if (this.now() > job.deadline) throw new Stopped('Timeout');
  }

  /** The events of the query's groups in its range, read page by page up to the bound. */
  private async readEvents(job: Job): Promise<{ events: InsightsEvent[]; truncated: boolean }> {
    const { request, place } = job;
    const logs = this.client(place);
    const events: InsightsEvent[] = [];
    let pages = 0;
    try {
      for (const [g, logGroupName] of request.logGroupNames.entries()) {
        let nextToken: string | undefined;
        do {
          // FilterLogEvents takes milliseconds and includes its endTime; the query's endTime second counts whole.
          const page = await logs.send(
            new FilterLogEventsCommand({ logGroupName, startTime: request.startTime * 1000, endTime: request.endTime * 1000 + 999, limit: Math.min(PAGE_SIZE, this.maxEvents - events.length), nextToken }),
            { abortSignal: job.abort.signal },
          );
          for (const e of page.events ?? []) events.push({ timestamp: e.timestamp ?? 0, message: e.message ?? '', logStreamName: e.logStreamName ?? '', logGroupName });
          nextToken = page.nextToken;
          this.throwIfStopped(job);
          if (events.length >= this.maxEvents) return { events, truncated: nextToken !== undefined || g < request.logGroupNames.length - 1 };
          if (++pages % STOP_CHECK_PAGES === 0 && (await this.options.store.sandboxQueries.get(place.accountId, job.queryId))?.status !== 'Running') {
            throw new Stopped('Cancelled');
          }
        } while (nextToken);
      }
      return { events, truncated: false };
    } catch (err) {
      this.throwIfStopped(job);
      throw err;
    } finally {
      logs.destroy();
    }
  }
}

/** DescribeQueries' nextToken: the last query id of the page, so a page boundary survives queries added meanwhile. */
function pageToken(q: QueryInfo): string {
  return Buffer.from(`${q.createTime}/${q.queryId}`).toString('base64url');
}
