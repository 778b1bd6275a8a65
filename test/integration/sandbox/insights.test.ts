// Logs Insights in the sandbox: StartQuery, GetQueryResults, StopQuery and DescribeQueries through the signing proxy, with the real AWS CLI and the JS SDK, answered by Verilab's engine over events in moto.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeQueriesCommand,
  GetQueryResultsCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import express from 'express';
import { LAB_QUERY } from '../../../labs/vpc-flow-logs/lab-model';
import { parseFlowRecord } from '../../../server/labs/kit/flow-logs';
import { parseQuery, MalformedQueryError } from '../../../server/sandbox/insights';
import { insightsIntercept, SandboxInsights, type SandboxInsightsOptions } from '../../../server/sandbox/insights-api';
import { sandboxProxy, type SandboxKey } from '../../../server/sandbox/proxy';
import type { Store } from '../../../server/store';
import { silentLogger } from '../../helpers/app';
import { startMoto, type Moto } from '../../helpers/moto';
import { openTestStore } from '../../helpers/store';

// The real CLI starts a Python process per call, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const REGION = 'us-east-1';
const GROUP = '/verilab/vpc-flow-logs';

/** A learner's key in a new account: the store outlives moto's resets, so each test's queries are its own. */
function makeKey(userId: string): SandboxKey {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const accountId = String(100_000_000_000 + (randomBytes(5).readUIntBE(0, 5) % 899_999_999_999));
  const key = { accessKeyId: 'AKIA' + Array.from(randomBytes(16), (b) => alnum[b % alnum.length]).join(''), secretAccessKey: randomBytes(30).toString('base64'), accountId, userId };
  KEYS.set(key.accessKeyId, key);
  return key;
}

const KEYS = new Map<string, SandboxKey>();
let A: SandboxKey;
let B: SandboxKey;

let moto: Moto;
let store: Store;
let closeStore: () => Promise<void>;
const services: SandboxInsights[] = [];
const servers: http.Server[] = [];
let endpoint: string;
let insights: SandboxInsights;

