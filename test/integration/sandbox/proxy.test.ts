// The sandbox SigV4 proxy against a real moto server, driven by the real AWS CLI (botocore) and by the JS SDK v3.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import express from 'express';
import pino from 'pino';
import { inMotoAccount } from '../../../server/sandbox/moto-process';
import { sandboxProxy, type ProxyOptions, type SandboxKey } from '../../../server/sandbox/proxy';
import { startMoto, type Moto } from '../../helpers/moto';

jest.setTimeout(120_000);

const REGION = 'us-east-1';

function makeKey(accountId: string, userId: string): SandboxKey {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const accessKeyId = 'AKIA' + Array.from(randomBytes(16), (b) => alnum[b % alnum.length]).join('');
  return { accessKeyId, secretAccessKey: randomBytes(30).toString('base64'), accountId, userId };
}

const A = makeKey('210987654321', 'learner-a');
const B = makeKey('310987654321', 'learner-b');
const KEYS = new Map([A, B].map((k) => [k.accessKeyId, k]));

let moto: Moto;
let clockOffsetMs = 0;
const logLines: string[] = [];
const servers: http.Server[] = [];

/** A minimal app with the proxy mounted where Verilab mounts it; returns its endpoint URL. */
async function startProxy(overrides: Partial<ProxyOptions> = {}): Promise<string> {
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const app = express();
  app.use('/sandbox/aws', sandboxProxy({ lookupKey: async (id) => KEYS.get(id), motoUrl: () => moto.url, logger, now: () => Date.now() + clockOffsetMs, ...overrides }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/aws`;
}

let endpoint: string;

beforeAll(async () => {
  moto = await startMoto();
  endpoint = await startProxy();
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await moto?.stop();
});
beforeEach(async () => {
  clockOffsetMs = 0;
  logLines.length = 0;
  await moto.reset();
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real AWS CLI with only these credentials: no profile, no config file, no endpoint from the environment. */
function aws(key: Pick<SandboxKey, 'accessKeyId' | 'secretAccessKey'>, args: string[], opts: { endpoint?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    ...opts.env,
  });
  return new Promise((resolve) => {
    execFile('aws', [...args, '--endpoint-url', opts.endpoint ?? endpoint, '--output', 'json'], { env, timeout: 50_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function awsJson<T = Record<string, unknown>>(key: SandboxKey, args: string[]): Promise<T> {
  const r = await aws(key, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The CLI's own rendering of an AWS error: "An error occurred (Code) when calling the Op operation: message". */
function cliError(r: CliResult): { code: string; operation: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)/.exec(r.stderr);
  return m ? { code: m[1]!, operation: m[2]!, message: m[3]!.trim() } : undefined;
}

async function vpcIds(key: SandboxKey): Promise<string[]> {
  const out = await awsJson<{ Vpcs: { VpcId: string; IsDefault: boolean }[] }>(key, ['ec2', 'describe-vpcs']);
  return out.Vpcs.filter((v) => !v.IsDefault).map((v) => v.VpcId);
}

async function createVpc(key: SandboxKey, cidr = '10.1.0.0/16'): Promise<string> {
  return (await awsJson<{ Vpc: { VpcId: string } }>(key, ['ec2', 'create-vpc', '--cidr-block', cidr])).Vpc.VpcId;
}

function sdkConfig(key: Pick<SandboxKey, 'accessKeyId' | 'secretAccessKey'>, url = endpoint) {
  return { endpoint: url, region: REGION, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 };
}

/** Signs a request with the SDK's signer, then lets the test change it before sending: what a tampering client would do. */
async function signedRequest(key: Pick<SandboxKey, 'accessKeyId' | 'secretAccessKey'>, service: string, body: string, url = endpoint) {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: key, region: REGION, service, sha256: Hash.bind(null, 'sha256') });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return (await signer.sign(request)) as HttpRequest;
}

async function send(request: HttpRequest, body = request.body as string, pathAndQuery = request.path): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`http://${request.headers.host}${pathAndQuery}`, { method: request.method, headers: { ...request.headers, 'content-length': String(Buffer.byteLength(body)) }, body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('sandbox proxy: the real AWS CLI', () => {
  it('sts get-caller-identity: answers each learner with their own account', async () => {
    const a = await awsJson<{ Account: string }>(A, ['sts', 'get-caller-identity']);
    const b = await awsJson<{ Account: string }>(B, ['sts', 'get-caller-identity']);
    expect([a.Account, b.Account]).toEqual(['210987654321', '310987654321']);
  });

  it('ec2 create-vpc then describe-vpcs: the VPC is in the creator\'s account only', async () => {
    const vpcId = await createVpc(A, '10.7.0.0/16');
    expect(await vpcIds(A)).toEqual([vpcId]);
    expect(await vpcIds(B)).toEqual([]);
  });

  it('logs create-log-group then describe-log-groups (JSON protocol): the group is listed', async () => {
    const created = await aws(A, ['logs', 'create-log-group', '--log-group-name', 'lab-flow-logs']);
    expect(created.code).toBe(0);
    const out = await awsJson<{ logGroups: { logGroupName: string; arn: string }[] }>(A, ['logs', 'describe-log-groups']);
    expect(out.logGroups.map((g) => g.logGroupName)).toEqual(['lab-flow-logs']);
    expect(out.logGroups[0]!.arn).toContain(':210987654321:');
  });

  it('logs one debug line per request with key, account, service, action and status, and never the secret or signature', async () => {
    await awsJson(A, ['sts', 'get-caller-identity']);
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'sandbox request');
    expect(lines).toEqual([expect.objectContaining({ accessKeyId: A.accessKeyId, accountId: A.accountId, service: 'sts', action: 'GetCallerIdentity', status: 200, ms: expect.any(Number) })]);
    const all = logLines.join('\n');
    expect(all).not.toContain(A.secretAccessKey);
    expect(all).not.toMatch(/Signature=|AWS4-HMAC-SHA256/);
  });
});

