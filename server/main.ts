// The only file with side effects: config -> store -> labs -> app -> listen, and a graceful stop on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { LabLoadError, loadLabs } from './labs/loader';
import { loadCheckRegistry } from './labs/registry';
import { createLogger, type Logger } from './logger';
import { databaseOptions, openStore, type Store } from './store';
import { startSandbox, type RunningSandbox } from './sandbox';
import { AwsSessions, awsSettings } from './verify/aws-session';
import { VerifyEngine } from './verify/engine';
import { userFromCookies } from './web/security';

export interface Running {
  server: Server;
  store: Store;
  /** Sandbox mode's moto, accounts and shells. */
  sandbox?: RunningSandbox;
  stop(): Promise<void>;
}

/**
 * SESSION_SECRET when set; otherwise a secret generated on first start and kept in DATA_DIR, so restarts
 * keep forms valid. Several processes share one database and must share the secret, hence the rule below.
 */
export function resolveSessionSecret(config: Readonly<Config>): string {
  if (config.sessionSecret) return config.sessionSecret;
  if (config.databaseUrl) {
    throw new ConfigError(['SESSION_SECRET: is required when DATABASE_URL is set (every process must use the same secret)']);
  }
  const file = path.join(config.dataDir, 'session-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export async function start(env: NodeJS.ProcessEnv = process.env, options: { logger?: Logger } = {}): Promise<Running> {
  const config = loadConfig(env);
  const logger = options.logger ?? createLogger(config.logLevel);
  // Pages are rendered for the mode: sandbox pages open on the AWS CLI tab and keep only their own `::: sandbox` blocks.
  const labs = loadLabs(config.labsDir, { mode: config.mode });
  const checks = loadCheckRegistry(labs);
  const sessionSecret = resolveSessionSecret(config);
  const store = await openStore(databaseOptions(config));
  let sandbox: RunningSandbox | undefined;
  try {
    if (config.mode === 'sandbox') {
      sandbox = await startSandbox({ config, store, labs, sessionSecret, logger, authenticate: (req) => userFromCookies(store, req.headers.cookie) });
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const aws = sandbox?.aws ?? new AwsSessions(awsSettings(config));
  const engine = new VerifyEngine({ labs, checks, store, aws, accounts: sandbox?.accounts.accounts(), logger, rateLimitMs: config.checkRateLimitSeconds * 1000 });
  const app = buildApp({
    config,
    logger,
    labs,
    store,
    sessionSecret,
    checks,
    aws,
    engine,
    sandbox: sandbox && { accounts: sandbox.accounts, proxy: sandbox.proxy, shell: sandbox.shell, solvers: sandbox.solvers, labClients: sandbox.labClients },
  });

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    if (sandbox) {
      await sandbox.listen();
      sandbox.shell.attach(server);
    }
  } catch (err) {
    await sandbox?.stop();
    await store.close();
    throw err;
  }
  logger.info({ url: config.publicUrl, host: config.host, port: config.port, mode: config.mode, database: store.kind, labs: labs.labs.map((l) => l.id) }, `Verilab is listening on ${config.publicUrl}`);
  if (sandbox) {
    const shell = await sandbox.shell.available();
    if (!shell.ok) logger.warn(`The cloud shell is not offered: ${shell.reason}`);
  }
  if ((await store.users.countByRole('instructor')) === 0) {
    logger.info('No instructor account yet. Create one with: npx verilab users add --email you@example.com --name "Your Name" --instructor');
  }
  const sweep = setInterval(() => {
    store.sessions.deleteExpired().catch((err: unknown) => logger.warn({ err }, 'could not delete expired sessions'));
  }, 60 * 60 * 1000).unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down');
      clearInterval(sweep);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open; idle ones go now, busy ones after their response.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await sandbox?.stop();
      await store.close();
    })();
    return stopping;
  };
  return { server, store, sandbox, stop };
}

/** Starts the server and wires the signals; errors at start-up print a clear message and exit non-zero. */
export async function serve(): Promise<number> {
  let running: Running;
  try {
    running = await start();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof LabLoadError) {
      console.error(err.message);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      console.error(`Port is already in use (${e.message}). Set PORT to another port.`);
      return 1;
    }
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === '28P01' || e.code === '3D000') {
      console.error(`Could not connect to the database at DATABASE_URL: ${e.message}`);
      return 1;
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      void running.stop().then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return 0;
}

if (require.main === module) {
  serve().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
