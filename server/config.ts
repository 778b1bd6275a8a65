// Configuration: one zod schema with a default for every key, read from the environment once and frozen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { LABS_DIR } from './paths';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: optionalUrl,
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
  AUTH_RATE_LIMIT_PER_15_MIN: positiveInt.default(20),
  AWS_CALL_TIMEOUT_MS: positiveInt.default(10_000),
  AWS_MAX_ATTEMPTS: positiveInt.max(10).default(4),
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
  dataDir: string;
  databaseUrl?: string;
  mode: 'sandbox' | 'aws';
  sessionSecret?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  labsDir: string;
  templateUrl?: string;
  checkRateLimitSeconds: number;
  authRateLimitPer15Min: number;
  awsTimeoutMs: number;
  awsMaxAttempts: number;
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
  const config: Config = {
    port: raw.PORT,
    host: raw.HOST,
    publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(raw.DATA_DIR),
    databaseUrl: raw.DATABASE_URL,
    mode: raw.VERILAB_MODE ?? (awsCredentialsPresent(env) ? 'aws' : 'sandbox'),
    sessionSecret: raw.SESSION_SECRET,
    logLevel: raw.LOG_LEVEL,
    labsDir: path.resolve(raw.LABS_DIR),
    templateUrl: raw.VERILAB_TEMPLATE_URL,
    checkRateLimitSeconds: raw.CHECK_RATE_LIMIT_SECONDS,
    authRateLimitPer15Min: raw.AUTH_RATE_LIMIT_PER_15_MIN,
    awsTimeoutMs: raw.AWS_CALL_TIMEOUT_MS,
    awsMaxAttempts: raw.AWS_MAX_ATTEMPTS,
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