describe('sandbox proxy: the JS SDK v3', () => {
  it('STS and EC2 clients pointed at the proxy act in the learner\'s account', async () => {
    const sts = new STSClient(sdkConfig(B));
    const ec2 = new EC2Client(sdkConfig(B));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(B.accountId);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }));
    const seen = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.Vpc!.VpcId!] }));
    expect(seen.Vpcs?.map((v) => v.CidrBlock)).toEqual(['10.3.0.0/16']);
    expect(await vpcIds(A)).toEqual([]);
  });

  it('wrong secret: the SDK sees SignatureDoesNotMatch with status 403', async () => {
    const sts = new STSClient(sdkConfig({ accessKeyId: A.accessKeyId, secretAccessKey: B.secretAccessKey }));
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  it('x-moto-account-id naming the other learner: stripped, the call lands in the signer\'s own account', async () => {
    const bVpc = await createVpc(B, '10.5.0.0/16');
    const sts = inMotoAccount(new STSClient(sdkConfig(A)), B.accountId);
    const ec2 = inMotoAccount(new EC2Client(sdkConfig(A)), B.accountId);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(A.accountId);
    const vpcs = await ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs?.map((v) => v.VpcId)).not.toContain(bVpc);
    expect(await vpcIds(B)).toEqual([bVpc]);
  });
});

