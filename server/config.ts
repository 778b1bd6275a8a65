// Configuration: one zod schema with a default for every key, read from the environment once and frozen.
import fs from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LABS_DIR } from './paths';
import { DEFAULT_PARTITIONS, PARTITIONS, isPartition, type Partition } from './verify/regions';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();
const positiveInt = z.coerce.number().int().positive();

/**
 * Off, a number of proxy hops, or the proxies' addresses: what Express's `trust proxy` takes, less `true`, which would
 * believe the left-most X-Forwarded-For address, one that any client can write.
 */
export type TrustProxy = false | number | readonly string[];

/** Express's names for address ranges, besides addresses and CIDR ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): TrustProxy => {
    if (value === '' || value === 'false' || value === '0') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (bad.length === 0) return entries;
    ctx.addIssue({
      code: 'custom',
      message: `must be false, the number of proxies in front of Verilab (1 for one load balancer), or their addresses and CIDR ranges separated by commas (such as 10.0.0.0/8,loopback); not ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    });
    return z.NEVER;
  });

const awsPartitions = z
  .string()
  .transform((value, ctx): Partition[] => {
    const names = value.split(',').map((p) => p.trim()).filter(Boolean);
    const unknown = names.filter((p) => !isPartition(p));
    if (names.length > 0 && unknown.length === 0) return [...new Set(names as Partition[])];
    ctx.addIssue({ code: 'custom', message: `must be AWS partitions separated by commas, from ${PARTITIONS.join(', ')}` });
    return z.NEVER;
  });

/** Sign-up attempts per address per hour: a class of 60 behind one NAT, with its typos, fits well under it. */
export const DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR = 200;

/**
 * Checks at once, by mode. A sandbox check waits on one moto process however many run, so more in flight only hold more
 * memory; AWS answers in parallel, so a class gets its results about as fast with 64 as with no limit.
 */
export const DEFAULT_CHECK_CONCURRENCY = { sandbox: 8, aws: 64 } as const;

export const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: optionalUrl,
  TRUST_PROXY: trustProxy.optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  VERILAB_MODE: z.enum(['sandbox', 'aws']).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LABS_DIR: z.string().min(1).default(LABS_DIR),
  VERILAB_TEMPLATE_URL: optionalUrl,
  CHECK_RATE_LIMIT_SECONDS: positiveInt.default(10),
  CHECK_CONCURRENCY: positiveInt.max(10_000).optional(),
  AUTH_RATE_LIMIT_PER_15_MIN: positiveInt.default(20),
  SIGNUP_RATE_LIMIT_PER_HOUR: positiveInt.default(DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR),
  CONNECT_RATE_LIMIT_PER_15_MIN: positiveInt.default(10),
  AWS_CALL_TIMEOUT_MS: positiveInt.default(10_000),
  AWS_MAX_ATTEMPTS: positiveInt.max(10).default(4),
  AWS_PARTITIONS: awsPartitions.optional(),
  SANDBOX_MOTO_URL: z
    .string()
    .url()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .optional(),
  SANDBOX_MOTO_COMMAND: z.string().min(1).default('moto_server'),
  SANDBOX_MAX_SHELLS: positiveInt.max(10_000).default(50),
  SANDBOX_SHELLS_PER_LEARNER: positiveInt.max(20).default(2),
  SANDBOX_SHELL_IDLE_MINUTES: positiveInt.max(24 * 60).default(30),
  SANDBOX_HOME_QUOTA_MB: positiveInt.max(100_000).default(100),
  SANDBOX_REQUESTS_PER_SECOND: positiveInt.max(100_000).default(20),
});

type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** Express's `trust proxy`: which X-Forwarded-* headers to believe. */
  trustProxy: TrustProxy;
  dataDir: string;
  databaseUrl?: string;
  mode: 'sandbox' | 'aws';
  sessionSecret?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  labsDir: string;
  templateUrl?: string;
  checkRateLimitSeconds: number;
  /** Checks looking into accounts at once; the others wait their turn (8 in sandbox mode, where one moto answers every call; 64 on AWS). */
  checkConcurrency: number;
  /** Failed sign-ins per email and address (ten times that per address, whatever the email). */
  authRateLimitPer15Min: number;
  /** Sign-up attempts per address. */
  signupRateLimitPerHour: number;
  /** Role connections (each one calls STS) per learner. */
  connectRateLimitPer15Min: number;
  awsTimeoutMs: number;
  awsMaxAttempts: number;
  /** The partitions whose Regions and role ARNs learners may use. */
  awsPartitions: readonly Partition[];
  sandbox: {
    /** A shared moto server; Verilab starts its own when absent. */
    motoUrl?: string;
    motoCommand: string;
    maxShells: number;
    shellsPerLearner: number;
    shellIdleMs: number;
    homeQuotaBytes: number;
    /** Calls per second one sandbox key may make through the proxy (twice that in a burst). */
    requestsPerSecond: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** True when the standard AWS credential chain has something to start from. */
function awsCredentialsPresent(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return true;
  }
  const file = env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(os.homedir(), '.aws', 'credentials');
  return fs.existsSync(file);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'configuration');
        const value = env[name];
        return `${name}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}: ${issue.message}`;
      }),
    );
  }
  const raw: RawConfig = parsed.data;
  const mode = raw.VERILAB_MODE ?? (awsCredentialsPresent(env) ? 'aws' : 'sandbox');
  const config: Config = {
    port: raw.PORT,
    host: raw.HOST,
    publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    trustProxy: typeof raw.TRUST_PROXY === 'object' ? Object.freeze(raw.TRUST_PROXY) : (raw.TRUST_PROXY ?? false),
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.DATABASE_URL,
    mode,
    sessionSecret: raw.SESSION_SECRET,
    logLevel: raw.LOG_LEVEL,
    labsDir: path.resolve(raw.LABS_DIR),
    templateUrl: raw.VERILAB_TEMPLATE_URL,
    checkRateLimitSeconds: raw.CHECK_RATE_LIMIT_SECONDS,
    checkConcurrency: raw.CHECK_CONCURRENCY ?? DEFAULT_CHECK_CONCURRENCY[mode],
    authRateLimitPer15Min: raw.AUTH_RATE_LIMIT_PER_15_MIN,
    signupRateLimitPerHour: raw.SIGNUP_RATE_LIMIT_PER_HOUR,
    connectRateLimitPer15Min: raw.CONNECT_RATE_LIMIT_PER_15_MIN,
    awsTimeoutMs: raw.AWS_CALL_TIMEOUT_MS,
    awsMaxAttempts: raw.AWS_MAX_ATTEMPTS,
    awsPartitions: Object.freeze(raw.AWS_PARTITIONS ?? [...DEFAULT_PARTITIONS]),
    sandbox: Object.freeze({
      motoUrl: raw.SANDBOX_MOTO_URL?.replace(/\/+$/, ''),
      motoCommand: raw.SANDBOX_MOTO_COMMAND,
      maxShells: raw.SANDBOX_MAX_SHELLS,
      shellsPerLearner: raw.SANDBOX_SHELLS_PER_LEARNER,
      shellIdleMs: raw.SANDBOX_SHELL_IDLE_MINUTES * 60_000,
      homeQuotaBytes: raw.SANDBOX_HOME_QUOTA_MB * 1024 * 1024,
      requestsPerSecond: raw.SANDBOX_REQUESTS_PER_SECOND,
    }),
  };
  return Object.freeze(config);
}
