// The verification engine: runs one step or the whole lab for a learner, records every attempt, coalesces and rate-limits.
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { CheckContext, StepResult } from '../labs/check-types';
import type { CheckRegistry } from '../labs/registry';
import type { Lab, LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { AwsConnection } from '../store/connections';
import type { StepProgress } from '../store/progress';
import type { StepStatus } from '../store/schema';
import type { User } from '../store/users';
import { VERIFY_MESSAGES } from './aws-errors';
import type { AwsClients, LearnerRole } from './aws-session';
import { gatherSnapshot, type GatherStats } from './gather';
import type { AccountSnapshot, Need } from './snapshot';

export const ENGINE_MESSAGES = {
  NOT_CHECKABLE: 'This lab has no checks.',
  NO_CLEANUP: 'This lab has no clean-up check.',
  RATE_LIMITED: (seconds: number) => `You checked a moment ago. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
} as const;

export interface StepOutcome {
  stepId: string;
  status: Exclude<StepStatus, 'not-started'>;
  result: StepResult;
  progress: StepProgress;
}

export interface CheckRun {
  labId: string;
  accountId: string;
  region: string;
  outcomes: StepOutcome[];
  durationMs: number;
  stats: GatherStats;
  /** Per checked step: the earlier steps that have not passed yet. */
  openEarlier: Record<string, string[]>;
}

/** Anything that yields clients in the learner's account: AwsSessions in both modes. */
export interface ClientSource {
  forRole(role: LearnerRole): Promise<AwsClients>;
}

/** Which role to assume for a learner: the one they connected (AWS mode) or the one Verilab put in their sandbox. */
export interface AccountSource {
  roleFor(user: User): Promise<LearnerRole>;
}

/** AWS mode: the role ARN the learner pasted on Connect. */
export function connectedAccounts(store: Store): AccountSource {
  return {
    async roleFor(user) {
      const connection = await store.connections.get(user.id);
      if (!connection?.roleArn) throw new AppError(409, 'NOT_CONNECTED', VERIFY_MESSAGES.NOT_CONNECTED, { hint: 'Open "Connect AWS" and paste your role ARN.' });
      return roleOf(connection, user);
    },
  };
}

export function roleOf(connection: AwsConnection, user: User): LearnerRole {
  return { roleArn: connection.roleArn!, externalId: connection.externalId, region: connection.region, sessionName: user.id.slice(0, 8) + '-' + user.email.split('@')[0] };
}

export interface EngineDeps {
  labs: LabCatalog;
  checks: CheckRegistry;
  store: Store;
  aws: ClientSource;
  /** Connected roles by default. */
  accounts?: AccountSource;
  logger: Logger;
  rateLimitMs: number;
  now?: () => Date;
  /** Writes the completion report when a check passes the lab's last open step. */
  reports?: { finished(userId: string, labId: string): Promise<boolean>; generate(user: User, labId: string, aws: AwsClients): Promise<unknown> };
  /** How many checks look into accounts at once (CHECK_CONCURRENCY); the others wait their turn. Unlimited when absent. */
  concurrency?: number;
}

/**
 * At most `size` runs at a time; the others wait in the order they came. A class pressing Check together would otherwise
 * have every check's AWS calls, responses and evidence in memory at once, although the answers cannot come faster than
 * the account's API gives them (in sandbox mode, one moto process answers every call in turn).
 */
export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Runs and waiting runs, for tests and logs. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

/** A step's status from its result: passed, failed when any line failed, unknown when only "could not check" remains. */
export function statusOf(result: StepResult): StepOutcome['status'] {
  if (result.passed) return 'passed';
  return result.checks.some((c) => c.ok === false) ? 'failed' : 'unknown';
}

/** The context every check gets: the Region from the clients and the step order from the lab, whoever calls. */
function contextFor(aws: AwsClients, lab: Lab, times: Pick<CheckContext, 'now' | 'labStartedAt'>): CheckContext {
  return { ...times, region: aws.region, steps: lab.steps.map((s) => s.id), sandbox: aws.sandbox === true };
}

/**
 * Runs the checks of `stepIds` over one snapshot gathered for all of them. Pure apart from the gathering. The Region
 * and the step order come from the clients and the lab, so every caller (engine, CLI) gives checks the same context.
 */
export async function runChecks(
  aws: AwsClients,
  lab: Lab,
  checks: CheckRegistry,
  stepIds: string[],
  times: Pick<CheckContext, 'now' | 'labStartedAt'>,
): Promise<{ results: Map<string, StepResult>; snapshot: AccountSnapshot; stats: GatherStats }> {
  const ctx = contextFor(aws, lab, times);
  const needs = new Set<Need>(stepIds.flatMap((id) => checks.get(lab.id, id)?.needs ?? []));
  const { snapshot, stats } = await gatherSnapshot(aws, needs, { now: ctx.now, declared: checks.gather(lab.id) });
  const results = new Map<string, StepResult>();
  for (const id of stepIds) results.set(id, checks.get(lab.id, id)!.run(snapshot, ctx));
  return { results, snapshot, stats };
}

/** Runs the lab's clean-up check over a snapshot of what it needs: what the lab made that is still in the account. */
export async function runCleanup(aws: AwsClients, lab: Lab, checks: CheckRegistry, times: Pick<CheckContext, 'now' | 'labStartedAt'>): Promise<StepResult> {
  const cleanup = checks.cleanup(lab.id);
  if (!cleanup) throw new AppError(404, 'NO_CLEANUP_CHECK', ENGINE_MESSAGES.NO_CLEANUP);
  const ctx = contextFor(aws, lab, times);
  const { snapshot } = await gatherSnapshot(aws, new Set<Need>(cleanup.needs), { now: ctx.now, declared: checks.gather(lab.id) });
  return cleanup.run(snapshot, ctx);
}

export interface CleanupRun {
  labId: string;
  accountId: string;
  region: string;
  result: StepResult;
}

export class VerifyEngine {
  private readonly inflight = new Map<string, Promise<CheckRun>>();
  private readonly lastStart = new Map<string, number>();
  private readonly now: () => Date;
  private readonly accounts: AccountSource;
  private readonly slots: Slots;

  constructor(private readonly deps: EngineDeps) {
    this.now = deps.now ?? (() => new Date());
    this.accounts = deps.accounts ?? connectedAccounts(deps.store);
    this.slots = new Slots(deps.concurrency ?? Number.POSITIVE_INFINITY);
  }

  /** The learner's role, once the per-learner rate limit allows a look (checks and clean-up share it); refused at once, not after a wait. */
  private async allowLook(user: User) {
    const role = await this.accounts.roleFor(user);
    await this.enforceRateLimit(user.id);
    this.lastStart.set(user.id, this.now().getTime());
    return role;
  }

  /** Clients in the learner's account, once the per-learner rate limit allows a look. */
  private async learnerClients(user: User): Promise<AwsClients> {
    return this.deps.aws.forRole(await this.allowLook(user));
  }

  /** Checks the given steps (all of them when none are given) for the learner and records the attempts. */
  check(user: User, labId: string, stepIds?: string[]): Promise<CheckRun> {
    const lab = this.deps.labs.get(labId);
    if (!lab) throw new AppError(404, 'LAB_NOT_FOUND');
    if (!this.deps.checks.has(lab.id)) throw new AppError(404, 'NOT_CHECKABLE', ENGINE_MESSAGES.NOT_CHECKABLE);
    const steps = stepIds?.length ? lab.steps.filter((s) => stepIds.includes(s.id)).map((s) => s.id) : lab.steps.map((s) => s.id);
    if (steps.length === 0) throw new AppError(404, 'STEP_NOT_FOUND');
    // The same learner pressing Check twice (two tabs, a double click) shares one run instead of doubling AWS calls.
    const key = `${user.id}\n${lab.id}\n${steps.join(',')}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const run = this.start(user, lab, steps).finally(() => this.inflight.delete(key));
    this.inflight.set(key, run);
    return run;
  }

  /** Checks what the lab left in the learner's account. Rate-limited like a check; not an attempt at a step, so not recorded. */
  async checkCleanup(user: User, labId: string): Promise<CleanupRun> {
    const lab = this.deps.labs.get(labId);
    if (!lab) throw new AppError(404, 'LAB_NOT_FOUND');
    if (!this.deps.checks.cleanup(lab.id)) throw new AppError(404, 'NO_CLEANUP_CHECK', ENGINE_MESSAGES.NO_CLEANUP);
    const role = await this.allowLook(user);
    return this.slots.run(async () => {
      const aws = await this.deps.aws.forRole(role);
      const result = await runCleanup(aws, lab, this.deps.checks, { now: this.now() });
      this.deps.logger.info({ user: user.id, lab: lab.id, clean: result.passed }, 'checked clean-up');
      return { labId: lab.id, accountId: aws.accountId, region: aws.region, result };
    });
  }

  private async start(user: User, lab: Lab, steps: string[]): Promise<CheckRun> {
    const role = await this.allowLook(user);
    return this.slots.run(() => this.look(user, lab, steps, role));
  }

  /** The check itself, in its slot: its duration counts from here, not from the wait for a slot. */
  private async look(user: User, lab: Lab, steps: string[], role: Awaited<ReturnType<AccountSource['roleFor']>>): Promise<CheckRun> {
    const started = Date.now();
    const aws = await this.deps.aws.forRole(role);
    const now = this.now();
    // Began = first attempt or class enrolment; with neither, this attempt is the first one.
    const labStartedAt = (await this.deps.store.progress.labStartedAt(user.id, lab.id)) ?? now;
    const { results, stats } = await runChecks(aws, lab, this.deps.checks, steps, { now, labStartedAt });
    const durationMs = Date.now() - started;

    const outcomes: StepOutcome[] = [];
    for (const stepId of steps) {
      const result = results.get(stepId)!;
      const status = statusOf(result);
      const { progress } = await this.deps.store.progress.recordAttempt({
        userId: user.id,
        labId: lab.id,
        stepId,
        status,
        checks: result.checks,
        evidence: result.evidence,
        durationMs: durationMs / steps.length,
        at: now,
      });
      outcomes.push({ stepId, status, result, progress });
    }
    await this.deps.store.events.publish({ userId: user.id, labId: lab.id, at: now.toISOString() });
    await this.reportIfFinished(user, lab, aws, outcomes, now);
    this.deps.logger.info({ user: user.id, lab: lab.id, steps, durationMs, calls: stats.calls, rounds: stats.rounds, passed: outcomes.filter((o) => o.status === 'passed').map((o) => o.stepId) }, 'checked');
    return { labId: lab.id, accountId: aws.accountId, region: aws.region, outcomes, durationMs, stats, openEarlier: await this.openEarlier(user.id, lab, steps) };
  }

  /**
   * The lab's last open step passed in this run: the report is written now, with the clients already at hand. A report
   * that cannot be written does not undo the pass; the learner can write it from the report page.
   */
  private async reportIfFinished(user: User, lab: Lab, aws: AwsClients, outcomes: StepOutcome[], now: Date): Promise<void> {
    const reports = this.deps.reports;
    if (!reports || !outcomes.some((o) => o.status === 'passed' && o.progress.passedAt === now.toISOString())) return;
    try {
      if (await reports.finished(user.id, lab.id)) await reports.generate(user, lab.id, aws);
    } catch (err) {
      this.deps.logger.warn({ user: user.id, lab: lab.id, error: (err as Error).message }, 'report not written');
    }
  }

  /** Clients in the learner's account for something other than a check (regenerating a report), rate-limited like one. */
  accountClients(user: User): Promise<AwsClients> {
    return this.learnerClients(user);
  }

  /** One check per learner per interval, across processes (the last stored attempt) and within one (the last start). */
  private async enforceRateLimit(userId: string): Promise<void> {
    const last = Math.max(this.lastStart.get(userId) ?? 0, (await this.deps.store.progress.lastAttemptAt(userId))?.getTime() ?? 0);
    const wait = last + this.deps.rateLimitMs - this.now().getTime();
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(429, 'CHECK_RATE_LIMITED', ENGINE_MESSAGES.RATE_LIMITED(seconds), { details: { retryAfterSeconds: seconds } });
    }
  }

  async openEarlier(userId: string, lab: Lab, steps: string[]): Promise<Record<string, string[]>> {
    const progress = await this.deps.store.progress.forLearner(userId, lab.id);
    const passed = new Set(progress.filter((p) => p.status === 'passed').map((p) => p.stepId));
    const open: Record<string, string[]> = {};
    for (const stepId of steps) {
      const index = lab.steps.findIndex((s) => s.id === stepId);
      open[stepId] = lab.steps.slice(0, index).filter((s) => !passed.has(s.id)).map((s) => s.id);
    }
    return open;
  }
}
