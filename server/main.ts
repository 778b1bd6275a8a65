// The only file with side effects: config -> store -> labs -> app -> listen, and a graceful stop on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http, { type Server } from 'node:http';
import path from 'node:path';
import { buildApp, reportService } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { LabLoadError, loadLabs } from './labs/loader';
import { loadCheckRegistry } from './labs/registry';
import { createLogger, type Logger } from './logger';
import { databaseOptions, openStore, type Store } from './store';
import { DatabaseOpenError } from './store/db';
import { startSandbox, type RunningSandbox } from './sandbox';
import { AwsSessions, awsSettings } from './verify/aws-session';
import { VerifyEngine } from './verify/engine';
import { userFromCookies } from './web/security';

export const LISTEN_MESSAGES = {
  IN_USE: (where: string) => `Could not listen on ${where}: another program is using the port. Stop it, or set PORT to a free port.`,
  NO_SUCH_HOST: (where: string, host: string) => `Could not listen on ${where}: HOST "${host}" does not resolve to an address. Set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0.`,
  NOT_HERE: (where: string, host: string) => `Could not listen on ${where}: ${host} is not an address of this machine. Set HOST to one of its addresses, such as 127.0.0.1 or 0.0.0.0.`,
  DENIED: (where: string) => `Could not listen on ${where}: permission denied (ports below 1024 need privileges). Set PORT to 1024 or above.`,
  OTHER: (where: string, reason: string) => `Could not listen on ${where}: ${reason}`,
  SANDBOX_SOCKET: (reason: string) => `Could not serve the sandbox proxy on its socket for the shells: ${reason}`,
} as const;

/** Verilab could not take its address; the message is the one line to show the operator. */
export class ListenError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): ListenError {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const message =
    err.code === 'EADDRINUSE' ? LISTEN_MESSAGES.IN_USE(where)
    : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_FAIL' ? LISTEN_MESSAGES.NO_SUCH_HOST(where, host)
    : err.code === 'EADDRNOTAVAIL' ? LISTEN_MESSAGES.NOT_HERE(where, host)
    : err.code === 'EACCES' ? LISTEN_MESSAGES.DENIED(where)
    : LISTEN_MESSAGES.OTHER(where, err.message);
  return new ListenError(message, { cause: err });
}

/**
 * Listens, or rejects with a ListenError. Not `app.listen`: Express 5 hands a listen error to its callback, and a
 * callback that resolves would report a port that was never taken as success.
 */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

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
  // Private when Verilab makes it; a DATA_DIR the operator made keeps the mode they gave it.
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
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
      sandbox = await startSandbox({ config, store, labs, sessionSecret, logger, authenticate: (req) => userFromCookies(store, req.headers.cookie, { secure: config.publicUrl.startsWith('https:') }) });
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const aws = sandbox?.aws ?? new AwsSessions(awsSettings(config));
  const reports = reportService({ store, labs, mode: config.mode, logger });
  const engine = new VerifyEngine({ labs, checks, store, aws, accounts: sandbox?.accounts.accounts(), logger, rateLimitMs: config.checkRateLimitSeconds * 1000, reports, concurrency: config.checkConcurrency });
  const app = buildApp({
    reports,
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

  const server = http.createServer(app);
  try {
    await listen(server, config.port, config.host);
    if (sandbox) {
      await sandbox.listen().catch((err: unknown) => {
        throw new ListenError(LISTEN_MESSAGES.SANDBOX_SOCKET((err as Error).message), { cause: err });
      });
      sandbox.shell.attach(server);
    }
  } catch (err) {
    // Everything started so far is stopped, so that a failed start-up exits instead of waiting on moto or a socket.
    const undo = [() => new Promise((resolve) => server.close(resolve)), () => sandbox?.stop(), () => store.close()];
    for (const step of undo) {
      await Promise.resolve()
        .then(step)
        .catch((stopErr: unknown) => logger.warn({ err: stopErr }, 'could not stop cleanly after the failed start-up'));
    }
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
export async function serve(env: NodeJS.ProcessEnv = process.env, io: { err: (line: string) => void } = { err: console.error }): Promise<number> {
  let running: Running;
  try {
    running = await start(env);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof LabLoadError || err instanceof ListenError || err instanceof DatabaseOpenError) {
      io.err(err.message);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    // Listen errors are ListenErrors by now, so a failed name lookup here is the database's.
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === '28P01' || e.code === '3D000') {
      io.err(`Could not connect to the database at DATABASE_URL: ${e.message}`);
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
