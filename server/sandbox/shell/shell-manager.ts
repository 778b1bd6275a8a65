// Cloud shell sessions: starting a learner's sandboxed bash behind a PTY, sharing it with their sockets, limits and endings.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as pty from 'node-pty';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { isAppError } from '../../errors';
import { buildShellCommand, DEFAULT_LIMITS, passwdFor, type ShellInstance, type ShellLimits } from './bwrap-command';
import { formatBytes, measureHome, overQuota, quotaMessage, type HomeUsage } from './home-quota';
import type { InstanceSummary } from './instances';
import type { ShellTools } from './probe';

export const SHELL_MESSAGES = {
  SERVER_FULL: (n: number) => `All ${n} cloud shells on this server are in use. Please try again in a few minutes.`,
  LEARNER_FULL: (n: number) => `You already have ${n} cloud shells open. Type exit in one of them, then try again.`,
  START_FAILED: 'Your cloud shell could not be started. Please try again in a moment.',
  NO_PROXY: 'The AWS endpoint for cloud shells is not running on this server yet. Please try again in a moment.',
  IDLE: 'This cloud shell ended after being idle. Press Enter to start a new one.',
  ENDED: 'This cloud shell has ended. Press Enter to start a new one.',
  STOPPING: 'Verilab is restarting; your files are kept. The shell will reconnect when it is back.',
  OVER_QUOTA_STOP: 'This shell has been stopped. Press Enter for a cleanup shell in which you can delete files.',
  CLEANUP_MODE:
    'This is a cleanup shell: files can be deleted (rm, rm -r) but not written or grown. ' +
    'When you are under the quota, type exit and press Enter for a normal shell.',
  CLEANUP_GREW: 'This cleanup shell was stopped because the home folder kept growing.',
  WELCOME: (account: string, quota: number) =>
    `Verilab cloud shell. The AWS CLI acts in your sandbox account ${account}. ` +
    `Files in your home folder (~) are kept between shells, up to ${formatBytes(quota)}.`,
  INSTANCE_WELCOME: (instanceId: string, privateIp: string, account: string) =>
    `Verilab: a shell on ${instanceId} (${privateIp}) in your sandbox account ${account}. Its home folder (~) is your cloud shell's.`,
  NO_INSTANCE_SHELLS: 'Shells on instances are not available on this server; use the cloud shell.',
  NO_INSTANCE: (instanceId: string) => `There is no instance ${instanceId} in your sandbox account. Press Enter to try again, or choose another.`,
  INSTANCE_NOT_RUNNING: (instanceId: string, state: string) =>
    `Instance ${instanceId} is ${state}, not running, so there is nothing to connect to. Start it first (aws ec2 start-instances --instance-ids ${instanceId}).`,
  INSTANCE_LOOKUP_FAILED: 'Verilab could not look up your instance just now. Press Enter to try again in a moment.',
} as const;

/** WebSocket close codes the browser acts on: 4000-series mean "do not reconnect by yourself; wait for Enter". */
export const CLOSE = {
  ENDED: 4000,
  UNAUTHORIZED: 4401,
  OVER_QUOTA: 4413,
  TOO_MANY: 4429,
  FAILED: 4500,
  UNAVAILABLE: 4503,
  GOING_AWAY: 1001,
} as const;

export class ShellRefusal extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ShellRefusal';
  }
}

export interface ManagerOptions {
  dataDir: string;
  proxySocketPath: string;
  credentialsFor(userId: string): Promise<{ accountId: string; accessKeyId: string; secretAccessKey: string; region: string; shellUid: number }>;
  tools(): Promise<ShellTools>;
  /** One of the learner's instances, for an instance shell; absent: no instance shells. */
  findInstance?(account: { accountId: string; region: string }, instanceId: string): Promise<InstanceSummary | undefined>;
  maxShells: number;
  maxShellsPerLearner: number;
  idleMs: number;
  homeQuotaBytes: number;
  quotaCheckMs: number;
  scrollbackChars: number;
  limits?: Partial<ShellLimits>;
  logger: Logger;
}

export interface Shell {
  id: string;
  userId: string;
  homeDir: string;
  /** Set when this is the shell of a lab instance rather than the cloud shell. */
  instanceId?: string;
  readonly sockets: ReadonlySet<WebSocket>;
  write(data: string | Buffer): void;
  /** Shows text as if the shell printed it (notices, the banner). */
  print(text: string): void;
  resize(cols: number, rows: number): void;
  /** Adds a socket, first replaying recent output so a reattached screen is not blank; false if the shell has ended. */
  attach(ws: WebSocket): boolean;
  detach(ws: WebSocket): void;
  end(closeCode: number, message?: string): void;
  exited: Promise<void>;
}

