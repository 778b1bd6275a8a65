// One source of truth for Logs Insights in sandbox mode: what the learner runs through the proxy is what the verifier's clients and the lab's solution code see, and the other way round.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, DescribeQueriesCommand, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import express from 'express';
import { LAB_QUERY } from '../../../labs/vpc-flow-logs/lab-model';
import { withSandboxInsights } from '../../../server/sandbox/insights-api';
import { startSandbox, type RunningSandbox } from '../../../server/sandbox';
import { VERILAB_SANDBOX_CREDENTIALS } from '../../../server/sandbox/keys';
import { inMotoAccount } from '../../../server/sandbox/moto-process';
import type { SandboxCredentials } from '../../../server/sandbox/sandbox';
import type { Store } from '../../../server/store';
import type { User } from '../../../server/store/users';
import { gatherSnapshot } from '../../../server/verify/gather';
import { labs, makeUser, silentLogger, testConfig, TEST_SECRET } from '../../helpers/app';
import { startMoto, type Moto } from '../../helpers/moto';
import { awsCli } from '../../helpers/sandbox';
import { openTestStore } from '../../helpers/store';

// Preparing a sandbox account deploys the verifier stack, and the real CLI takes a second or more per call.
jest.setTimeout(180_000);

const GROUP = '/verilab/vpc-flow-logs';

let moto: Moto;
let store: Store;
let closeStore: () => Promise<void>;
let dataDir: string;
let sandbox: RunningSandbox;
let server: http.Server;
let user: User;
let learner: SandboxCredentials;

