// Results and parts: a piece of a lab that is found, missing (with a hint) or unknown, combined and turned into check lines.
import type { AccountSnapshot, Need, Part } from '../../verify/snapshot';
import type { CheckLine, StepResult } from '../check-types';

export interface Ok<T> {
  ok: true;
  value: T;
  detail?: string;
}
export interface Missing {
  ok: false;
  hint: string;
  detail?: string;
  /** The step id that creates the missing piece, so later steps can point back to it. */
  origin?: string;
  /** True when the hint already points elsewhere ("Finish step 1 first: ..."); it is passed on unchanged. */
  pointer?: boolean;
}
export interface Unknown {
  ok: 'unknown';
  detail: string;
  hint?: string;
}
export type Found<T> = Ok<T> | Missing | Unknown;
export type NotFound = Missing | Unknown;

export function found<T>(value: T, detail?: string): Ok<T> {
  return { ok: true, value, detail };
}

export function missing(hint: string, detail?: string, origin?: string): Missing {
  return { ok: false, hint, detail, origin };
}

export function unknown(detail: string, hint?: string): Unknown {
  return { ok: 'unknown', detail, hint };
}

export function valueOf<T>(piece: Found<T>): T | undefined {
  return piece.ok === true ? piece.value : undefined;
}

/** How a lab numbers its steps for "Finish step N first". */
export type StepNumber = (stepId: string) => number;

/**
 * Step numbers from the lab's step order (lab.md, handed to checks in their context), 1-based. An id the lab does not
 * list is a mistake in the lab's checks, so it throws rather than print "step 0".
 */
export function stepNumbering(steps: readonly string[]): StepNumber {
  return (stepId) => {
    const index = steps.indexOf(stepId);
    if (index < 0) throw new Error(`step "${stepId}" is not one of the lab's steps (${steps.join(', ')})`);
    return index + 1;
  };
}

/** The piece with `origin` as the step that creates it when it is missing (kit finders do not know the lab's steps). */
export function fromStep<T>(piece: Found<T>, origin: string): Found<T> {
  return piece.ok === false && !piece.origin ? { ...piece, origin } : piece;
}

/**
 * A piece from an earlier step is missing: the line still appears, pointing back to the step the piece comes
 * from (its origin, else `step`). Unknown stays unknown, and a hint that already points somewhere is kept.
 */
export function after(dependency: NotFound, step: string, numberOf: StepNumber): NotFound {
  if (dependency.ok === 'unknown' || dependency.pointer) return dependency;
  const origin = dependency.origin ?? step;
  return { ok: false, hint: `Finish step ${numberOf(origin)} first: ${dependency.hint}`, detail: dependency.detail, origin, pointer: true };
}

/**
 * A line of step `current` that cannot pass until `dependency` is there: a piece of an earlier step points back
 * to it (see after); a piece of this same step gets the short `sameStepHint` ("Create the role first (see above).").
 */
export function blocked(dependency: NotFound, current: string, sameStepHint: string, numberOf: StepNumber): NotFound {
  if (dependency.ok === 'unknown' || dependency.pointer) return dependency;
  if (dependency.origin && dependency.origin !== current) return after(dependency, dependency.origin, numberOf);
  return { ok: false, hint: sameStepHint, origin: current, pointer: true };
}

/** The first piece that is not there: any missing one wins over unknown ones (it cannot pass either way). */
export function firstProblem(pieces: readonly Found<unknown>[]): NotFound | undefined {
  const problems = pieces.filter((p): p is NotFound => p.ok !== true);
  return problems.find((p) => p.ok === false) ?? problems[0];
}

type Values<T extends readonly Found<unknown>[]> = { [K in keyof T]: T[K] extends Found<infer V> ? V : never };

/** All pieces' values at once, or the first problem among them (see firstProblem). */
export function allOf<T extends readonly Found<unknown>[]>(...pieces: T): Found<Values<T>> {
  const problem = firstProblem(pieces);
  if (problem) return problem;
  return found(pieces.map((p) => (p as Ok<unknown>).value) as unknown as Values<T>);
}

/** Drops undefined fields so results and evidence serialise the same way everywhere. */
export function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A step's result: passed when every line is ok (an unknown line never passes), evidence without undefined fields. */
export function stepResult(checks: CheckLine[], evidence: Record<string, unknown>): StepResult {
  return { passed: checks.every((c) => c.ok === true), checks, evidence: clean(evidence) };
}

/** A check line from a Found; `okDetail` replaces the Found's own detail when it is there. */
export function toLine(label: string, piece: Found<unknown>, okDetail?: string): CheckLine {
  if (piece.ok === true) return clean({ label, ok: true, detail: okDetail ?? piece.detail });
  return clean({ label, ok: piece.ok, detail: piece.detail, hint: piece.hint });
}

type PartValue<K extends Need> = NonNullable<AccountSnapshot[K]> extends Part<infer T> ? T : never;

const PART_NAMES: Record<Need, string> = {
  vpcs: 'VPCs',
  subnets: 'subnets',
  routeTables: 'route tables',
  internetGateways: 'internet gateways',
  securityGroups: 'security groups',
  instances: 'instances',
  peerings: 'VPC peering connections',
  flowLogs: 'flow logs',
  logGroups: 'log groups',
  flowRecords: 'flow records',
  insightsQueries: 'Logs Insights queries',
  iamRoles: 'IAM roles',
};

/** A snapshot part's value, or 'unknown' saying what could not be read and which permission is missing. */
export function readPart<K extends Need>(snapshot: AccountSnapshot, key: K): Found<PartValue<K>> {
  const part = snapshot[key] as Part<PartValue<K>> | undefined;
  const what = PART_NAMES[key];
  if (part === undefined) return unknown(`Could not check: ${what} were not read for this check.`);
  if (part.ok) return found(part.value);
  if (part.permission) {
    return unknown(
      `Could not check: could not read ${what}: the role lacks ${part.permission}.`,
      `Make sure the Verilab read-only role in your account still allows ${part.permission} (redeploy its template), then check again.`,
    );
  }
  return unknown(`Could not check: could not read ${what}: ${part.reason}.`);
}

export function joinDetails(...parts: (string | undefined)[]): string | undefined {
  const text = parts.filter((p): p is string => !!p).join(' ');
  return text || undefined;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Epoch ms (or an ISO string) as "2024-06-10 09:20 UTC". */
export function formatTime(time: number | string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An ISO time as epoch ms, 0 when absent or unparsable (so it sorts last as "oldest"). */
export function timeOf(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** A computation run at most once, for finders that several checks ask for. */
export function once<V>(compute: () => V): () => V {
  let cached: { value: V } | undefined;
  return () => (cached ??= { value: compute() }).value;
}

/** A one-argument computation run at most once per argument. */
export function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    if (!cache.has(key)) cache.set(key, compute(key));
    return cache.get(key) as V;
  };
}
