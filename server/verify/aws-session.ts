// AWS sessions: Verilab's own identity from the standard chain, AssumeRole into a learner's role, credentials and clients cached.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { accountOfArn } from '../labs/kit/policy';
import { assumeRoleError, upstreamError } from './aws-errors';

export interface AwsSettings {
  /** Per-call timeout (connection and response). */
  timeoutMs: number;
  /** Attempts per call, with the SDK's adaptive retry for throttling. */
  maxAttempts: number;
  /** Verilab's own credentials; the SDK's default chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Refresh cached learner credentials this long before they expire. */
  refreshBeforeMs?: number;
  /** An explicit endpoint for every service (sandbox mode: moto, whose URL can change when it restarts). */
  endpoint?: () => string;
  /** Adjusts each new set of learner clients once, before first use (sandbox mode answers Logs Insights calls itself). */
  decorate?: (clients: AwsClients) => AwsClients;
  /** How many sessions and clients are kept; CACHE_LIMITS when absent. */
  cacheLimits?: Partial<CacheLimits>;
}

export function awsSettings(config: { awsTimeoutMs: number; awsMaxAttempts: number }): AwsSettings {
  return { timeoutMs: config.awsTimeoutMs, maxAttempts: config.awsMaxAttempts };
}

export interface LearnerRole {
  roleArn: string;
  externalId: string;
  region: string;
  /** Names the learner in CloudTrail; sanitised to what STS accepts. */
  sessionName: string;
}

export interface AwsClients {
  accountId: string;
  region: string;
  /** Set on a Verilab sandbox account's clients: what the account does differs from AWS where checks tell the learner so. */
  sandbox?: true;
  ec2: EC2Client;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
}

interface CachedSession {
  credentials: AwsCredentialIdentity;
  expiresAt: number;
  clients: LruMap<string, AwsClients>;
}

/**
 * How many of each kind of cached entry are kept. A learner works in one Region and Verilab's own STS calls go to the
 * learners' Regions, so these are generous; past them the least recently used entry goes, and is made again if needed.
 * What goes is not destroyed: a check may still be using those clients, and their idle connections close by themselves.
 */
export interface CacheLimits {
  /** Learners' roles with credentials. */
  sessions: number;
  /** Sets of clients per role, one per Region. */
  regionsPerSession: number;
  /** Verilab's own STS clients, one per Region. */
  stsRegions: number;
}
export const CACHE_LIMITS: Readonly<CacheLimits> = Object.freeze({ sessions: 5000, regionsPerSession: 4, stsRegions: 16 });

/** A Map that keeps at most `limit` entries, dropping the least recently used. */
class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: moving the entry to the end marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export const ROLE_SESSION_SECONDS = 3600;

/** STS allows [\w+=,.@-] and 2 to 64 characters in a session name. */
export function sessionNameFor(label: string): string {
  const cleaned = `verilab-${label}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : 'verilab';
}

export class AwsSessions {
  private readonly limits: CacheLimits;
  private readonly cache: LruMap<string, CachedSession>;
  private readonly inflight = new Map<string, Promise<CachedSession>>();
  private readonly stsClients: LruMap<string, STSClient>;
  private verifierAccount?: { value: Promise<string | undefined>; failedAt?: number };

  constructor(
    private readonly settings: AwsSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...CACHE_LIMITS, ...settings.cacheLimits };
    this.cache = new LruMap(this.limits.sessions);
    this.stsClients = new LruMap(this.limits.stsRegions);
  }

  /** Options every client shares: bounded time per call, adaptive retry for throttling. Endpoints come from AWS_ENDPOINT_URL*. */
  clientConfig(region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
    const endpoint = this.settings.endpoint;
    return {
      region,
      ...(endpoint ? { endpoint: async () => ({ url: new URL(endpoint()) }) } : {}),
      credentials: credentials ?? this.settings.credentials,
      maxAttempts: this.settings.maxAttempts,
      retryMode: 'adaptive' as const,
      // Without throwOnRequestTimeout the handler only warns when a call runs over its time and waits on.
      requestHandler: new NodeHttpHandler({ connectionTimeout: this.settings.timeoutMs, requestTimeout: this.settings.timeoutMs, throwOnRequestTimeout: true }),
    };
  }

  private sts(region: string): STSClient {
    let client = this.stsClients.get(region);
    if (!client) {
      client = new STSClient(this.clientConfig(region));
      this.stsClients.set(region, client);
    }
    return client;
  }

  /**
   * Verilab's own account id (for the learner's trust policy); undefined when Verilab has no usable credentials.
   * A failure is remembered for a minute, so a page that shows the id does not wait on the credential chain each time.
   */
  verifierAccountId(region = 'us-east-1'): Promise<string | undefined> {
    if (this.verifierAccount && this.verifierAccount.failedAt !== undefined && this.now() - this.verifierAccount.failedAt > 60_000) this.verifierAccount = undefined;
    if (!this.verifierAccount) {
      const entry: { value: Promise<string | undefined>; failedAt?: number } = { value: Promise.resolve(undefined) };
      entry.value = this.sts(region)
        .send(new GetCallerIdentityCommand({}))
        .then((r) => r.Account)
        .catch(() => {
          entry.failedAt = this.now();
          return undefined;
        });
      this.verifierAccount = entry;
    }
    return this.verifierAccount.value;
  }

  /** Clients acting in the learner's account; credentials are reused until shortly before they expire. */
  async forRole(role: LearnerRole): Promise<AwsClients> {
    const key = `${role.roleArn}\n${role.externalId}`;
    let session = this.cache.get(key);
    if (!session || session.expiresAt - (this.settings.refreshBeforeMs ?? 5 * 60_000) <= this.now()) {
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.assume(role).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      session = await pending;
      this.cache.set(key, session);
    }
    let clients = session.clients.get(role.region);
    if (!clients) {
      const config = this.clientConfig(role.region, session.credentials);
      clients = {
        accountId: accountOfArn(role.roleArn) ?? 'unknown',
        region: role.region,
        ec2: new EC2Client(config),
        iam: new IAMClient(config),
        logs: new CloudWatchLogsClient(config),
      };
      if (this.settings.decorate) clients = this.settings.decorate(clients);
      session.clients.set(role.region, clients);
    }
    return clients;
  }

  /** Forgets every cached credential (the sandbox's moto restarted and no longer knows them). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** Forgets a learner's credentials (after their role changed). */
  forget(role: Pick<LearnerRole, 'roleArn' | 'externalId'>): void {
    this.cache.delete(`${role.roleArn}\n${role.externalId}`);
  }

  private async assume(role: LearnerRole): Promise<CachedSession> {
    let response;
    try {
      response = await this.sts(role.region).send(
        new AssumeRoleCommand({ RoleArn: role.roleArn, ExternalId: role.externalId, RoleSessionName: sessionNameFor(role.sessionName), DurationSeconds: ROLE_SESSION_SECONDS }),
      );
    } catch (err) {
      throw assumeRoleError(err, role, await this.verifierAccountId(role.region));
    }
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw upstreamError(new Error('AssumeRole returned no credentials'));
    const expiresAt = c.Expiration ? new Date(c.Expiration).getTime() : this.now() + ROLE_SESSION_SECONDS * 1000;
    return {
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: new Date(expiresAt) },
      expiresAt,
      clients: new LruMap(this.limits.regionsPerSession),
    };
  }
}
