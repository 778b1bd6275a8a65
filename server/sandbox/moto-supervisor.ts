// moto server for sandbox mode: a supervised child process (restarted when it dies) or a shared one at SANDBOX_MOTO_URL, and the id of the instance that holds the accounts.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { VERILAB_SANDBOX_CREDENTIALS } from './keys';
import { startMoto, type MotoProcess } from './moto-process';

export const MOTO_MESSAGES = {
  MISSING: (command: string) =>
    `Sandbox mode needs moto server, and '${command}' is not installed: install it with pip install "moto[server]" and restart Verilab. The lab pages still work, and AWS mode (VERILAB_MODE=aws with AWS credentials) works without it.`,
  UNAVAILABLE: 'The sandbox is not available right now, so Verilab cannot check your work or open your cloud shell.',
  MISSING_HINT: 'The operator needs to install moto server (pip install "moto[server]") and restart Verilab.',
  RESTARTING_HINT: 'The sandbox server is restarting. Try again in a few seconds.',
} as const;

export type MotoState = 'starting' | 'ready' | 'restarting' | 'missing' | 'stopped';

export interface MotoSource {
  /** moto's base URL while it answers; undefined otherwise. */
  url(): string | undefined;
  state(): MotoState;
  /** Throws an AppError (503) with a message for the learner when moto cannot be used now. */
  requireUrl(): string;
  /**
   * The id of the moto instance that now holds the sandbox accounts. moto keeps everything in memory, so a new id means
   * every account was lost. It is kept in moto itself (a marker role in Verilab's own account), so every Verilab process
   * sharing one moto server agrees on it.
   */
  instance(): Promise<string>;
  /** How long an instance id read from moto is trusted: a change in moto shows within this. */
  readonly instanceTtlMs: number;
  stop(): Promise<void>;
}

const MARKER_ROLE = 'verilab-sandbox-instance';
const MARKER_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
/** How long a process trusts the instance id it last read; a shared moto restarted elsewhere is noticed within this. */
const INSTANCE_TTL_MS = 5_000;

