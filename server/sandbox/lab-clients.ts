// Clients acting directly in one sandbox account with Verilab's own key: what the lab solutions run with (Skip, Rebuild).
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { AwsClients } from '../verify/aws-session';
import { VERILAB_SANDBOX_CREDENTIALS } from './keys';
import { inMotoAccount } from './moto-process';

/** Clients in a learner's sandbox account, by its id and Region. */
export type LabClientsFactory = (accountId: string, region: string) => AwsClients;

export interface LabClientsOptions {
  /** moto's URL, asked on every call: it changes when Verilab restarts moto. */
  endpoint: () => string;
  credentials?: AwsCredentialIdentity;
  /**
   * Wraps the logs client of an account, so that what a solution does there reaches Verilab's own services in front of
   * moto (Logs Insights: moto's engine has no stats, so StartQuery must be answered by Verilab for checks to see it).
   */
  decorateLogs?: (logs: CloudWatchLogsClient, accountId: string) => CloudWatchLogsClient;
  /** The time limit of each call, to connect and to answer (AWS_CALL_TIMEOUT_MS); a moto that stops answering fails the call instead of holding a Skip, a Rebuild or a ping for ever. */
  timeoutMs?: number;
}

/** AWS_CALL_TIMEOUT_MS's default. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** Clients are kept per account, up to this many, so their connections are reused. */
const MAX_CACHED_ACCOUNTS = 200;

export function labClientsFactory(options: LabClientsOptions): LabClientsFactory {
  const made = new Map<string, AwsClients>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return (accountId, region) => {
    const key = `${accountId}\n${region}`;
    const cached = made.get(key);
    if (cached) return cached;
    const config = {
      region,
      endpoint: async () => ({ url: new URL(options.endpoint()) }),
      credentials: { ...(options.credentials ?? VERILAB_SANDBOX_CREDENTIALS) },
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true }),
    };
    const logs = inMotoAccount(new CloudWatchLogsClient(config), accountId);
    const clients: AwsClients = {
      accountId,
      region,
      ec2: inMotoAccount(new EC2Client(config), accountId),
      iam: inMotoAccount(new IAMClient(config), accountId),
      logs: options.decorateLogs ? options.decorateLogs(logs, accountId) : logs,
    };
    if (made.size >= MAX_CACHED_ACCOUNTS) made.clear();
    made.set(key, clients);
    return clients;
  };
}
