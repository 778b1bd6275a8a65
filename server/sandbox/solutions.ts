// Skip and Rebuild: a lab's solutions run in a learner's sandbox account after finding what they built; a skipped step is then checked and recorded as usual.
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../errors';
import type { LabSolver, SolverRegistry } from '../labs/solver-registry';
import type { Lab, LabCatalog, Step } from '../labs/types';
import type { Store } from '../store';
import type { StepStatusRow } from '../store/progress';
import type { User } from '../store/users';
import type { AwsClients } from '../verify/aws-session';
import type { CheckRun, VerifyEngine } from '../verify/engine';
import type { LabClientsFactory } from './lab-clients';
import type { Sandbox } from './sandbox';

const stepName = (s: Step) => `step ${s.number} (${s.title})`;

export const SOLUTION_MESSAGES = {
  SKIP_UNAVAILABLE: 'Skipping a step is offered only in sandbox mode, where Verilab can do the step for you in your sandbox account.',
  NO_SOLUTIONS: 'This lab has no solutions that Verilab could run for you.',
  SKIP_NO_CLASS: 'Only learners in a class can skip steps, and only when their instructor allows it. Join your class first.',
  SKIP_NOT_ALLOWED: 'Your instructor has not allowed skipping steps in your class.',
  SKIP_ALREADY_PASSED: 'You have already passed this step, so there is nothing to skip.',
  SKIP_NEEDS_STEP: (step: Step, earlier: Step, passed: boolean) =>
    passed
      ? `Skipping step ${step.number} needs what ${stepName(earlier)} built, and your sandbox account no longer has it. Build it again, or use Rebuild to where I was on the My sandbox page.`
      : `Skipping step ${step.number} needs what ${stepName(earlier)} builds, and your sandbox account does not have it yet. Finish or skip step ${earlier.number} first.`,
  BUSY: 'Verilab is already doing steps in your sandbox account. Wait for that to finish, then try again.',
  RATE_LIMITED: (seconds: number) => `You checked or skipped a moment ago. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  REBUILD_RATE_LIMITED: (seconds: number) => `Verilab worked in your sandbox a moment ago. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  READ_FAILED: 'Verilab could not read your sandbox account to see what you built.',
  SOLUTION_FAILED: (step: Step) => `Verilab could not do ${stepName(step)} in your sandbox account.`,
  TRY_AGAIN: 'Try again in a moment. If it keeps failing, do the step yourself or tell your instructor.',
  REBUILD_UNAVAILABLE: 'Rebuilding is offered only in sandbox mode.',
  NOTHING_TO_REBUILD: 'You had not passed any step yet, so there was nothing to rebuild.',
  REBUILT: 'Verilab rebuilt the steps you had passed in your sandbox account. Press Check on a step to see it pass again.',
  REBUILT_PARTLY: 'Verilab rebuilt some of the steps you had passed in your sandbox account; the others are listed below with the reason.',
} as const;

/** One sentence for the page that shows a rebuild's report. */
export function rebuildSummary(report: RebuildReport): string {
  if (report.labs.length === 0) return SOLUTION_MESSAGES.NOTHING_TO_REBUILD;
  return report.labs.some((l) => l.notRebuilt.length > 0) ? SOLUTION_MESSAGES.REBUILT_PARTLY : SOLUTION_MESSAGES.REBUILT;
}

/** What the step page shows about Skip for one learner. */
export interface SkipStatus {
  /** The Skip this step button: the learner's class allows it and the step is not passed. */
  offered: boolean;
  /** When the learner skipped the step; undefined when they did it themselves (or not yet). */
  skippedAt?: string;
}

export interface SkipResult {
  lab: Lab;
  step: Step;
  run: CheckRun;
}

export interface RebuiltLab {
  lab: Lab;
  rebuilt: Step[];
  /** Passed steps whose solution could not run, and why (a sentence). */
  notRebuilt: { step: Step; reason: string }[];
}

export interface RebuildReport {
  accountId: string;
  labs: RebuiltLab[];
}

export interface SolutionsDeps {
  labs: LabCatalog;
  solvers: SolverRegistry;
  store: Store;
  engine: VerifyEngine;
  accounts: Sandbox;
  labClients: LabClientsFactory;
  logger: Logger;
  /** The check rate limit: a Skip ends in a check, so it waits as a check would. */
  rateLimitMs: number;
  now?: () => Date;
}

