// Snapshot fixtures for check tests: load a JSON account fresh, reach into its parts, and break them on purpose.
import fs from 'node:fs';
import path from 'node:path';
import type { CheckContext, CheckLine, StepResult } from '../../server/labs/check-types';
import type { Found } from '../../server/labs/kit/results';
import { loadLabs } from '../../server/labs/loader';
import { LABS_DIR } from '../../server/paths';
import type { AccountSnapshot, Need, Part } from '../../server/verify/snapshot';

export const SNAPSHOTS = path.join(__dirname, '..', 'fixtures', 'snapshots');

/** A fresh deep copy of a fixture, e.g. loadSnapshot('vpc-flow-logs/complete'): tests may mutate it freely. */
export function loadSnapshot(name: string): AccountSnapshot {
  return JSON.parse(fs.readFileSync(path.join(SNAPSHOTS, `${name}.json`), 'utf8')) as AccountSnapshot;
}

type PartValue<K extends Need> = NonNullable<AccountSnapshot[K]> extends Part<infer T> ? T : never;

/** The value of a readable part, to mutate in place; throws when the fixture marks it unavailable. */
export function partOf<K extends Need>(snapshot: AccountSnapshot, key: K): PartValue<K> {
  const part = snapshot[key] as Part<PartValue<K>> | undefined;
  if (!part || !part.ok) throw new Error(`fixture part ${key} is not readable`);
  return part.value;
}

/** Marks a part unavailable, as the gatherer does when a call is denied. */
export function denyPart(snapshot: AccountSnapshot, key: Need, permission: string): AccountSnapshot {
  (snapshot as unknown as Record<string, unknown>)[key] = { ok: false, reason: `AccessDenied: not authorized to perform ${permission}`, permission };
  return snapshot;
}

/** The one item of a list that matches, to mutate in place; throws when there is not exactly one. */
export function only<T>(items: T[], match: (item: T) => boolean): T {
  const found = items.filter(match);
  if (found.length !== 1) throw new Error(`expected exactly one match, found ${found.length}`);
  return found[0];
}

let labs: ReturnType<typeof loadLabs> | undefined;

/** The step order of a real lab, read from its lab.md as the engine reads it (the labs are loaded once per test file). */
export function stepsOf(labId = 'vpc-flow-logs'): readonly string[] {
  labs ??= loadLabs(LABS_DIR);
  return labs.get(labId)!.steps.map((s) => s.id);
}

/** The lab began at 09:00 and the learner checks at 11:00 in us-east-1 (the fixtures' timeline), steps as lab.md orders them. */
export function checkContext(overrides: Partial<CheckContext> = {}): CheckContext {
  return { labStartedAt: new Date('2024-06-10T09:00:00Z'), now: new Date('2024-06-10T11:00:00Z'), region: 'us-east-1', steps: stepsOf(), ...overrides };
}

/** The line with this label; fails the test with the labels it has when there is none. */
export function lineOf(result: StepResult, label: string): CheckLine {
  const line = result.checks.find((c) => c.label === label);
  if (!line) throw new Error(`no check line "${label}"; lines are:\n${result.checks.map((c) => `  ${c.label}`).join('\n')}`);
  return line;
}

/** Labels of the lines that did not pass, to assert exactly which ones failed. */
export function failingLabels(result: StepResult): string[] {
  return result.checks.filter((c) => c.ok !== true).map((c) => c.label);
}

/** The hint of a kit finding that should have failed; fails the test when it passed or is unknown instead. */
export function hintOf(piece: Found<unknown>): string {
  if (piece.ok !== false) throw new Error(`expected a missing piece, got ${JSON.stringify(piece)}`);
  return piece.hint;
}
