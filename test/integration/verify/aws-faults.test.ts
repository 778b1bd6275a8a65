// Faults moto cannot produce, through aws-sdk-client-mock: AssumeRole refused, throttling, timeouts, one missing permission.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeQueriesCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { IAMClient, ListPoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checks } from '../../../labs/vpc-flow-logs/checks';
import { runCli } from '../../../server/cli';
import { AwsSessions } from '../../../server/verify/aws-session';
import { gatherSnapshot } from '../../../server/verify/gather';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { checkContext, loadSnapshot } from '../../helpers/snapshots';

const ROLE_ARN = 'arn:aws:iam::111111111111:role/VerilabVerifier';
const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const logs = mockClient(CloudWatchLogsClient);

function awsError(name: string, status: number, message = name) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
}

const credentials = { Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600_000) } };

/** An empty but readable account: every list answers with nothing. */
function emptyAccount() {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVpcPeeringConnectionsCommand).resolves({ VpcPeeringConnections: [] });
  ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', ResourceId: 'vpc-1', LogGroupName: 'g', LogDestinationType: 'cloud-watch-logs', TrafficType: 'ALL', FlowLogStatus: 'ACTIVE' }] });
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  logs.on(DescribeQueriesCommand).resolves({ queries: [] });
  logs.on(FilterLogEventsCommand).resolves({ events: [] });
  iam.on(ListRolesCommand).resolves({ Roles: [] });
  iam.on(ListPoliciesCommand).resolves({ Policies: [] });
}

/** Verilab's own keys, given explicitly: no test reads or changes process.env. A getter, because the SDK writes to the object. */
const keys = () => ({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' });

beforeEach(() => {
  sts.reset();
  ec2.reset();
  iam.reset();
  logs.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
});

describe('AssumeRole failures', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ VERILAB_MODE: 'aws', AWS_MAX_ATTEMPTS: '2', CHECK_RATE_LIMIT_SECONDS: '1' });
  });
  afterAll(() => ctx.close());

  it('connect, access denied: 422 naming the role, the trust policy account and the ExternalId; nothing stored', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 403, 'User is not authorized to perform: sts:AssumeRole'));
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    const token = await csrfToken(agent, '/connect');
    const res = await agent.post('/connect').type('form').send({ _csrf: token, roleArn: ROLE_ARN, region: 'us-east-1' }).expect(422);
    const externalId = (await ctx.store.connections.get(user.id))!.externalId;
    expect(res.text).toContain(`Verilab could not assume the role ${ROLE_ARN}.`);
    expect(res.text).toContain('trust policy allows Verilab&#39;s account (999999999999)');
    expect(res.text).toContain(`sts:ExternalId condition is ${externalId}`);
    expect(res.text).toContain(`value="${ROLE_ARN}"`);
    expect((await ctx.store.connections.get(user.id))!.roleArn).toBeNull();
    const call = sts.commandCalls(AssumeRoleCommand)[0].args[0].input;
    expect(call).toMatchObject({ RoleArn: ROLE_ARN, ExternalId: externalId, DurationSeconds: 3600 });
    expect(call.RoleSessionName).toMatch(/^verilab-[\w+=,.@-]+$/);
  });

  it('connect, region not enabled: 422 saying so (JSON)', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('RegionDisabledException', 403, 'STS is not activated in this region'));
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    const res = await agent.post('/connect').set('Accept', 'application/json').type('form').send({ _csrf: token, roleArn: ROLE_ARN, region: 'ap-east-1' }).expect(422);
    expect(res.body.error).toMatchObject({ code: 'REGION_DISABLED', message: 'AWS STS is not activated in that region for your account.' });
  });

  it('connect, assumed but the role cannot read: 422 naming the missing permission', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials);
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation', 403));
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    const res = await agent.post('/connect').type('form').send({ _csrf: token, roleArn: ROLE_ARN, region: 'us-east-1' }).expect(422);
    expect(res.text).toContain('could not read your VPCs in us-east-1: the role lacks ec2:DescribeVpcs');
  });

  it('check after the role was deleted: the step page explains, not a 500', async () => {
    const user = await makeUser(ctx.store);
    await ctx.store.connections.ensure(user.id, { mode: 'aws', region: 'us-east-1' });
    await ctx.store.connections.saveRole(user.id, { roleArn: ROLE_ARN, region: 'us-east-1', accountId: '111111111111', verifiedAt: new Date() });
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 403));
    const agent = await signedIn(ctx.app, user);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').type('form').send({ _csrf: token }).expect(422);
    expect(res.text).toContain('Verilab could not assume the role');
    expect(await ctx.store.progress.attempts(user.id, 'vpc-flow-logs')).toEqual([]);
  });

  it('AssumeRole throttled past the retries: 503 with a plain message, shown', async () => {
    const user = await makeUser(ctx.store);
    await ctx.store.connections.ensure(user.id, { mode: 'aws', region: 'us-east-1' });
    await ctx.store.connections.saveRole(user.id, { roleArn: 'arn:aws:iam::111111111111:role/Other', region: 'us-east-1', accountId: '111111111111', verifiedAt: new Date() });
    sts.on(AssumeRoleCommand).rejects(awsError('Throttling', 400, 'Rate exceeded'));
    const agent = await signedIn(ctx.app, user);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').set('Accept', 'application/json').type('form').send({ _csrf: token }).expect(503);
    expect(res.body.error.message).toBe('AWS is throttling requests right now. Wait a minute and check again.');
  });

  it('verilab verify: the role cannot be assumed, exit 2 with the reason', async () => {
    sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 403));
    const err: string[] = [];
    const code = await runCli(
      ['verify', '--lab', 'vpc-flow-logs', '--role-arn', ROLE_ARN, '--external-id', 'verilab-x1', '--region', 'us-east-1'],
      { out: () => undefined, err: (l) => err.push(l), readPassword: async () => '' },
      { AWS_ACCESS_KEY_ID: keys().accessKeyId, AWS_SECRET_ACCESS_KEY: keys().secretAccessKey },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toContain(`could not verify: Verilab could not assume the role ${ROLE_ARN}.`);
  });
});

