// Sandbox mode assembled: moto (managed or shared), the learners' accounts, the signing proxy on the web and on a Unix socket for shells, and the shells.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { LabCatalog } from '../labs/types';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../store';
import { ExternalMoto, ManagedMoto, type MotoSource } from './moto-supervisor';
import { createShellService, type ShellService } from './shell';
import { sandboxServices, type SandboxServices } from './services';

export interface RunningSandbox extends SandboxServices {
  shell: ShellService;
  /** Serves the proxy on the Unix socket shells reach it through; call after start-up. */
  listen(): Promise<void>;
  stop(): Promise<void>;
}

/** Unix socket paths are limited to about 100 bytes; a deep DATA_DIR falls back to a private temporary folder. */
function socketPath(dataDir: string): string {
  const preferred = path.join(dataDir, 'sandbox', 'run', 'aws.sock');
  if (Buffer.byteLength(preferred) < 100) {
    fs.mkdirSync(path.dirname(preferred), { recursive: true, mode: 0o700 });
    return preferred;
  }
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-run-')), 'aws.sock');
}

export async function startSandbox(deps: {
  config: Readonly<Config>; store: Store; labs: LabCatalog; sessionSecret: string; logger: Logger;
  /** The signed-in user of a WebSocket upgrade, from its session cookie. */
  authenticate(req: IncomingMessage): Promise<{ id: string } | undefined>;
}): Promise<RunningSandbox> {
  const { config, store, labs } = deps;
  const logger = deps.logger.child({ component: 'sandbox' });
  let moto: MotoSource;
  if (config.sandbox.motoUrl) {
    moto = new ExternalMoto(config.sandbox.motoUrl, logger);
    logger.info({ url: config.sandbox.motoUrl }, 'sandbox: using the shared moto server at SANDBOX_MOTO_URL');
  } else {
    const managed = new ManagedMoto({ command: config.sandbox.motoCommand, logger });
    await managed.start();
    moto = managed;
  }
  // Whatever fails from here on (a lab whose solutions do not fit its steps, a socket folder that cannot be made) must not
  // leave the moto started above running.
  let built;
  try {
    built = assemble(moto);
  } catch (err) {
    await moto.stop().catch(() => undefined);
    throw err;
  }
  const { services, shell, socketServer, proxySocketPath } = built;
  const { insights } = services;

  function assemble(moto: MotoSource) {
    const services = sandboxServices({ config, store, labs, moto, sessionSecret: deps.sessionSecret, logger });
    const { accounts, labClients, proxy } = services;

    const proxySocketPath = socketPath(config.dataDir);
    const socketApp = express();
    socketApp.disable('x-powered-by');
    socketApp.use(proxy);
    const socketServer = http.createServer(socketApp);

    const shell = createShellService({
      dataDir: config.dataDir,
      proxySocketPath,
      credentialsFor: async (userId) => {
        const c = await accounts.credentials(userId);
        return { accountId: c.accountId, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, region: c.region, shellUid: c.shellUid };
      },
      authenticate: deps.authenticate,
      ec2For: (accountId, region) => labClients(accountId, region).ec2,
      allowedOrigin: new URL(config.publicUrl).origin,
      maxShells: config.sandbox.maxShells,
      maxShellsPerLearner: config.sandbox.shellsPerLearner,
      idleMs: config.sandbox.shellIdleMs,
      homeQuotaBytes: config.sandbox.homeQuotaBytes,
      logger,
    });
    return { services, shell, socketServer, proxySocketPath };
  }

  return {
    ...services,
    shell,
    async listen() {
      fs.rmSync(proxySocketPath, { force: true });
      await new Promise<void>((resolve, reject) => {
        socketServer.once('error', reject);
        socketServer.listen(proxySocketPath, () => resolve());
      });
      // The learner's shell runs as its own unprivileged uid and must be able to connect.
      fs.chmodSync(proxySocketPath, 0o666);
    },
    async stop() {
      await shell.stop();
      await new Promise<void>((resolve) => socketServer.close(() => resolve()));
      await insights.stop();
      fs.rmSync(proxySocketPath, { force: true });
      await moto.stop();
    },
  };
}
