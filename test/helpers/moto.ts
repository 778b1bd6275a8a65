// moto server for tests: started on a free loopback port, reset between tests, and clients that act in a chosen account.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import fs from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import type { LabClients } from '../../labs/vpc-flow-logs/solve';
import { ROOT_DIR } from '../../server/paths';

export const VERILAB_ACCOUNT = '123456789012'; // moto's default account: where Verilab's own test keys land
export const LEARNER_ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const EXTERNAL_ID = 'verilab-0123456789abcdef0123456789abcdef';
const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  url: string;
  port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`moto_server could not be started (is moto 5.2 installed?): ${(err as Error).message}`);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`moto_server exited (${code}): ${stderr}`))));
  exited.catch(() => undefined);
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await Promise.race([fetch(`${url}/moto-api/data.json`), exited]);
      if (res.ok) break;
    } catch (err) {
      if (Date.now() > deadline || /exited/.test(String(err))) throw new Error(`moto_server did not start on ${url}: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Points the SDK's standard endpoint variable and Verilab's own credentials at moto. */
export function useMotoEnvironment(moto: Moto): void {
  process.env.AWS_ENDPOINT_URL = moto.url;
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = REGION;
  delete process.env.AWS_PROFILE;
}

function inAccount<T>(client: T, accountId: string): T {
  // Every SDK v3 client has the same middleware stack; EC2Client's type stands for all of them here.
  (client as unknown as EC2Client).middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

/** Clients that act directly in `accountId` inside moto: the learner doing the lab. */
export function learnerClients(moto: Moto, accountId = LEARNER_ACCOUNT): LabClients & { cloudformation: CloudFormationClient } {
  const config = { region: REGION, endpoint: moto.url, credentials: TEST_CREDENTIALS };
  return {
    accountId,
    ec2: inAccount(new EC2Client(config), accountId),
    iam: inAccount(new IAMClient(config), accountId),
    logs: inAccount(new CloudWatchLogsClient(config), accountId),
    cloudformation: inAccount(new CloudFormationClient(config), accountId),
  };
}

/** The learner deploys the real verifier role template with CloudFormation, as the Connect page tells them to. */
export async function createVerifierRole(c: LabClients & { cloudformation: CloudFormationClient }, externalId = EXTERNAL_ID, trustedAccountId = VERILAB_ACCOUNT): Promise<string> {
  const cfn = c.cloudformation;
  await cfn.send(
    new CreateStackCommand({
      StackName: 'verilab-verifier',
      TemplateBody: fs.readFileSync(path.join(ROOT_DIR, 'labs', 'vpc-flow-logs', 'verifier-role.yaml'), 'utf8'),
      Parameters: [
        { ParameterKey: 'TrustedAccountId', ParameterValue: trustedAccountId },
        { ParameterKey: 'ExternalId', ParameterValue: externalId },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'verilab-verifier' }))).Stacks?.[0];
  const arn = stack?.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue;
  if (stack?.StackStatus !== 'CREATE_COMPLETE' || !arn) throw new Error(`verifier stack did not complete: ${stack?.StackStatus}`);
  return arn;
}