/** A SandboxInsights over the test store and moto, behind its own proxy; returns both. */
async function startInsights(options: Partial<SandboxInsightsOptions> = {}): Promise<{ insights: SandboxInsights; endpoint: string }> {
  const service = new SandboxInsights({ store, motoUrl: () => moto.url, logger: silentLogger, ...options });
  services.push(service);
  const app = express();
  app.use('/sandbox/aws', sandboxProxy({ lookupKey: async (id) => KEYS.get(id), motoUrl: () => moto.url, logger: silentLogger, requestsPerSecond: 1000, intercepts: [insightsIntercept(service)] }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return { insights: service, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/aws` };
}

beforeAll(async () => {
  moto = await startMoto();
  ({ store, close: closeStore } = await openTestStore());
  ({ insights, endpoint } = await startInsights());
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await closeStore?.();
  await moto?.stop();
});
beforeEach(async () => {
  await insights.settled();
  await moto.reset();
  A = makeKey('learner-a');
  B = makeKey('learner-b');
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real AWS CLI with only the learner's key, region and endpoint. */
function aws(key: SandboxKey, args: string[], url = endpoint): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_DEFAULT_REGION: REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' });
  return new Promise((resolve) => {
    execFile('aws', [...args, '--endpoint-url', url, '--output', 'json'], { env, timeout: 100_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function awsJson<T>(key: SandboxKey, args: string[], url = endpoint): Promise<T> {
  const r = await aws(key, args, url);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function cliError(r: CliResult): { code: string; operation: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)/.exec(r.stderr);
  return m ? { code: m[1]!, operation: m[2]!, message: m[3]!.trim() } : undefined;
}

function logsClient(key: SandboxKey, url = endpoint): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ endpoint: url, region: REGION, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
}

const NOW = Math.floor(Date.now() / 1000);
/** Records start an hour ago, a minute apart per batch, inside the range every test queries. */
const FIRST = NOW - 3600;
const RANGE = { startTime: FIRST - 60, endTime: NOW };

/**
 * Flow records in the default format over 14 address pairs and two interfaces, with bytes chosen so that no two pairs
 * have the same sum (the top 10 has one right answer), plus NODATA records, which have no addresses or bytes.
 */
function flowLines(accountId: string): { eni: string; line: string; start: number }[] {
  const out: { eni: string; line: string; start: number }[] = [];
  for (let pair = 0; pair < 14; pair++) {
    const eni = pair % 2 === 0 ? 'eni-0a1b2c3d4e5f60718' : 'eni-0f1e2d3c4b5a69788';
    const src = pair < 7 ? `10.1.0.${10 + pair}` : `198.51.100.${pair}`;
    const dst = pair % 3 === 0 ? '10.2.0.36' : `10.1.0.${100 + pair}`;
    for (let i = 0; i <= pair % 5; i++) {
      const start = FIRST + 60 * (pair + i);
      const bytes = 1000 * (pair + 1) + 7 * i + (pair * 13) % 11;
      out.push({ eni, line: `2 ${accountId} ${eni} ${src} ${dst} ${40000 + i} 443 6 ${1 + i} ${bytes} ${start} ${start + 60} ${pair % 4 === 0 ? 'REJECT' : 'ACCEPT'} OK`, start });
    }
  }
  out.push({ eni: 'eni-0a1b2c3d4e5f60718', line: `2 ${accountId} eni-0a1b2c3d4e5f60718 - - - - - - - ${FIRST + 1800} ${FIRST + 1860} - NODATA`, start: FIRST + 1800 });
  return out;
}

/** Puts the records into the group, one stream per interface, as VPC Flow Logs would; returns the lines. */
async function putFlowRecords(key: SandboxKey, group = GROUP): Promise<string[]> {
  const logs = logsClient(key);
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const lines = flowLines(key.accountId);
  for (const eni of new Set(lines.map((l) => l.eni))) {
    const stream = `${eni}-all`;
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const mine = lines.filter((l) => l.eni === eni).sort((x, y) => x.start - y.start);
    await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: mine.map((l) => ({ message: l.line, timestamp: l.start * 1000 })) }));
  }
  return lines.map((l) => l.line);
}

/** The top 10 computed over the raw records, without any query engine: [src dst, bytes], biggest first. */
function rawTop10(lines: string[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const line of lines) {
    const r = parseFlowRecord(line, 'any')!;
    if (r.bytes === null) continue;
    sums.set(`${r.srcAddr} ${r.dstAddr}`, (sums.get(`${r.srcAddr} ${r.dstAddr}`) ?? 0) + r.bytes);
  }
  const sorted = [...sums].sort((a, b) => b[1] - a[1]);
  // The fixture's promise: the top 10 has no tie at its edge.
  expect(new Set(sorted.slice(0, 11).map((s) => s[1])).size).toBe(11);
  return sorted.slice(0, 10);
}

function rows(results: { field?: string; value?: string }[][]): Record<string, string>[] {
  return results.map((row) => Object.fromEntries(row.map((f) => [f.field!, f.value!])));
}

async function cliResults(key: SandboxKey, queryId: string): Promise<{ status: string; results: { field: string; value: string }[][]; statistics: Record<string, number> }> {
  for (;;) {
    const out = await awsJson<{ status: string; results: { field: string; value: string }[][]; statistics: Record<string, number> }>(key, ['logs', 'get-query-results', '--query-id', queryId]);
    if (out.status !== 'Scheduled' && out.status !== 'Running') return out;
  }
}

async function sdkResults(logs: CloudWatchLogsClient, queryId: string): Promise<GetQueryResultsCommandOutput> {
  for (;;) {
    const out = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== 'Scheduled' && out.status !== 'Running') return out;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sandbox Logs Insights: the real AWS CLI through the proxy', () => {
  it("the lab's top-10 query: start-query then get-query-results gives the sums computed from the raw records, Complete, with statistics", async () => {
    const lines = await putFlowRecords(A);

    const started = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', LAB_QUERY]);
    const out = await cliResults(A, started.queryId);

    expect(started.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.status).toBe('Complete');
    expect(rows(out.results).map((r) => [`${r.srcAddr} ${r.dstAddr}`, Number(r.bytesTransferred)])).toEqual(rawTop10(lines));
    expect(out.results[0]!.map((f) => f.field)).toEqual(['srcAddr', 'dstAddr', 'bytesTransferred']);
    expect(out.statistics).toEqual({ recordsMatched: lines.length, recordsScanned: lines.length, bytesScanned: lines.join('').length });
  });

  it('a query without stats: each row ends with an @ptr, newest first, and --limit caps the rows', async () => {
    await putFlowRecords(A);

    const started = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', 'fields @timestamp, srcAddr, bytes | filter ispresent(bytes)', '--limit', '3']);
    const out = await cliResults(A, started.queryId);

    expect(out.results).toHaveLength(3);
    expect(out.results.map((r) => r.map((f) => f.field))).toEqual(Array(3).fill(['@timestamp', 'srcAddr', 'bytes', '@ptr']));
    const times = rows(out.results).map((r) => r['@timestamp']!);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('a malformed query: MalformedQueryException at start-query, naming the line and position; nothing is stored', async () => {
    await putFlowRecords(A);

    const r = await aws(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', 'stats sum(bytes) by | sort 1']);

    expect(r.code).not.toBe(0);
    expect(cliError(r)).toMatchObject({ code: 'MalformedQueryException', operation: 'StartQuery', message: expect.stringMatching(/at line 1 and position \d+/) });
    expect((await awsJson<{ queries: unknown[] }>(A, ['logs', 'describe-queries'])).queries).toEqual([]);
  });

  it('an unknown log group: ResourceNotFoundException at start-query, naming the group and the account', async () => {
    const r = await aws(A, ['logs', 'start-query', '--log-group-name', 'no-such-group', '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', LAB_QUERY]);

    expect(cliError(r)).toEqual({ code: 'ResourceNotFoundException', operation: 'StartQuery', message: `Log group 'no-such-group' does not exist for account ID '${A.accountId}'.` });
  });

  it('describe-queries: lists the query with its id, text, status, createTime in ms and group, newest first; filters by group and status', async () => {
    await putFlowRecords(A);
    await putFlowRecords(A, 'other-group');
    const before = Date.now();
    const first = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', LAB_QUERY]);
    await cliResults(A, first.queryId);
    const second = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-names', 'other-group', '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', 'fields @message']);
    await cliResults(A, second.queryId);

    const all = await awsJson<{ queries: Record<string, unknown>[] }>(A, ['logs', 'describe-queries']);
    const onGroup = await awsJson<{ queries: Record<string, unknown>[] }>(A, ['logs', 'describe-queries', '--log-group-name', GROUP]);
    const running = await awsJson<{ queries: Record<string, unknown>[] }>(A, ['logs', 'describe-queries', '--status', 'Running']);

    expect(all.queries.map((q) => q.queryId)).toEqual([second.queryId, first.queryId]);
    expect(onGroup.queries).toEqual([expect.objectContaining({ queryId: first.queryId, queryString: LAB_QUERY, status: 'Complete', logGroupName: GROUP, createTime: expect.any(Number) })]);
    expect(onGroup.queries[0]!.createTime as number).toBeGreaterThanOrEqual(before - 1000);
    expect(onGroup.queries[0]!.createTime as number).toBeLessThanOrEqual(Date.now());
    expect(running.queries).toEqual([]);
  });

  it("another account: get-query-results, stop-query and describe-queries never see this account's query", async () => {
    await putFlowRecords(A);
    const { queryId } = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', LAB_QUERY]);
    await cliResults(A, queryId);

    const results = await aws(B, ['logs', 'get-query-results', '--query-id', queryId]);
    const stop = await aws(B, ['logs', 'stop-query', '--query-id', queryId]);
    const listed = await awsJson<{ queries: unknown[] }>(B, ['logs', 'describe-queries']);

    expect(cliError(results)?.code).toBe('ResourceNotFoundException');
    expect(cliError(stop)?.code).toBe('ResourceNotFoundException');
    expect(listed.queries).toEqual([]);
    expect((await cliResults(A, queryId)).status).toBe('Complete');
  });

  it('stop-query: a Scheduled query becomes Cancelled with no results; stopping it again is InvalidParameterException', async () => {
    // A service with no free slot keeps its queries Scheduled, so the stop always finds the query still waiting.
    const paused = await startInsights({ maxRunning: 0 });
    await putFlowRecords(A);
    const { queryId } = await awsJson<{ queryId: string }>(A, ['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(RANGE.startTime), '--end-time', String(RANGE.endTime), '--query-string', LAB_QUERY], paused.endpoint);
    const waiting = await awsJson<{ status: string }>(A, ['logs', 'get-query-results', '--query-id', queryId], paused.endpoint);

    const stopped = await awsJson<{ success: boolean }>(A, ['logs', 'stop-query', '--query-id', queryId], paused.endpoint);
    const after = await awsJson<{ status: string; results: unknown[] }>(A, ['logs', 'get-query-results', '--query-id', queryId], paused.endpoint);
    const again = await aws(A, ['logs', 'stop-query', '--query-id', queryId], paused.endpoint);

    expect(waiting.status).toBe('Scheduled');
    expect(stopped).toEqual({ success: true });
    expect(after).toMatchObject({ status: 'Cancelled', results: [] });
    expect(cliError(again)).toMatchObject({ code: 'InvalidParameterException', message: expect.stringContaining('Cancelled') });
    // The store is the one source of truth: the other process's service sees the same status.
    expect((await insights.describeQueries({ accountId: A.accountId, region: REGION }, {})).queries).toEqual([expect.objectContaining({ queryId, status: 'Cancelled' })]);
  });
});

/** A door in front of moto that holds FilterLogEvents calls until opened: a query caught while it reads its events. */
async function heldMoto(): Promise<{ url: string; held: () => number; open: () => void }> {
  let waiting: (() => void)[] = [];
  let opened = false;
  const door = http.createServer((req, res) => {
    const pass = () => {
      const upstream = http.request(`${moto.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    };
    if (!opened && String(req.headers['x-amz-target']).endsWith('.FilterLogEvents')) waiting.push(pass);
    else pass();
  });
  await new Promise<void>((resolve) => door.listen(0, '127.0.0.1', resolve));
  servers.push(door);
  return {
    url: `http://127.0.0.1:${(door.address() as AddressInfo).port}`,
    held: () => waiting.length,
    open() {
      opened = true;
      for (const pass of waiting) pass();
      waiting = [];
    },
  };
}

describe('sandbox Logs Insights: status', () => {
  it('Scheduled when stored, Running while its events are read, Complete after, with DescribeQueries saying the same', async () => {
    const door = await heldMoto();
    // One slot: the second query waits, Scheduled, behind the first.
    const held = await startInsights({ motoUrl: () => door.url, maxRunning: 1 });
    await putFlowRecords(A);
    const logs = logsClient(A, held.endpoint);
    const place = { accountId: A.accountId, region: REGION };
    const status = async (queryId: string) => (await logs.send(new GetQueryResultsCommand({ queryId }))).status;

    const first = (await logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: LAB_QUERY }))).queryId!;
    const second = (await logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: 'stats count(*)' }))).queryId!;
    while (door.held() === 0) await new Promise((r) => setTimeout(r, 10));
    const during = [await status(first), await status(second)];
    const listed = (await held.insights.describeQueries(place, {})).queries.map((q) => [q.queryId, q.status]);
    door.open();
    await held.insights.settled();

    expect(during).toEqual(['Running', 'Scheduled']);
    expect(listed).toEqual([
      [second, 'Scheduled'],
      [first, 'Running'],
    ]);
    expect([await status(first), await status(second)]).toEqual(['Complete', 'Complete']);
  });

  it('Failed when its events cannot be read (the group was deleted while the query waited to read them)', async () => {
    const door = await heldMoto();
    const held = await startInsights({ motoUrl: () => door.url });
    await putFlowRecords(A);
    const logs = logsClient(A, held.endpoint);

    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: LAB_QUERY }));
    while (door.held() === 0) await new Promise((r) => setTimeout(r, 10));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: GROUP }));
    door.open();
    await held.insights.settled(queryId);

    expect(await logs.send(new GetQueryResultsCommand({ queryId }))).toMatchObject({ status: 'Failed', results: [] });
  });
});

