// A lab's self-test: in fresh accounts, every check fails before its step's solution and passes after it, and each broken variant fails with its hint.
import type { AwsClients } from '../verify/aws-session';
import type { CheckLine, StepResult } from './check-types';
import { labModulePath } from './registry';
import type { LabSolver } from './solver-registry';
import type { Lab } from './types';

/** A way to get a step wrong: the steps before `step` are solved, then `breakStep` does `step` as a learner might, wrongly. */
export interface BrokenVariant<S> {
  name: string;
  step: string;
  breakStep(clients: AwsClients, state: S): Promise<void>;
  /** What a failing line of the step's check must say (its detail, hint or explanation). */
  hint: RegExp;
}

/** A fresh account to run the lab in: clients acting in it as the learner, and the lab's checks run on it as Verilab runs them. */
export interface SelfTestAccount {
  accountId: string;
  clients: AwsClients;
  check(step: string): Promise<StepResult>;
}

export interface StepVerdict {
  step: string;
  failedBefore: boolean;
  passedAfter: boolean;
  before: CheckLine[];
  after: CheckLine[];
  error?: string;
}

export interface VariantVerdict {
  name: string;
  step: string;
  failed: boolean;
  hintMatched: boolean;
  said: string[];
  error?: string;
}

export interface SelfTestReport {
  lab: string;
  accountId?: string;
  steps: StepVerdict[];
  variants: VariantVerdict[];
  ok: boolean;
}

/** What each failed line tells the learner (not its label, which names the goal), for matching a variant's expected hint. */
function saidBy(result: StepResult): string[] {
  return result.checks.filter((c) => c.ok !== true).map((c) => [c.detail, c.hint, c.explanation].filter(Boolean).join(' — '));
}

function excerpt(text: string, pattern: RegExp): string {
  const at = Math.max(0, text.search(pattern));
  const start = Math.max(0, at - 40);
  return `${start > 0 ? '…' : ''}${text.slice(start, at + 100)}${at + 100 < text.length ? '…' : ''}`;
}

/** The broken variants of a lab: its folder's self-test module (self-test.ts from sources, .js built) exports them as `variants`. */
export function loadVariants(lab: Lab): BrokenVariant<unknown>[] | undefined {
  const file = labModulePath(lab, 'self-test');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- labs are plugins found at run time
  return file ? (require(file) as { variants?: BrokenVariant<unknown>[] }).variants : undefined;
}

/**
 * Runs the self-test: the whole lab step by step in one fresh account, then each variant in a fresh account of its own.
 * `progress` hears each verdict as it is reached.
 */
export async function runSelfTest<S>(
  lab: Lab,
  test: { solver: LabSolver<S>; variants: BrokenVariant<S>[] },
  newAccount: () => Promise<SelfTestAccount>,
  progress: (line: string) => void = () => undefined,
): Promise<SelfTestReport> {
  const now = () => ({ now: new Date() });
  const report: SelfTestReport = { lab: lab.id, steps: [], variants: [], ok: true };
  const steps = lab.steps.map((s) => s.id);
  const account = await newAccount();
  report.accountId = account.accountId;
  const state = await test.solver.discover(account.clients, now());
  for (const step of steps) {
    const verdict: StepVerdict = { step, failedBefore: false, passedAfter: false, before: [], after: [] };
    try {
      const before = await account.check(step);
      verdict.before = before.checks;
      verdict.failedBefore = !before.passed;
      await test.solver.solveStep(account.clients, step, state, now());
      const after = await account.check(step);
      verdict.after = after.checks;
      verdict.passedAfter = after.passed;
    } catch (err) {
      verdict.error = (err as Error).message;
    }
    report.steps.push(verdict);
    const why = verdict.error ? ` (${verdict.error})` : !verdict.passedAfter ? `: ${saidBy({ passed: false, checks: verdict.after, evidence: {} }).join(' | ')}` : '';
    progress(`${verdict.failedBefore && verdict.passedAfter ? 'ok ' : 'BAD'} step ${step}: ${verdict.failedBefore ? 'fails' : 'PASSES'} before its solution, ${verdict.passedAfter ? 'passes' : 'FAILS'} after${why}`);
    // Later steps build on this one: without it the rest cannot be judged.
    if (verdict.error) break;
  }
  const missing = steps.filter((s) => !test.variants.some((v) => v.step === s));
  for (const variant of test.variants) {
    const verdict: VariantVerdict = { name: variant.name, step: variant.step, failed: false, hintMatched: false, said: [] };
    try {
      const fresh = await newAccount();
      const own = await test.solver.discover(fresh.clients, now());
      for (const step of steps.slice(0, steps.indexOf(variant.step))) await test.solver.solveStep(fresh.clients, step, own, now());
      await variant.breakStep(fresh.clients, own);
      const result = await fresh.check(variant.step);
      verdict.failed = !result.passed;
      verdict.said = saidBy(result);
      verdict.hintMatched = verdict.said.some((s) => variant.hint.test(s));
    } catch (err) {
      verdict.error = (err as Error).message;
    }
    report.variants.push(verdict);
    const matched = verdict.said.find((s) => variant.hint.test(s));
    const detail = verdict.error
      ? ` (${verdict.error})`
      : matched
        ? `, saying "${excerpt(matched, variant.hint)}"`
        : verdict.failed
          ? `, but no failing line matches ${variant.hint}: ${verdict.said.join(' | ')}`
          : '';
    progress(`${verdict.failed && verdict.hintMatched ? 'ok ' : 'BAD'} variant "${variant.name}" (step ${variant.step}): ${verdict.failed ? 'fails' : 'PASSES'}${detail}`);
  }
  for (const step of missing) progress(`BAD step ${step} has no broken variant`);
  report.ok =
    missing.length === 0 &&
    report.steps.length === steps.length &&
    report.steps.every((s) => s.failedBefore && s.passedAfter && !s.error) &&
    report.variants.every((v) => v.failed && v.hintMatched && !v.error);
  return report;
}
