// The only file with side effects: config -> labs -> app -> listen, and a graceful stop on SIGTERM/SIGINT.
import type { Server } from 'node:http';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { LabLoadError, loadLabs } from './labs/loader';
import { createLogger } from './logger';

export interface Running {
  server: Server;
  stop(): Promise<void>;
}

export async function start(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const labs = loadLabs(config.labsDir);
  const app = buildApp({ config, logger, labs });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  logger.info({ url: config.publicUrl, host: config.host, port: config.port, mode: config.mode, labs: labs.labs.map((l) => l.id) }, `Verilab is listening on ${config.publicUrl}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      logger.info('shutting down');
      server.close(() => resolve());
      // Keep-alive connections would hold close() open; idle ones go now, busy ones after their response.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5000).unref();
    });
    return stopping;
  };
  return { server, stop };
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
