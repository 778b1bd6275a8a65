// The contract between the verification engine and a lab's checks: pure functions over a snapshot.
import type { AccountSnapshot, Need } from '../verify/snapshot';

export interface CheckLine {
  label: string;
  /** 'unknown' when the data could not be read: "could not check", never a false failure. */
  ok: boolean | 'unknown';
  detail?: string;
  hint?: string;
}

export interface StepResult {
  passed: boolean;
  checks: CheckLine[];
  /** Ids, CIDRs and records found: what the completion report is built from. */
  evidence: Record<string, unknown>;
}

export interface CheckContext {
  /** When the learner began the lab (first attempt or enrollment); undefined when unknown. */
  labStartedAt?: Date;
  now: Date;
}

export interface StepCheck {
  needs: Need[];
  run(snapshot: AccountSnapshot, ctx: CheckContext): StepResult;
}

/** A lab's checks module exports this: one StepCheck per step id of the lab. */
export type LabChecks = Record<string, StepCheck>;
