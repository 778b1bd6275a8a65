// The cloud shell service: a real bash with the real AWS CLI per learner, isolated by bubblewrap, served over a WebSocket.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import path from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import { buildShellCommand, DEFAULT_LIMITS, passwdFor, VERILAB_TOOLS_MOUNT } from './bwrap-command';
import { INSTANCE_ID, listInstances, type InstanceSummary } from './instances';
import { findTools, PROBE_MESSAGES, type ShellTools } from './probe';
import { createShellManager } from './shell-manager';
import { attachShellSocket } from './shell-socket';

export interface ShellCredentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  shellUid: number;
}

export interface ShellOptions {
  /** Homes live at DATA_DIR/sandbox/homes/<userId>, persistent across shells and restarts. */
  dataDir: string;
  /** The Unix socket where Verilab serves the signing proxy; it appears inside at /run/verilab/aws.sock. */
  proxySocketPath: string;
  /** May throw an AppError whose message the learner then sees in the terminal. */
  credentialsFor(userId: string): Promise<ShellCredentials>;
  /** EC2 in a learner's sandbox account, acting as Verilab: lists their instances for instance shells. Absent: none. */
  ec2For?(accountId: string, region: string): EC2Client;
  authenticate(req: IncomingMessage): Promise<{ id: string } | undefined>;
  /** PUBLIC_URL's origin: upgrades from any other Origin are refused (cross-site WebSocket hijacking). */
  allowedOrigin: string;
  maxShells: number;
  maxShellsPerLearner?: number;
  idleMs?: number;
  homeQuotaBytes?: number;
  /** How often a running shell's home is measured; tests shorten it. */
  quotaCheckMs?: number;
  logger: Logger;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface ShellService {
  /** Probes bwrap, setpriv, socat and the AWS CLI once (cached); the reason is a sentence for the page. */
  available(): Promise<Availability>;
  /** Handles 'upgrade' on /shell/ws and leaves other paths alone. */
  attach(server: Server): void;
  /** The learner's instances that are not terminated, to offer instance shells for (empty when there are none to offer). */
  instances(userId: string): Promise<InstanceSummary[]>;
  count(): number;
  /** Kills every shell (graceful stop); homes stay. */
  stop(): Promise<void>;
}

const PROBE_OK = 'verilab-shell-probe-ok';

/**
 * Starts one real sandbox, as a learner would get it, and asks it for `aws --version`: a kernel without the namespaces
 * bwrap needs, or a CLI that cannot start under the memory limit, shows up here rather than in front of a learner.
 */
async function probeSandbox(dataDir: string, tools: ShellTools, logger: Logger): Promise<Availability> {
  const dir = path.join(dataDir, 'sandbox', 'probe');
  const home = path.join(dir, 'home');
  await fs.mkdir(home, { recursive: true, mode: 0o700 });
  const nobody = 65534;
  await fs.chown(home, nobody, nobody);
  const { passwd, group } = passwdFor(nobody);
  await fs.writeFile(path.join(dir, 'passwd'), passwd);
  await fs.writeFile(path.join(dir, 'group'), group);
  const command = buildShellCommand({
    homeDir: home,
    proxySocketPath: '/dev/null', // the proxy may not be listening yet; any file will do for the mount
    passwdFile: path.join(dir, 'passwd'),
    groupFile: path.join(dir, 'group'),
    ...tools,
    uid: nobody,
    limits: DEFAULT_LIMITS,
    credentials: { accessKeyId: 'probe', secretAccessKey: 'probe', region: 'us-east-1' },
  });
  const args = [...command.args];
  // The network tools run too: a tools folder the learner's uid cannot read, or a Python without botocore, shows here.
  args[args.length - 1] = `aws --version && socat -V >/dev/null && ${VERILAB_TOOLS_MOUNT}/bin/verilab-net selftest >/dev/null && echo ${PROBE_OK}`;
  return new Promise((resolve) => {
    execFile(command.file, args, { env: command.env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err && stdout.includes(PROBE_OK)) return resolve({ ok: true });
      logger.warn({ err: err?.message, stderr: String(stderr).slice(-1000) }, 'cloud shell probe failed');
      resolve({ ok: false, reason: PROBE_MESSAGES.ISOLATION_FAILED });
    });
  });
}

export function createShellService(options: ShellOptions): ShellService {
  const { logger } = options;
  let probed: Promise<{ availability: Availability; tools?: ShellTools }> | undefined;
  const probe = () =>
    (probed ??= (async () => {
      const found = await findTools(options.dataDir);
      if (!found.ok) return { availability: { ok: false as const, reason: found.reason } };
      const availability = await probeSandbox(options.dataDir, found.tools, logger);
      return { availability, tools: availability.ok ? found.tools : undefined };
    })().catch((err): { availability: Availability; tools?: ShellTools } => {
      logger.error({ err }, 'cloud shell probe crashed');
      return { availability: { ok: false as const, reason: PROBE_MESSAGES.ISOLATION_FAILED } };
    }));

  const ec2For = options.ec2For;
  const manager = createShellManager({
    dataDir: options.dataDir,
    proxySocketPath: options.proxySocketPath,
    credentialsFor: options.credentialsFor,
    findInstance: ec2For && (async (account, instanceId) => (await listInstances(ec2For(account.accountId, account.region))).find((i) => i.instanceId === instanceId)),
    async tools() {
      const { tools } = await probe();
      // Never start a shell without the isolation the probe proved.
      if (!tools) throw new Error('cloud shell is not available');
      return tools;
    },
    maxShells: options.maxShells,
    maxShellsPerLearner: options.maxShellsPerLearner ?? 2,
    idleMs: options.idleMs ?? 30 * 60 * 1000,
    homeQuotaBytes: options.homeQuotaBytes ?? 100 * 1024 * 1024,
    quotaCheckMs: options.quotaCheckMs ?? 5000,
    scrollbackChars: 64 * 1024,
    logger,
  });
  const servers: WebSocketServer[] = [];

  return {
    available: async () => (await probe()).availability,
    attach(server) {
      servers.push(
        attachShellSocket(server, {
          manager,
          allowedOrigin: options.allowedOrigin,
          authenticate: options.authenticate,
          available: async () => (await probe()).availability,
          logger,
        }),
      );
    },
    async instances(userId) {
      if (!ec2For || !(await probe()).availability.ok) return [];
      const creds = await options.credentialsFor(userId);
      return (await listInstances(ec2For(creds.accountId, creds.region))).filter((i) => INSTANCE_ID.test(i.instanceId));
    },
    count: () => manager.count(),
    async stop() {
      await manager.stopAll();
      for (const wss of servers) wss.close();
    },
  };
}
