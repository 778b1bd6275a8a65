// The class's progress as CSV: one row per learner and step, written by csv-stringify, safe to open in a spreadsheet.
import { stringify } from 'csv-stringify/sync';
import type { Member } from '../store/classes';
import type { StepProgress } from '../store/progress';

export const CSV_COLUMNS = ['Learner name', 'Email', 'Step id', 'Status', 'Attempts', 'First attempt', 'Passed at', 'Minutes spent'] as const;

// A spreadsheet runs a cell that starts with one of these as a formula (tab and carriage return lead into one too);
// OWASP's advice is a leading apostrophe, which the spreadsheet shows as text and does not run.
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** Whole minutes from the first check to the pass, or to the latest check while the step is open; empty before any check. */
function minutesSpent(p: StepProgress): number {
  const end = p.passedAt ?? p.updatedAt;
  return Math.max(0, Math.round((Date.parse(end) - Date.parse(p.firstAttemptAt)) / 60_000));
}

/** The rows under CSV_COLUMNS, learners in the order given and steps in the lab's order; every text cell neutralised. */
export function progressRows(members: Member[], stepIds: readonly string[], progress: StepProgress[]): (string | number)[][] {
  const byLearner = new Map<string, Map<string, StepProgress>>();
  for (const p of progress) {
    if (!byLearner.has(p.userId)) byLearner.set(p.userId, new Map());
    byLearner.get(p.userId)!.set(p.stepId, p);
  }
  return members.flatMap((m) =>
    stepIds.map((stepId) => {
      const p = byLearner.get(m.userId)?.get(stepId);
      const status = !p ? 'not-started' : p.skippedAt ? 'skipped' : p.status;
      const cells: (string | number)[] = [m.name, m.email, stepId, status, p?.attemptsCount ?? 0, p?.firstAttemptAt ?? '', p?.passedAt ?? '', p ? minutesSpent(p) : ''];
      return cells.map((c) => (typeof c === 'string' ? neutraliseFormula(c) : c));
    }),
  );
}

/** The whole file: a byte-order mark (so Excel reads UTF-8 names as UTF-8), the header, the rows; RFC 4180 quoting. */
export function progressCsv(members: Member[], stepIds: readonly string[], progress: StepProgress[]): string {
  return stringify(progressRows(members, stepIds, progress), { bom: true, header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' });
}

/** A filename that any browser and file system takes: the class name in lower-case ASCII words, then "-progress.csv". */
export function csvFilename(className: string): string {
  const slug = className
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'class'}-progress.csv`;
}
