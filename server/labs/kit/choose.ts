// Choosing among several candidates for a lab resource, deterministically, and saying why the chosen one won.

export interface Criterion<T> {
  /** Higher (or true) is preferred. */
  score: (item: T) => number | boolean;
  /** Why an item that wins on this criterion was chosen ("it is running"). */
  because: string;
}

export interface Choice<T> {
  chosen: T;
  count: number;
  /** Why the chosen one beat the runner-up; undefined when there was only one. */
  because?: string;
}

/**
 * The best item by the criteria in order (the first criterion that differs decides); ties keep the input order,
 * so the same account always gives the same answer.
 */
export function choose<T>(items: readonly T[], criteria: readonly Criterion<T>[]): Choice<T> | undefined {
  if (items.length === 0) return undefined;
  const scored = items.map((item, index) => ({ item, index, scores: criteria.map((c) => Number(c.score(item))) }));
  scored.sort((x, y) => compareScores(y.scores, x.scores) || x.index - y.index);
  const [best, next] = scored;
  const decisive = next ? criteria.find((_, i) => best.scores[i] !== next.scores[i]) : undefined;
  const because = next ? (decisive?.because ?? 'it comes first in the account') : undefined;
  return { chosen: best.item, count: items.length, because };
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** "2 VPCs have 10.1.0.0/16 (vpc-a, vpc-b); using vpc-a because it has a public subnet." Undefined for one item. */
export function choiceNote<T>(choice: Choice<T>, what: string, idOf: (item: T) => string, all: readonly T[]): string | undefined {
  if (choice.count < 2) return undefined;
  return `${choice.count} ${what} (${all.map(idOf).join(', ')}); using ${idOf(choice.chosen)} because ${choice.because}.`;
}