describe('reads that fail', () => {
  async function clients() {
    sts.on(AssumeRoleCommand).resolves(credentials);
    return new AwsSessions({ timeoutMs: 2000, maxAttempts: 2, credentials: keys() }).forRole({ roleArn: ROLE_ARN, externalId: 'verilab-x1', region: 'us-east-1', sessionName: 't' });
  }

  it('the role lacks ec2:DescribeFlowLogs: those checks say "could not check" naming it; the others still run', async () => {
    emptyAccount();
    ec2.on(DescribeFlowLogsCommand).rejects(awsError('UnauthorizedOperation', 403, 'You are not authorized to perform this operation.'));
    const aws = await clients();
    const { snapshot } = await gatherSnapshot(aws, [...checks['iam-role'].needs, ...checks.vpcs.needs], { now: new Date() });
    expect(snapshot.flowLogs).toEqual({ ok: false, reason: 'the role lacks ec2:DescribeFlowLogs', permission: 'ec2:DescribeFlowLogs' });
    expect(snapshot.vpcs).toEqual({ ok: true, value: [] });
    // VPCs were readable, so the vpcs step fails for real (nothing built), not "unknown"
    expect(checks.vpcs.run(snapshot, checkContext()).checks.some((c) => c.ok === false)).toBe(true);

    // In an account where everything else is done, the flow-log lines cannot be judged: unknown, never failed.
    const done = { ...loadSnapshot('vpc-flow-logs/complete'), flowLogs: snapshot.flowLogs };
    const result = checks['iam-role'].run(done, checkContext());
    expect(result.passed).toBe(false);
    expect(result.checks.filter((c) => c.ok === false)).toEqual([]);
    const unknown = result.checks.filter((c) => c.ok === 'unknown');
    expect(unknown.length).toBeGreaterThan(0);
    for (const line of unknown) expect(line.detail).toContain('ec2:DescribeFlowLogs');
  });

  it('throttled: the part is unavailable with a plain reason, and the instance lines say so instead of failing', async () => {
    emptyAccount();
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 503, 'Request limit exceeded.'));
    const aws = await clients();
    const { snapshot } = await gatherSnapshot(aws, checks.instances.needs, { now: new Date() });
    expect(snapshot.instances).toEqual({ ok: false, reason: 'AWS throttled the request; check again in a minute' });
    const result = checks.instances.run({ ...loadSnapshot('vpc-flow-logs/complete'), instances: snapshot.instances }, checkContext());
    expect(result.checks.filter((c) => c.ok === false)).toEqual([]);
    expect(result.checks.filter((c) => c.ok === 'unknown').map((c) => c.detail)).toEqual(expect.arrayContaining([expect.stringContaining('throttled')]));
  });

  it('a call that times out: the part says AWS did not answer in time', async () => {
    emptyAccount();
    logs.on(DescribeLogGroupsCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    const aws = await clients();
    const { snapshot } = await gatherSnapshot(aws, ['logGroups'], { now: new Date() });
    expect(snapshot.logGroups).toEqual({ ok: false, reason: 'AWS did not answer in time; check again in a moment' });
  });
});

/** A local endpoint standing in for AWS: the real SDK stack (retries, timeouts) runs against it. */
async function fakeEndpoint(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: () => url,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('through the real SDK stack', () => {
  it('EC2 throttling: the SDK retries up to the configured attempts, then the part says AWS throttled', async () => {
    ec2.restore();
    let hits = 0;
    const { endpoint, close } = await fakeEndpoint((_req, res) => {
      hits += 1;
      res.writeHead(503, { 'Content-Type': 'text/xml' });
      res.end('<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r1</RequestID></Response>');
    });
    try {
      const sessions = new AwsSessions({ timeoutMs: 2000, maxAttempts: 3, credentials: keys(), endpoint });
      const ec2Client = new EC2Client(sessions.clientConfig('us-east-1'));
      const { snapshot } = await gatherSnapshot({ accountId: '111111111111', region: 'us-east-1', ec2: ec2Client, iam: new IAMClient({}), logs: new CloudWatchLogsClient({}) }, ['vpcs'], { now: new Date() });
      expect(snapshot.vpcs).toEqual({ ok: false, reason: 'AWS throttled the request; check again in a minute' });
      expect(hits).toBe(3);
    } finally {
      close();
    }
  }, 30_000);

  it('an endpoint that never answers: AssumeRole gives up after the per-call timeout with a clear 504 message', async () => {
    sts.restore();
    const { endpoint, close } = await fakeEndpoint(() => undefined);
    try {
      const sessions = new AwsSessions({ timeoutMs: 300, maxAttempts: 1, credentials: keys(), endpoint });
      const started = Date.now();
      const err = await sessions.forRole({ roleArn: ROLE_ARN, externalId: 'verilab-x1', region: 'us-east-1', sessionName: 't' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 504, code: 'AWS_TIMEOUT', message: 'AWS did not answer in time. Check again in a moment.' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      close();
    }
  });
});