describe('sandbox Logs Insights: the JS SDK v3 through the proxy', () => {
  it("the lab's top-10 query: the same answer as the raw records, and as the CLI gets", async () => {
    const lines = await putFlowRecords(A);
    const logs = logsClient(A);

    const { queryId } = await logs.send(new StartQueryCommand({ logGroupIdentifiers: [`arn:aws:logs:${REGION}:${A.accountId}:log-group:${GROUP}:*`], ...RANGE, queryString: LAB_QUERY }));
    const out = await sdkResults(logs, queryId!);

    expect(out.status).toBe('Complete');
    expect(rows(out.results!).map((r) => [`${r.srcAddr} ${r.dstAddr}`, Number(r.bytesTransferred)])).toEqual(rawTop10(lines));
    expect((await cliResults(A, queryId!)).results).toEqual(out.results);
  });

  it('a malformed query: MalformedQueryException whose queryCompileError has the location the parser gives', async () => {
    await putFlowRecords(A);
    const queryString = 'fields srcAddr\n| filter bytes >\n| limit 5';
    let expected: MalformedQueryError | undefined;
    try {
      parseQuery(queryString);
    } catch (err) {
      expected = err as MalformedQueryError;
    }

    const err = await logsClient(A)
      .send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString }))
      .then(() => undefined, (e: unknown) => e);

    expect(expected).toBeInstanceOf(MalformedQueryError);
    expect(err).toMatchObject({
      name: 'MalformedQueryException',
      $metadata: { httpStatusCode: 400 },
      queryCompileError: {
        location: { startCharOffset: expected!.location.start, endCharOffset: expected!.location.end },
        message: expected!.message,
      },
    });
    expect(expected!.message).toContain('at line 3 and position 1');
  });

  it('bad parameters: missing times, inverted times and a limit out of range are InvalidParameterException; another account\'s group ARN is not found', async () => {
    await putFlowRecords(A);
    const logs = logsClient(A);
    const attempt = (input: Record<string, unknown>) =>
      logs.send(new StartQueryCommand({ logGroupName: GROUP, queryString: LAB_QUERY, ...input } as never)).then(
        () => undefined,
        (e: { name: string; message: string }) => ({ name: e.name, message: e.message }),
      );

    expect(await attempt({ endTime: RANGE.endTime })).toEqual({ name: 'InvalidParameterException', message: expect.stringContaining("at 'startTime'") });
    expect(await attempt({ startTime: RANGE.endTime, endTime: RANGE.startTime })).toEqual({ name: 'InvalidParameterException', message: expect.stringContaining('before startTime') });
    expect(await attempt({ ...RANGE, limit: 10_001 })).toEqual({ name: 'InvalidParameterException', message: expect.stringContaining("at 'limit'") });
    expect(await attempt({ ...RANGE, logGroupName: undefined, logGroupIdentifiers: [`arn:aws:logs:${REGION}:${B.accountId}:log-group:${GROUP}`] })).toEqual({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('not in this account'),
    });
    expect(await attempt({ ...RANGE, logGroupNames: [GROUP] })).toEqual({ name: 'InvalidParameterException', message: expect.stringContaining('Exactly one of') });
  });

  it('GetQueryResults of an unknown id: ResourceNotFoundException', async () => {
    await expect(logsClient(A).send(new GetQueryResultsCommand({ queryId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('DescribeQueries pages with maxResults and nextToken, newest first, each query once', async () => {
    await putFlowRecords(A);
    const logs = logsClient(A);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: `fields @message | limit ${i + 1}` }));
      await sdkResults(logs, queryId!);
      ids.push(queryId!);
    }

    const first = await logs.send(new DescribeQueriesCommand({ logGroupName: GROUP, maxResults: 2 }));
    const second = await logs.send(new DescribeQueriesCommand({ logGroupName: GROUP, maxResults: 2, nextToken: first.nextToken }));

    expect(first.queries?.map((q) => q.queryId)).toEqual([ids[2], ids[1]]);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(second.queries?.map((q) => q.queryId)).toEqual([ids[0]]);
    expect(second.nextToken).toBeUndefined();
  });

  it('concurrency: past the account limit StartQuery is LimitExceededException; another account is not affected', async () => {
    const paused = await startInsights({ maxRunning: 0, maxActivePerAccount: 2 });
    await putFlowRecords(A);
    await putFlowRecords(B);
    const a = logsClient(A, paused.endpoint);
    const start = (logs: CloudWatchLogsClient) => logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: LAB_QUERY }));

    const ids = [(await start(a)).queryId!, (await start(a)).queryId!];
    await expect(start(a)).rejects.toMatchObject({ name: 'LimitExceededException', message: expect.stringContaining('[2]') });
    expect((await start(logsClient(B, paused.endpoint))).queryId).toEqual(expect.any(String));
    // Stopping one frees its place.
    await a.send(new StopQueryCommand({ queryId: ids[0] }));
    expect((await start(a)).queryId).toEqual(expect.any(String));
  });

  it('the bound on events read: a query past it runs on the first events and says so in the log; its statistics count what was read', async () => {
    const lines: string[] = [];
    const logger = silentLogger.child({});
    const warn = jest.spyOn(logger, 'warn');
    const bounded = await startInsights({ maxEventsPerQuery: 10, logger });
    lines.push(...(await putFlowRecords(A)));
    const logs = logsClient(A, bounded.endpoint);

    const { queryId } = await logs.send(new StartQueryCommand({ logGroupName: GROUP, ...RANGE, queryString: 'stats count(*) as n' }));
    const out = await sdkResults(logs, queryId!);

    expect(lines.length).toBeGreaterThan(10);
    expect(out.status).toBe('Complete');
    expect(rows(out.results!)).toEqual([{ n: '10' }]);
    expect(out.statistics).toMatchObject({ recordsScanned: 10 });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ queryId, eventsRead: 10 }), expect.stringContaining('only the first 10 events'));
  });
});