/** Learner ids name a folder on disk: only the characters our ids (UUIDs) use. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Output waiting in a socket beyond this pauses the PTY, so a `yes` does not fill Verilab's memory. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export function notice(text: string): string {
  return `\r\n\x1b[1;33m${text.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n`;
}

export function createShellManager(options: ManagerOptions) {
  const { logger } = options;
  const shells = new Map<string, Shell>();
  const byUser = new Map<string, Shell[]>();
  /** Shells being started, by learner and instance ('' for the cloud shell), and how many per learner. */
  const starting = new Map<string, Promise<Shell>>();
  const pendingByUser = new Map<string, number>();
  let pending = 0;

  const homesDir = path.join(options.dataDir, 'sandbox', 'homes');
  const etcDir = path.join(options.dataDir, 'sandbox', 'etc');

  function userShells(userId: string): Shell[] {
    return byUser.get(userId) ?? [];
  }

  /**
   * The learner's most recent shell of the same kind (the cloud shell, or the shell of this instance), or a new one;
   * `fresh` asks for another beside it. Instance shells count against the limits like any shell.
   */
  async function open(userId: string, opts: { fresh: boolean; cols: number; rows: number; instanceId?: string }): Promise<Shell> {
    if (!USER_ID.test(userId)) throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.START_FAILED);
    const key = `${userId}\n${opts.instanceId ?? ''}`;
    const inFlight = starting.get(key);
    if (inFlight && !opts.fresh) return inFlight;
    const existing = userShells(userId);
    const same = existing.filter((s) => s.instanceId === opts.instanceId);
    if (!opts.fresh && same.length > 0) return same[same.length - 1];
    if (existing.length + (pendingByUser.get(userId) ?? 0) >= options.maxShellsPerLearner) {
      throw new ShellRefusal(CLOSE.TOO_MANY, SHELL_MESSAGES.LEARNER_FULL(options.maxShellsPerLearner));
    }
    // The slot is taken before the first await, so simultaneous connections cannot overshoot the limit.
    if (shells.size + pending >= options.maxShells) throw new ShellRefusal(CLOSE.TOO_MANY, SHELL_MESSAGES.SERVER_FULL(options.maxShells));
    pending += 1;
    pendingByUser.set(userId, (pendingByUser.get(userId) ?? 0) + 1);
    const promise = start(userId, opts.cols, opts.rows, opts.instanceId).finally(() => {
      pending -= 1;
      const left = (pendingByUser.get(userId) ?? 1) - 1;
      if (left > 0) pendingByUser.set(userId, left);
      else pendingByUser.delete(userId);
      if (starting.get(key) === promise) starting.delete(key);
    });
    starting.set(key, promise);
    return promise;
  }

  /** The instance an instance shell stands for: the learner's own, and running. */
  async function instanceFor(creds: { accountId: string; region: string }, instanceId: string, userId: string): Promise<ShellInstance> {
    if (!options.findInstance) throw new ShellRefusal(CLOSE.UNAVAILABLE, SHELL_MESSAGES.NO_INSTANCE_SHELLS);
    let found: InstanceSummary | undefined;
    try {
      found = await options.findInstance({ accountId: creds.accountId, region: creds.region }, instanceId);
    } catch (err) {
      logger.warn({ err, userId, instanceId }, 'cloud shell instance lookup failed');
      throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.INSTANCE_LOOKUP_FAILED);
    }
    if (!found) throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.NO_INSTANCE(instanceId));
    if (found.state !== 'running' || !found.privateIp) throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.INSTANCE_NOT_RUNNING(instanceId, found.state));
    return { instanceId, privateIp: found.privateIp };
  }

  async function prepareHome(userId: string, uid: number): Promise<string> {
    await fs.mkdir(homesDir, { recursive: true, mode: 0o700 });
    const home = path.join(homesDir, userId);
    await fs.mkdir(home, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const st = await fs.lstat(home);
    if (!st.isDirectory()) throw new Error(`cloud shell home ${home} is not a directory`);
    if (st.uid !== uid) await chownTree(home, uid);
    await fs.chmod(home, 0o700);
    return home;
  }

  async function identityFiles(uid: number): Promise<{ passwdFile: string; groupFile: string }> {
    const dir = path.join(etcDir, String(uid));
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    const { passwd, group } = passwdFor(uid);
    const passwdFile = path.join(dir, 'passwd');
    const groupFile = path.join(dir, 'group');
    await fs.writeFile(passwdFile, passwd, { mode: 0o644 });
    await fs.writeFile(groupFile, group, { mode: 0o644 });
    return { passwdFile, groupFile };
  }

  /** The learner's uid must be able to connect() to the proxy socket, which needs write permission on the socket file. */
  async function proxyReachable(): Promise<void> {
    let st;
    try {
      st = await fs.stat(options.proxySocketPath);
    } catch {
      throw new ShellRefusal(CLOSE.UNAVAILABLE, SHELL_MESSAGES.NO_PROXY);
    }
    if (!st.isSocket()) throw new ShellRefusal(CLOSE.UNAVAILABLE, SHELL_MESSAGES.NO_PROXY);
    if ((st.mode & 0o002) === 0) await fs.chmod(options.proxySocketPath, 0o666);
  }

  async function start(userId: string, cols: number, rows: number, instanceId?: string): Promise<Shell> {
    let creds;
    try {
      creds = await options.credentialsFor(userId);
    } catch (err) {
      if (isAppError(err) && err.expose) throw new ShellRefusal(CLOSE.FAILED, err.message);
      logger.error({ err, userId }, 'cloud shell credentials failed');
      throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.START_FAILED);
    }
    // uid 0 or a system uid would defeat the process limit and file permissions
    if (!Number.isInteger(creds.shellUid) || creds.shellUid < 1000 || creds.shellUid >= 2 ** 31 - 1) {
      logger.error({ userId, shellUid: creds.shellUid }, 'cloud shell uid refused');
      throw new ShellRefusal(CLOSE.FAILED, SHELL_MESSAGES.START_FAILED);
    }
    const instance = instanceId ? await instanceFor(creds, instanceId, userId) : undefined;
    const tools = await options.tools();
    await proxyReachable();
    const homeDir = await prepareHome(userId, creds.shellUid);
    const ids = await identityFiles(creds.shellUid);
    const usage = await measureHome(homeDir);
    const cleanup = overQuota(usage, options.homeQuotaBytes);
    const limits: ShellLimits = {
      ...DEFAULT_LIMITS,
      fileSizeBytes: options.homeQuotaBytes,
      ...options.limits,
      // RLIMIT_FSIZE 0: every write that would grow a file fails, while unlink and truncate still work.
      ...(cleanup ? { fileSizeBytes: 0 } : {}),
    };
    const command = buildShellCommand({
      homeDir,
      proxySocketPath: options.proxySocketPath,
      ...ids,
      ...tools,
      uid: creds.shellUid,
      limits,
      credentials: creds,
      instance,
    });
    const started = Date.now();
    const proc = pty.spawn(command.file, command.args, { name: 'xterm-256color', cols, rows, cwd: '/', env: command.env });
    const shell = wrap(proc, userId, homeDir, cleanup ? usage : undefined, instance?.instanceId);
    const welcome = instance ? SHELL_MESSAGES.INSTANCE_WELCOME(instance.instanceId, instance.privateIp, creds.accountId) : SHELL_MESSAGES.WELCOME(creds.accountId, options.homeQuotaBytes);
    const banner = cleanup ? notice(`${quotaMessage(usage, options.homeQuotaBytes)}\n${SHELL_MESSAGES.CLEANUP_MODE}`) : `\x1b[2m${welcome}\x1b[0m\r\n`;
    shell.print(banner);
    logger.info({ userId, shellId: shell.id, pid: proc.pid, cleanup, instanceId: instance?.instanceId, spawnMs: Date.now() - started }, 'cloud shell started');
    return shell;
  }

  function wrap(proc: pty.IPty, userId: string, homeDir: string, cleanupUsage: HomeUsage | undefined, instanceId: string | undefined): Shell {
    const id = randomUUID();
    const sockets = new Set<WebSocket>();
    let chunks: string[] = [];
    let buffered = 0;
    let lastActivity = Date.now();
    let ended = false;
    let endCode: number = CLOSE.ENDED;
    let endMessage: string = SHELL_MESSAGES.ENDED;
    let paused = false;
    let resolveExited!: () => void;
    const exited = new Promise<void>((r) => (resolveExited = r));

    const output = (data: string) => {
      chunks.push(data);
      buffered += data.length;
      if (buffered > options.scrollbackChars * 2) {
        const joined = chunks.join('').slice(-options.scrollbackChars);
        chunks = [joined];
        buffered = joined.length;
      }
      const frame = Buffer.from(data, 'utf8');
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
      if (!paused && [...sockets].some((ws) => ws.bufferedAmount > HIGH_WATER)) {
        paused = true;
        proc.pause();
        const poll = setInterval(() => {
          if (ended || [...sockets].every((ws) => ws.bufferedAmount < LOW_WATER)) {
            clearInterval(poll);
            paused = false;
            if (!ended) proc.resume();
          }
        }, 50);
      }
    };
    proc.onData(output);

    const idleTimer = setInterval(() => {
      if (sockets.size === 0 && Date.now() - lastActivity > options.idleMs) shell.end(CLOSE.ENDED, SHELL_MESSAGES.IDLE);
    }, Math.max(50, Math.min(options.idleMs / 4, 60_000)));
    idleTimer.unref();

    let measuring = false;
    const quotaTimer = setInterval(async () => {
      if (measuring || ended) return;
      measuring = true;
      try {
        const usage = await measureHome(homeDir);
        if (cleanupUsage) {
          if (usage.bytes > cleanupUsage.bytes + 1024 * 1024) shell.end(CLOSE.OVER_QUOTA, SHELL_MESSAGES.CLEANUP_GREW);
        } else if (overQuota(usage, options.homeQuotaBytes)) {
          logger.info({ userId, shellId: id, bytes: usage.bytes }, 'cloud shell stopped over quota');
          shell.end(CLOSE.OVER_QUOTA, `${quotaMessage(usage, options.homeQuotaBytes)}\n${SHELL_MESSAGES.OVER_QUOTA_STOP}`);
        }
      } catch (err) {
        logger.warn({ err, shellId: id }, 'cloud shell quota walk failed');
      } finally {
        measuring = false;
      }
    }, options.quotaCheckMs);
    quotaTimer.unref();

    proc.onExit(({ exitCode, signal }) => {
      ended = true;
      clearInterval(idleTimer);
      clearInterval(quotaTimer);
      shells.delete(id);
      const list = userShells(userId).filter((s) => s.id !== id);
      if (list.length) byUser.set(userId, list);
      else byUser.delete(userId);
      for (const ws of sockets) {
        if (ws.readyState === ws.OPEN) {
          ws.send(Buffer.from(notice(endMessage)));
          ws.close(endCode, endCode === CLOSE.GOING_AWAY ? 'server stopping' : 'shell ended');
        }
      }
      sockets.clear();
      logger.info({ userId, shellId: id, exitCode, signal }, 'cloud shell ended');
      resolveExited();
    });

    const shell: Shell = {
      id,
      userId,
      homeDir,
      instanceId,
      sockets,
      exited,
      write(data) {
        if (ended || (typeof data !== 'string' && data.length === 0)) return;
        lastActivity = Date.now();
        proc.write(data);
      },
      print: output,
      attach(ws) {
        if (ended) return false;
        // Replay first, so the socket sees the screen before any new output.
        const replay = chunks.join('').slice(-options.scrollbackChars);
        if (replay) ws.send(Buffer.from(replay, 'utf8'));
        sockets.add(ws);
        return true;
      },
      detach(ws) {
        // Detaching counts as activity: the idle clock starts when the last socket leaves.
        if (sockets.delete(ws)) lastActivity = Date.now();
      },
      resize(cols, rows) {
        if (!ended) proc.resize(cols, rows);
      },
      end(closeCode, message) {
        if (ended) return;
        endCode = closeCode;
        if (message) endMessage = message;
        // Killing bwrap kills the sandbox's pid 1 (--die-with-parent), and with it every process left inside, a fork bomb too.
        try {
          proc.kill('SIGKILL');
        } catch {
          // already gone
        }
      },
    };
    shells.set(id, shell);
    byUser.set(userId, [...userShells(userId), shell]);
    return shell;
  }

  async function stopAll(): Promise<void> {
    const all = [...shells.values()];
    for (const s of all) s.end(CLOSE.GOING_AWAY, SHELL_MESSAGES.STOPPING);
    await Promise.race([Promise.all(all.map((s) => s.exited)), new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  return { open, stopAll, count: () => shells.size, shells: () => [...shells.values()] };
}

export type ShellManager = ReturnType<typeof createShellManager>;

/** Re-owns a home whose learner got a different uid (a restored database): lchown so links are not followed. */
async function chownTree(root: string, uid: number): Promise<void> {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    await fs.lchown(dir, uid, uid);
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else await fs.lchown(full, uid, uid);
    }
  }
}