export class SandboxSolutions {
  /** Learners with a Skip or Rebuild running: their account is being changed, so another one waits. */
  private readonly busy = new Set<string>();
  private readonly lastStart = new Map<string, number>();
  private readonly now: () => Date;

  constructor(private readonly deps: SolutionsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Whether any lab has solutions: Rebuild to where I was is offered then. */
  get rebuildable(): boolean {
    return this.deps.labs.labs.some((l) => this.deps.solvers.get(l.id) !== undefined);
  }

  async skipStatus(user: User | undefined, labId: string, stepId: string, statuses?: StepStatusRow[]): Promise<SkipStatus | undefined> {
    if (!user || !this.deps.solvers.get(labId)) return undefined;
    const [progress, policy] = await Promise.all([statuses ?? this.deps.store.progress.statuses(user.id, labId), this.deps.store.classes.skipPolicy(user.id, labId)]);
    const row = progress.find((p) => p.stepId === stepId);
    return { offered: policy === 'allowed' && row?.status !== 'passed', skippedAt: row?.skippedAt ?? undefined };
  }

  /**
   * Does the step for the learner: finds what their account holds, runs the step's solution there, then checks the step
   * as a Check would (recording the attempt) and marks it skipped. Refused with a 4xx whenever it cannot be done.
   */
  async skip(user: User, labId: string, stepId: string): Promise<SkipResult> {
    const lab = this.deps.labs.get(labId);
    if (!lab) throw new NotFoundError('LAB_NOT_FOUND');
    const step = lab.steps.find((s) => s.id === stepId);
    if (!step) throw new NotFoundError('STEP_NOT_FOUND');
    const solver = this.deps.solvers.get(lab.id);
    if (!solver) throw new NotFoundError('NO_SOLUTIONS', SOLUTION_MESSAGES.NO_SOLUTIONS);
    const policy = await this.deps.store.classes.skipPolicy(user.id, lab.id);
    if (policy === 'no-class') throw new AppError(403, 'SKIP_NO_CLASS', SOLUTION_MESSAGES.SKIP_NO_CLASS);
    if (policy === 'not-allowed') throw new AppError(403, 'SKIP_NOT_ALLOWED', SOLUTION_MESSAGES.SKIP_NOT_ALLOWED);
    const passed = await this.passedSteps(user.id, lab.id);
    if (passed.has(step.id)) throw new AppError(409, 'SKIP_ALREADY_PASSED', SOLUTION_MESSAGES.SKIP_ALREADY_PASSED);

    return this.exclusive(user.id, async () => {
      await this.enforceRateLimit(user.id, 'skip');
      const clients = await this.clientsFor(user.id);
      const now = this.now();
      const state = await this.discover(solver, clients, now);
      const missing = solver.missing(step.id, state);
      const earlier = lab.steps.find((s) => s.id === missing[0]);
      if (earlier) throw new AppError(409, 'SKIP_NEEDS_STEP', SOLUTION_MESSAGES.SKIP_NEEDS_STEP(step, earlier, passed.has(earlier.id)), { details: { step: earlier.id } });
      await this.solveStep(solver, clients, step, state, now);
      this.deps.logger.info({ user: user.id, lab: lab.id, step: step.id, account: clients.accountId }, 'sandbox: step skipped; checking it');
      const run = await this.deps.engine.check(user, lab.id, [step.id]);
      await this.deps.store.progress.markSkipped(user.id, lab.id, step.id, now);
      // The check above told the grids; this tells them the step was skipped.
      await this.deps.store.events.publish({ userId: user.id, labId: lab.id, at: now.toISOString() });
      return { lab, step, run };
    });
  }

  /**
   * After a reset or a lost sandbox: runs, in lab order, the solutions of the steps the learner had passed, in their
   * account as it is now. Nothing is checked or recorded: their progress is already there.
   */
  async rebuild(user: User): Promise<RebuildReport> {
    return this.exclusive(user.id, async () => {
      await this.enforceRateLimit(user.id, 'rebuild');
      const clients = await this.clientsFor(user.id);
      const now = this.now();
      const report: RebuildReport = { accountId: clients.accountId, labs: [] };
      for (const lab of this.deps.labs.labs) {
        const solver = this.deps.solvers.get(lab.id);
        if (!solver) continue;
        const passed = await this.passedSteps(user.id, lab.id);
        const steps = lab.steps.filter((s) => passed.has(s.id));
        if (steps.length === 0) continue;
        report.labs.push(await this.rebuildLab(lab, solver, clients, steps, now));
      }
      this.deps.logger.info({ user: user.id, account: clients.accountId, rebuilt: report.labs.map((l) => [l.lab.id, l.rebuilt.map((s) => s.id)]) }, 'sandbox: rebuilt');
      return report;
    });
  }

  private async rebuildLab(lab: Lab, solver: LabSolver, clients: AwsClients, steps: Step[], now: Date): Promise<RebuiltLab> {
    const state = await this.discover(solver, clients, now);
    const out: RebuiltLab = { lab, rebuilt: [], notRebuilt: [] };
    let failed: Step | undefined;
    for (const step of steps) {
      if (failed) {
        out.notRebuilt.push({ step, reason: `Not tried, since ${stepName(failed)} could not be rebuilt.` });
        continue;
      }
      const earlier = lab.steps.find((s) => s.id === solver.missing(step.id, state)[0]);
      if (earlier) {
        out.notRebuilt.push({ step, reason: `It needs what ${stepName(earlier)} builds, and you had not passed that step.` });
        continue;
      }
      try {
        await this.solveStep(solver, clients, step, state, now);
        out.rebuilt.push(step);
      } catch (err) {
        if (!(err instanceof AppError) || !err.expose) throw err;
        failed = step;
        out.notRebuilt.push({ step, reason: err.message });
      }
    }
    return out;
  }

  private async passedSteps(userId: string, labId: string): Promise<Set<string>> {
    const progress = await this.deps.store.progress.forLearner(userId, labId);
    return new Set(progress.filter((p) => p.status === 'passed').map((p) => p.stepId));
  }

  /** The learner's account, ready in the current moto (a lost one is prepared again), with clients acting in it. */
  private async clientsFor(userId: string): Promise<AwsClients> {
    const row = await this.deps.accounts.prepare(userId);
    return this.deps.labClients(row.accountId, row.region);
  }

  private async discover(solver: LabSolver, clients: AwsClients, now: Date): Promise<unknown> {
    try {
      return await solver.discover(clients, { now });
    } catch (err) {
      throw this.failure(err, SOLUTION_MESSAGES.READ_FAILED, clients);
    }
  }

  private async solveStep(solver: LabSolver, clients: AwsClients, step: Step, state: unknown, now: Date): Promise<void> {
    try {
      await solver.solveStep(clients, step.id, state, { now });
    } catch (err) {
      throw this.failure(err, SOLUTION_MESSAGES.SOLUTION_FAILED(step), clients, step);
    }
  }

  /** A solution that failed in moto is the sandbox's trouble, not a bug to hide: a 502 the learner may read, with the cause logged. */
  private failure(err: unknown, message: string, clients: AwsClients, step?: Step): AppError {
    if (err instanceof AppError) return err;
    this.deps.logger.error({ err, account: clients.accountId, step: step?.id }, 'sandbox: a lab solution failed');
    return new AppError(502, 'SOLUTION_FAILED', message, { hint: SOLUTION_MESSAGES.TRY_AGAIN, expose: true, cause: err });
  }

  private async exclusive<T>(userId: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(userId)) throw new AppError(409, 'SANDBOX_BUSY', SOLUTION_MESSAGES.BUSY);
    this.busy.add(userId);
    try {
      return await work();
    } finally {
      this.busy.delete(userId);
    }
  }

  /** One Skip or Rebuild per interval per learner; a Skip also waits for the learner's last check, since it ends in one. */
  private async enforceRateLimit(userId: string, kind: 'skip' | 'rebuild'): Promise<void> {
    const lastCheck = kind === 'skip' ? ((await this.deps.store.progress.lastAttemptAt(userId))?.getTime() ?? 0) : 0;
    const last = Math.max(this.lastStart.get(userId) ?? 0, lastCheck);
    const wait = last + this.deps.rateLimitMs - this.now().getTime();
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const [code, message] = kind === 'skip' ? ['SKIP_RATE_LIMITED', SOLUTION_MESSAGES.RATE_LIMITED(seconds)] : ['REBUILD_RATE_LIMITED', SOLUTION_MESSAGES.REBUILD_RATE_LIMITED(seconds)];
      throw new AppError(429, code, message, { details: { retryAfterSeconds: seconds } });
    }
    if (this.lastStart.size > 10_000) this.lastStart.clear();
    this.lastStart.set(userId, this.now().getTime());
  }
}