/** True when `command` is a path to an executable, or an executable on PATH. */
export function commandExists(command: string, envPath = process.env.PATH ?? ''): boolean {
  const candidates = command.includes('/') ? [command] : envPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

abstract class BaseMoto implements MotoSource {
  private cached?: { id: string; at: number; url: string };
  private pending?: Promise<string>;
  private iam?: { url: string; client: IAMClient };

  abstract url(): string | undefined;
  abstract state(): MotoState;
  abstract stop(): Promise<void>;

  constructor(
    protected readonly logger: Logger,
    readonly instanceTtlMs = INSTANCE_TTL_MS,
  ) {}

  requireUrl(): string {
    const url = this.url();
    if (url) return url;
    const state = this.state();
    throw new AppError(503, 'SANDBOX_UNAVAILABLE', MOTO_MESSAGES.UNAVAILABLE, { hint: state === 'missing' ? MOTO_MESSAGES.MISSING_HINT : MOTO_MESSAGES.RESTARTING_HINT, expose: true });
  }

  protected forgetInstance(): void {
    this.cached = undefined;
  }

  instance(): Promise<string> {
    const url = this.requireUrl();
    if (this.cached && this.cached.url === url && Date.now() - this.cached.at < this.instanceTtlMs) return Promise.resolve(this.cached.id);
    this.pending ??= this.readInstance(url).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async readInstance(url: string): Promise<string> {
    if (this.iam?.url !== url) this.iam = { url, client: new IAMClient({ region: 'us-east-1', endpoint: url, credentials: VERILAB_SANDBOX_CREDENTIALS, maxAttempts: 2 }) };
    const iam = this.iam.client;
    const read = async () => (await iam.send(new GetRoleCommand({ RoleName: MARKER_ROLE }))).Role?.Description;
    let id: string | undefined;
    try {
      id = await read();
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchEntityException' && (err as { name?: string }).name !== 'NoSuchEntity') throw this.unreachable(err);
      try {
        const created = randomUUID();
        await iam.send(new CreateRoleCommand({ RoleName: MARKER_ROLE, AssumeRolePolicyDocument: MARKER_TRUST, Description: created }));
        id = created;
        this.logger.info({ instance: id }, 'sandbox: a new moto instance (no sandbox account exists in it yet)');
      } catch (createErr) {
        // Another Verilab process marked it first.
        if ((createErr as { name?: string }).name !== 'EntityAlreadyExistsException' && (createErr as { name?: string }).name !== 'EntityAlreadyExists') throw this.unreachable(createErr);
        id = await read();
      }
    }
    if (!id) throw this.unreachable(new Error('the instance marker has no id'));
    this.cached = { id, at: Date.now(), url };
    return id;
  }

  private unreachable(err: unknown): AppError {
    this.logger.warn({ err }, 'sandbox: moto server did not answer');
    return new AppError(503, 'SANDBOX_UNAVAILABLE', MOTO_MESSAGES.UNAVAILABLE, { hint: MOTO_MESSAGES.RESTARTING_HINT, expose: true, cause: err });
  }
}

/** A moto server that someone else runs (SANDBOX_MOTO_URL): several Verilab processes share it. */
export class ExternalMoto extends BaseMoto {
  constructor(
    private readonly baseUrl: string,
    logger: Logger,
    instanceTtlMs?: number,
  ) {
    super(logger, instanceTtlMs);
  }
  url(): string {
    return this.baseUrl;
  }
  state(): MotoState {
    return 'ready';
  }
  async stop(): Promise<void> {}
}

export interface ManagedMotoOptions {
  command?: string;
  logger: Logger;
  /** First wait before a restart; doubles on each failure in a row, up to 30 s. */
  restartDelayMs?: number;
  startTimeoutMs?: number;
}

/** moto as Verilab's own child process: started at start-up, restarted on its own port when it dies, stopped with Verilab. */
export class ManagedMoto extends BaseMoto {
  private process?: MotoProcess;
  private current: MotoState = 'starting';
  private stopping = false;
  private port?: number;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  readonly command: string;
  /** Called after moto came back from a crash: every account it held is gone. */
  onRestart?: () => void;

  constructor(private readonly options: ManagedMotoOptions) {
    super(options.logger);
    this.command = options.command ?? 'moto_server';
  }

  url(): string | undefined {
    return this.current === 'ready' ? this.process?.url : undefined;
  }

  state(): MotoState {
    return this.current;
  }

  /** The child's process id while it runs (for operators' logs and tests). */
  pid(): number | undefined {
    return this.current === 'ready' ? this.process?.pid : undefined;
  }

  /** Starts moto and waits until it answers. A missing command is logged once and leaves sandbox mode unavailable, not Verilab down. */
  async start(): Promise<void> {
    if (!commandExists(this.command)) {
      this.current = 'missing';
      this.logger.warn(MOTO_MESSAGES.MISSING(this.command));
      return;
    }
    await this.launch();
  }

  private async launch(): Promise<void> {
    const logger = this.logger.child({ component: 'moto' });
    try {
      this.process = await startMoto({ command: this.command, port: this.port, startTimeoutMs: this.options.startTimeoutMs, onLine: (line) => logger.debug(line) });
    } catch (err) {
      if (this.stopping) return;
      this.logger.error({ err }, 'sandbox: moto server did not start');
      // The port may have been taken while moto was down: the next try takes any free one.
      this.port = undefined;
      this.scheduleRestart();
      return;
    }
    if (this.stopping) {
      await this.process.stop();
      return;
    }
    this.port = this.process.port;
    this.failures = 0;
    this.forgetInstance();
    const wasRestart = this.current === 'restarting';
    this.current = 'ready';
    this.logger.info({ url: this.process.url }, wasRestart ? 'sandbox: moto server restarted; learners are told their sandbox was reset' : 'sandbox: moto server is ready');
    if (wasRestart) this.onRestart?.();
    const proc = this.process;
    void proc.exited.then(({ code, signal }) => {
      if (this.stopping || this.process !== proc) return;
      this.logger.error({ code, signal }, 'sandbox: moto server stopped unexpectedly; restarting it (everything in the sandboxes is lost)');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    this.current = 'restarting';
    this.forgetInstance();
    const delay = Math.min(30_000, (this.options.restartDelayMs ?? 500) * 2 ** this.failures);
    this.failures += 1;
    this.timer = setTimeout(() => void this.launch(), delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.current = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    await this.process?.stop();
  }
}
