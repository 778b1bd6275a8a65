// Sandbox-mode test contexts: the real app with sandbox accounts, the signing proxy and a moto server, listening on a free loopback port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import type { Express } from 'express';
import { buildApp } from '../../server/app';
import { loadCheckRegistry } from '../../server/labs/registry';
import type { LabClientsFactory } from '../../server/sandbox/lab-clients';
import { ExternalMoto } from '../../server/sandbox/moto-supervisor';
import type { Sandbox, SandboxCredentials } from '../../server/sandbox/sandbox';
import { sandboxServices } from '../../server/sandbox/services';
import type { Store } from '../../server/store';
import type { AwsSessions } from '../../server/verify/aws-session';
import { VerifyEngine } from '../../server/verify/engine';
import { labs, silentLogger, testConfig, TEST_SECRET } from './app';
import type { Moto } from './moto';
import { openTestStore, type TestDatabase } from './store';

export interface SandboxTestContext {
  app: Express;
  store: Store;
  sandbox: Sandbox;
  aws: AwsSessions;
  /** Clients acting in a learner's sandbox account whose Logs Insights calls reach Verilab's engine, as the learner's do through the endpoint. */
  labClients: LabClientsFactory;
  engine: VerifyEngine;
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The app in sandbox mode over `moto`, listening on a free port (the CLI needs a real endpoint). */
export async function createSandboxContext(moto: Moto, overrides: Record<string, string> = {}): Promise<SandboxTestContext> {
  const { store, close, database } = await openTestStore();
  // The server listens first, since the app's PUBLIC_URL (the sandbox endpoint) needs its port.
  const late: { app?: Express } = {};
  const server = http.createServer((req, res) => late.app!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testConfig({ VERILAB_MODE: 'sandbox', PUBLIC_URL: url, SANDBOX_MOTO_URL: moto.url, ...overrides });
  // No caching of moto's instance id: tests reset moto and expect the very next request to notice.
  const motoSource = new ExternalMoto(moto.url, silentLogger, 0);
  const services = sandboxServices({ config, store, labs: labs('sandbox'), moto: motoSource, sessionSecret: TEST_SECRET, logger: silentLogger });
  const { aws, accounts: sandbox, proxy } = services;
  const checks = loadCheckRegistry(labs('sandbox'));
  const engine = new VerifyEngine({ labs: labs('sandbox'), checks, store, aws, accounts: sandbox.accounts(), logger: silentLogger, rateLimitMs: config.checkRateLimitSeconds * 1000 });
  const app = buildApp({
    config,
    logger: silentLogger,
    labs: labs('sandbox'),
    store,
    sessionSecret: TEST_SECRET,
    checks,
    aws,
    engine,
    sandbox: {
      accounts: sandbox,
      proxy,
      shell: { available: async () => ({ ok: false, reason: 'This test runs without shells.' }) },
      solvers: services.solvers,
      labClients: services.labClients,
    },
  });
  late.app = app;
  return {
    app,
    store,
    sandbox,
    aws,
    labClients: services.labClients,
    engine,
    url,
    database,
    async close() {
      server.closeAllConnections();
      await services.insights.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
    },
  };
}

type LearnerKey = Pick<SandboxCredentials, 'accessKeyId' | 'secretAccessKey' | 'region' | 'endpointUrl'>;

/** The environment of a learner's own computer set up for their sandbox: their key, region and endpoint, nothing of ours. */
export function learnerEnv(c: LearnerKey): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: c.region, AWS_ENDPOINT_URL: c.endpointUrl, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' };
}

/** Runs `command` with a learner's sandbox credentials; resolves with its output and exit code. */
export function runAsLearner(c: LearnerKey, command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: learnerEnv(c), timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** The real AWS CLI with a learner's sandbox credentials, as on their own computer. */
export function awsCli(c: LearnerKey, args: string[]) {
  return runAsLearner(c, 'aws', args);
}