beforeAll(async () => {
  moto = await startMoto();
  ({ store, close: closeStore } = await openTestStore());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-insights-'));
  // The proxy is served first: the learner's endpoint (PUBLIC_URL) needs its port.
  const late: { app?: express.Express } = {};
  server = http.createServer((req, res) => late.app!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testConfig({ VERILAB_MODE: 'sandbox', SANDBOX_MOTO_URL: moto.url, DATA_DIR: dataDir, PUBLIC_URL: url, SANDBOX_REQUESTS_PER_SECOND: '1000' });
  sandbox = await startSandbox({ config, store, labs: labs('sandbox'), sessionSecret: TEST_SECRET, logger: silentLogger, authenticate: async () => undefined });
  const app = express();
  app.use('/sandbox/aws', sandbox.proxy);
  late.app = app;
});
afterAll(async () => {
  await sandbox?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await closeStore?.();
  await moto?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  user = await makeUser(store);
  learner = await sandbox.accounts.credentials(user.id);
});

async function cli<T>(args: string[]): Promise<T> {
  const r = await awsCli(learner, [...args, '--output', 'json']);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T;
}

/** The learner's VPC A with a flow log to the lab's group, and a few flow records in it, all with the CLI. */
async function labGroupWithRecords(): Promise<void> {
  const vpc = await cli<{ Vpc: { VpcId: string } }>(['ec2', 'create-vpc', '--cidr-block', '10.1.0.0/16']);
  await cli(['logs', 'create-log-group', '--log-group-name', GROUP]);
  await cli([
    'ec2', 'create-flow-logs', '--resource-type', 'VPC', '--resource-ids', vpc.Vpc.VpcId, '--traffic-type', 'ALL',
    '--log-group-name', GROUP, '--deliver-logs-permission-arn', `arn:aws:iam::${learner.accountId}:role/flow-logs-role`,
  ]);
  await cli(['logs', 'create-log-stream', '--log-group-name', GROUP, '--log-stream-name', 'eni-0a1b2c3d4e5f60718-all']);
  const start = Math.floor(Date.now() / 1000) - 600;
  const events = [
    { timestamp: start * 1000, message: `2 ${learner.accountId} eni-0a1b2c3d4e5f60718 10.1.0.4 10.2.0.36 0 0 1 5 420 ${start} ${start + 60} REJECT OK` },
    { timestamp: (start + 60) * 1000, message: `2 ${learner.accountId} eni-0a1b2c3d4e5f60718 10.1.0.4 10.2.0.36 0 0 1 4 336 ${start + 60} ${start + 120} ACCEPT OK` },
    { timestamp: (start + 60) * 1000, message: `2 ${learner.accountId} eni-0a1b2c3d4e5f60718 10.2.0.36 10.1.0.4 0 0 1 4 336 ${start + 60} ${start + 120} ACCEPT OK` },
  ];
  await cli(['logs', 'put-log-events', '--log-group-name', GROUP, '--log-stream-name', 'eni-0a1b2c3d4e5f60718-all', '--log-events', JSON.stringify(events)]);
}

const range = () => ({ startTime: Math.floor(Date.now() / 1000) - 3600, endTime: Math.floor(Date.now() / 1000) });

/** Clients as the verification engine gets them: the sandbox's account source, then Verilab's AWS sessions. */
async function verifierClients() {
  return sandbox.aws.forRole(await sandbox.accounts.accounts().roleFor(user));
}

describe('sandbox Logs Insights: one source of truth', () => {
  it("a query the learner starts with the CLI: the verifier's gatherer lists it, Complete, on the flow log's group", async () => {
    await labGroupWithRecords();
    const { startTime, endTime } = range();
    const { queryId } = await cli<{ queryId: string }>(['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(startTime), '--end-time', String(endTime), '--query-string', LAB_QUERY]);
    await sandbox.insights.settled(queryId);

    const { snapshot } = await gatherSnapshot(await verifierClients(), ['insightsQueries'], { now: new Date() });

    expect(snapshot.insightsQueries).toEqual({ ok: true, value: [expect.objectContaining({ queryId, queryString: LAB_QUERY, status: 'Complete', logGroupName: GROUP, createTime: expect.any(Number) })] });
  });

  it("the verifier's own logs client and the learner's CLI read the same results; moto's own query list knows nothing of it", async () => {
    await labGroupWithRecords();
    const { startTime, endTime } = range();
    const { queryId } = await cli<{ queryId: string }>(['logs', 'start-query', '--log-group-name', GROUP, '--start-time', String(startTime), '--end-time', String(endTime), '--query-string', LAB_QUERY]);
    await sandbox.insights.settled(queryId);
    const plainMoto = inMotoAccount(new CloudWatchLogsClient({ region: learner.region, endpoint: moto.url, credentials: VERILAB_SANDBOX_CREDENTIALS }), learner.accountId);

    const viaVerifier = await (await verifierClients()).logs.send(new GetQueryResultsCommand({ queryId }));
    const viaCli = await cli<{ results: unknown[]; status: string }>(['logs', 'get-query-results', '--query-id', queryId]);
    const inMoto = await plainMoto.send(new DescribeQueriesCommand({ logGroupName: GROUP }));

    expect(viaVerifier.status).toBe('Complete');
    expect(viaCli.results).toEqual(viaVerifier.results);
    expect(viaVerifier.results).toEqual([
      [
        { field: 'srcAddr', value: '10.1.0.4' },
        { field: 'dstAddr', value: '10.2.0.36' },
        { field: 'bytesTransferred', value: '756' },
      ],
      [
        { field: 'srcAddr', value: '10.2.0.36' },
        { field: 'dstAddr', value: '10.1.0.4' },
        { field: 'bytesTransferred', value: '336' },
      ],
    ]);
    expect(inMoto.queries ?? []).toEqual([]);
  });

  it('a query started by solution code (a moto client placed in the account, with withSandboxInsights): the learner sees it with the CLI', async () => {
    await labGroupWithRecords();
    const solution = withSandboxInsights(
      inMotoAccount(new CloudWatchLogsClient({ region: learner.region, endpoint: moto.url, credentials: VERILAB_SANDBOX_CREDENTIALS }), learner.accountId),
      sandbox.insights,
      learner.accountId,
    );

    const { queryId } = await solution.send(new StartQueryCommand({ logGroupName: GROUP, ...range(), queryString: LAB_QUERY }));
    await sandbox.insights.settled(queryId!);
    const listed = await cli<{ queries: { queryId: string; status: string }[] }>(['logs', 'describe-queries', '--log-group-name', GROUP]);

    expect(listed.queries).toEqual([expect.objectContaining({ queryId, status: 'Complete' })]);
  });
});