describe('sandbox proxy: refusals the CLI prints as AWS would', () => {
  it('wrong secret: SignatureDoesNotMatch for sts, AuthFailure for ec2', async () => {
    const forged = { accessKeyId: A.accessKeyId, secretAccessKey: B.secretAccessKey };
    const sts = await aws(forged, ['sts', 'get-caller-identity']);
    expect(sts.code).toBe(255);
    expect(cliError(sts)).toEqual({ code: 'SignatureDoesNotMatch', operation: 'GetCallerIdentity', message: expect.stringMatching(/^The request signature we calculated does not match/) });
    const ec2 = await aws(forged, ['ec2', 'create-vpc', '--cidr-block', '10.1.0.0/16']);
    expect(cliError(ec2)?.code).toBe('AuthFailure');
    expect(await vpcIds(A)).toEqual([]);
  });

  it('unknown key: InvalidClientTokenId for sts, UnrecognizedClientException for logs', async () => {
    const stranger = makeKey('999999999999', 'nobody');
    const sts = await aws(stranger, ['sts', 'get-caller-identity']);
    expect(cliError(sts)).toEqual({ code: 'InvalidClientTokenId', operation: 'GetCallerIdentity', message: 'The security token included in the request is invalid.' });
    const logs = await aws(stranger, ['logs', 'describe-log-groups']);
    expect(cliError(logs)).toEqual({ code: 'UnrecognizedClientException', operation: 'DescribeLogGroups', message: 'The security token included in the request is invalid.' });
  });

  it('clock 20 minutes off: sts says Signature expired, ec2 says RequestExpired, logs says InvalidSignatureException', async () => {
    clockOffsetMs = 20 * 60 * 1000;
    const sts = await aws(A, ['sts', 'get-caller-identity']);
    expect(cliError(sts)).toEqual({ code: 'SignatureDoesNotMatch', operation: 'GetCallerIdentity', message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than/) });
    const ec2 = await aws(A, ['ec2', 'describe-vpcs']);
    expect(cliError(ec2)).toEqual({ code: 'RequestExpired', operation: 'DescribeVpcs', message: 'Request has expired.' });
    clockOffsetMs = -20 * 60 * 1000;
    const logs = await aws(A, ['logs', 'describe-log-groups']);
    expect(cliError(logs)).toEqual({ code: 'InvalidSignatureException', operation: 'DescribeLogGroups', message: expect.stringMatching(/^Signature not yet current/) });
  });

  it('clock 10 minutes off: still within AWS\'s 15 minutes, accepted', async () => {
    clockOffsetMs = 10 * 60 * 1000;
    expect((await awsJson<{ Account: string }>(A, ['sts', 'get-caller-identity'])).Account).toBe(A.accountId);
  });

  it('service outside the list: s3api and sqs name the service and the ones offered', async () => {
    const s3 = await aws(A, ['s3api', 'list-buckets']);
    expect(cliError(s3)).toEqual({ code: 'UnsupportedOperation', operation: 'ListBuckets', message: 'The Verilab sandbox does not offer the s3 service. It offers: cloudformation, ec2, iam, logs, ssm, sts.' });
    const sqs = await aws(A, ['sqs', 'list-queues']);
    expect(cliError(sqs)?.code).toMatch(/^UnsupportedOperation(Exception)?$/);
    expect(cliError(sqs)?.message).toContain('does not offer the sqs service');
  });

  it('moto-api/reset through the proxy: 404, with or without a signature, and the learner\'s VPC survives', async () => {
    const vpcId = await createVpc(A);
    const unsigned = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    expect(unsigned.status).toBe(404);
    expect(await unsigned.text()).toContain('<Code>NotFound</Code>');
    const signed = await aws(A, ['sts', 'get-caller-identity'], { endpoint: `${endpoint}/moto-api/reset` });
    expect(cliError(signed)?.code).toBe('NotFound');
    expect(await vpcIds(A)).toEqual([vpcId]);
  });

  it('learner B deleting learner A\'s VPC by id: fails as not found, and A\'s VPC is still there', async () => {
    const vpcId = await createVpc(A);
    const r = await aws(B, ['ec2', 'delete-vpc', '--vpc-id', vpcId]);
    expect(cliError(r)?.code).toBe('InvalidVpcID.NotFound');
    expect(await vpcIds(A)).toEqual([vpcId]);
  });

  it('VPC peering with another learner\'s account: UnauthorizedOperation and no peering; within one\'s own account it works', async () => {
    const [a1, a2] = [await createVpc(A, '10.1.0.0/16'), await createVpc(A, '10.2.0.0/16')];
    const b1 = await createVpc(B, '10.9.0.0/16');
    const cross = await aws(A, ['ec2', 'create-vpc-peering-connection', '--vpc-id', a1, '--peer-vpc-id', b1, '--peer-owner-id', B.accountId]);
    expect(cliError(cross)).toEqual({ code: 'UnauthorizedOperation', operation: 'CreateVpcPeeringConnection', message: expect.stringContaining('310987654321') });
    const listed = async (key: SandboxKey) => (await awsJson<{ VpcPeeringConnections: { VpcPeeringConnectionId: string }[] }>(key, ['ec2', 'describe-vpc-peering-connections'])).VpcPeeringConnections;
    expect(await listed(A)).toEqual([]);
    expect(await listed(B)).toEqual([]);
    const own = await awsJson<{ VpcPeeringConnection: { AccepterVpcInfo: { VpcId: string; OwnerId: string } } }>(A, ['ec2', 'create-vpc-peering-connection', '--vpc-id', a1, '--peer-vpc-id', a2, '--peer-owner-id', A.accountId]);
    expect(own.VpcPeeringConnection.AccepterVpcInfo).toMatchObject({ VpcId: a2, OwnerId: A.accountId });
  });

  it('peering params smuggled into the query string of a signed GET: still refused', async () => {
    const vpcId = await createVpc(A);
    const u = new URL(endpoint);
    const signer = new SignatureV4({ credentials: A, region: REGION, service: 'ec2', sha256: Hash.bind(null, 'sha256') });
    const request = (await signer.sign(
      new HttpRequest({ method: 'GET', protocol: 'http:', hostname: u.hostname, path: u.pathname, query: { Action: 'CreateVpcPeeringConnection', Version: '2016-11-15', VpcId: vpcId, PeerVpcId: vpcId, PeerOwnerId: B.accountId }, headers: { host: u.host } }),
    )) as HttpRequest;
    const qs = new URLSearchParams(request.query as Record<string, string>).toString();
    const res = await fetch(`${endpoint}?${qs}`, { headers: request.headers });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Response><Errors><Error><Code>UnauthorizedOperation<\/Code>/);
  });

  it('AssumeRole of a role in another account: AccessDenied; a role in one\'s own account is assumed', async () => {
    const cross = await aws(A, ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${B.accountId}:role/Admin`, '--role-session-name', 'lab']);
    expect(cliError(cross)).toEqual({ code: 'AccessDenied', operation: 'AssumeRole', message: expect.stringContaining(`arn:aws:iam::${B.accountId}:role/Admin`) });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A.accountId}:root` }, Action: 'sts:AssumeRole' }] });
    await awsJson(A, ['iam', 'create-role', '--role-name', 'Own', '--assume-role-policy-document', trust]);
    const own = await awsJson<{ AssumedRoleUser: { Arn: string } }>(A, ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A.accountId}:role/Own`, '--role-session-name', 'lab']);
    expect(own.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${A.accountId}:assumed-role/Own/lab`);
  });

  it('body over maxBodyBytes: the CLI prints RequestEntityTooLarge (413) and no stack is created', async () => {
    const small = await startProxy({ maxBodyBytes: 10_000 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-test-'));
    const template = path.join(dir, 'big.json');
    writeFileSync(template, JSON.stringify({ Description: 'x'.repeat(20_000), Resources: { V: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.4.0.0/16' } } } }));
    const r = await aws(A, ['cloudformation', 'create-stack', '--stack-name', 'big', '--template-body', `file://${template}`], { endpoint: small });
    expect(cliError(r)).toEqual({ code: 'RequestEntityTooLarge', operation: 'CreateStack', message: 'The request body is larger than the sandbox limit of 10000 bytes.' });
    expect(await vpcIds(A)).toEqual([]);
  });

  it('body over 2 MiB streamed without a length (default limit): 413 in the ec2 XML shape', async () => {
    const u = new URL(endpoint);
    const status = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `AWS4-HMAC-SHA256 Credential=${A.accessKeyId}/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 'a');
      for (let i = 0; i < 12; i++) req.write(chunk);
      req.end();
    });
    expect(status.status).toBe(413);
    expect(status.text).toContain('<Code>RequestEntityTooLarge</Code>');
  });

  it('over the per-key rate: Throttling for sts, RequestLimitExceeded for ec2, ThrottlingException for logs; the other key is unaffected', async () => {
    const frozen = Date.now();
    const limited = await startProxy({ requestsPerSecond: 1, now: () => frozen });
    const once = { endpoint: limited, env: { AWS_MAX_ATTEMPTS: '1' } };
    expect((await aws(A, ['sts', 'get-caller-identity'], once)).code).toBe(0);
    expect((await aws(A, ['sts', 'get-caller-identity'], once)).code).toBe(0);
    expect(cliError(await aws(A, ['sts', 'get-caller-identity'], once))).toEqual({ code: 'Throttling', operation: 'GetCallerIdentity', message: 'Rate exceeded' });
    expect(cliError(await aws(A, ['ec2', 'describe-vpcs'], once))?.code).toBe('RequestLimitExceeded');
    expect(cliError(await aws(A, ['logs', 'describe-log-groups'], once))?.code).toBe('ThrottlingException');
    expect((await aws(B, ['sts', 'get-caller-identity'], once)).code).toBe(0);
    // botocore's own retry logic recognises each code as retryable throttling, as it would on AWS.
    const retried = await aws(A, ['ec2', 'describe-vpcs', '--debug'], { endpoint: limited, env: { AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'standard' } });
    expect(retried.stderr).toMatch(/Retry needed|Retrying request/i);
    expect(cliError(retried)?.code).toBe('RequestLimitExceeded');
  });

  it('moto down: 503 ServiceUnavailable in the query shape', async () => {
    const down = await startProxy({ motoUrl: () => undefined });
    const r = await aws(A, ['sts', 'get-caller-identity'], { endpoint: down, env: { AWS_MAX_ATTEMPTS: '1' } });
    expect(cliError(r)).toEqual({ code: 'ServiceUnavailable', operation: 'GetCallerIdentity', message: expect.stringContaining('sandbox is not running') });
  });

  it('moto unreachable at its URL: 503 in the JSON shape for logs', async () => {
    const gone = await startProxy({ motoUrl: () => 'http://127.0.0.1:9' });
    const r = await aws(A, ['logs', 'describe-log-groups'], { endpoint: gone, env: { AWS_MAX_ATTEMPTS: '1' } });
    expect(cliError(r)?.code).toBe('ServiceUnavailableException');
  });
});

describe('sandbox proxy: mounted at / (as on the cloud shell\'s socket server)', () => {
  it('the CLI with a bare endpoint works, and /moto-api/reset is still refused', async () => {
    const app = express();
    app.use(sandboxProxy({ lookupKey: async (id) => KEYS.get(id), motoUrl: () => moto.url, logger: pino({ level: 'silent' }) }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    servers.push(server);
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const vpcId = await createVpc(A);
    const who = await aws(A, ['sts', 'get-caller-identity'], { endpoint: root });
    expect(JSON.parse(who.stdout)).toMatchObject({ Account: A.accountId });
    expect((await fetch(`${root}/moto-api/reset`, { method: 'POST' })).status).toBe(404);
    expect(await vpcIds(A)).toEqual([vpcId]);
  });
});

describe('sandbox proxy: raw requests', () => {
  it('tampered body after signing: SignatureDoesNotMatch, and the tampered CreateVpc did not run', async () => {
    const sts = await signedRequest(A, 'sts', 'Action=GetCallerIdentity&Version=2011-06-15');
    const r1 = await send(sts, 'Action=GetCallerIdentity&Version=2011-06-15&Extra=1');
    expect(r1.status).toBe(403);
    expect(r1.text).toMatch(/<ErrorResponse><Error><Type>Sender<\/Type><Code>SignatureDoesNotMatch<\/Code>/);
    const ec2 = await signedRequest(A, 'ec2', 'Action=CreateVpc&Version=2016-11-15&CidrBlock=10.1.0.0%2F16');
    const r2 = await send(ec2, 'Action=CreateVpc&Version=2016-11-15&CidrBlock=10.8.0.0%2F16');
    expect(r2.status).toBe(401);
    expect(r2.text).toContain('<Code>AuthFailure</Code>');
    expect(await vpcIds(A)).toEqual([]);
    // the untampered request still goes through: the refusal was about the body, not the signer
    expect((await send(ec2)).status).toBe(200);
    expect(await vpcIds(A)).toHaveLength(1);
  });

  it('no Authorization: MissingAuthenticationToken; garbled: IncompleteSignature; JSON callers get JSON with x-amzn-ErrorType', async () => {
    const none = await fetch(endpoint, { method: 'POST', body: 'Action=GetCallerIdentity&Version=2011-06-15', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    const garbled = await fetch(endpoint, { method: 'POST', body: '{}', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=nonsense', 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' } });
    expect(garbled.status).toBe(400);
    expect(garbled.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
    expect(await garbled.json()).toEqual({ __type: 'IncompleteSignatureException', message: expect.any(String) });
  });
});
