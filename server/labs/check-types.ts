// The contract between the verification engine and a lab's checks: pure functions over a snapshot.
import type { AccountSnapshot, Need } from '../verify/snapshot';
import type { FlowRecordWhere } from './kit/flow-logs';

export interface CheckLine {
  label: string;
  /** 'unknown' when the data could not be read: "could not check", never a false failure. */
  ok: boolean | 'unknown';
  detail?: string;
  hint?: string;
  /**
   * Advice on a failed line that never decides ok: how the account's network treats the traffic the line is about, in
   * words (where a packet stops and why). Shown apart from the detail (what was found) and the hint (what to do).
   */
  explanation?: string;
}

export interface StepResult {
  passed: boolean;
  checks: CheckLine[];
  /** Ids, CIDRs and records found: what the completion report is built from. */
  evidence: Record<string, unknown>;
}

export interface CheckContext {
  /** When the learner began the lab (first attempt or class enrolment, never the account's creation); undefined when unknown (the CLI without --started-at). */
  labStartedAt?: Date;
  now: Date;
  /** The Region that was read: "not found" hints name it, so a learner who built elsewhere knows why nothing was found. */
  region: string;
  /** The lab's step ids in lab.md order, the one place step order lives: checks number steps from it ("Finish step 4 first"). */
  steps: readonly string[];
  /** True when the account is a Verilab sandbox, where flow records arrive within seconds: hints then do not ask to wait. */
  sandbox?: boolean;
}

export interface StepCheck {
  needs: Need[];
  run(snapshot: AccountSnapshot, ctx: CheckContext): StepResult;
}

/** A lab's checks module exports this as `checks`: one StepCheck per step id of the lab. */
export type LabChecks = Record<string, StepCheck>;

/**
 * What a lab asks the gatherer to read beyond its needs; a lab's checks module may export it as `gather`. Every
 * field is optional: without it the gatherer reads every flow record and the newest service roles.
 */
export interface GatherDeclaration {
  /** Only flow records with these field values ({ protocol: 1 }), filtered in CloudWatch Logs where the format allows. */
  flowRecords?: { where?: FlowRecordWhere };
  /** Service principals (vpc-flow-logs.amazonaws.com) whose roles the checks judge: their policies are read first. */
  roleServices?: string[];
}
