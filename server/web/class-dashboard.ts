// The instructor's view of a class, computed from its learners and their step rows: grid cells, sorting, who needs help, the step funnel.
import type { Lab } from '../labs/types';
import type { Store } from '../store';
import type { GridCell } from '../store/class-grid';
import type { ClassInfo, Member } from '../store/classes';

/** A learner who has failed the same step this many times needs help. */
export const HELP_FAILURES = 3;
/** A learner on one step for longer than this needs help. */
export const HELP_MINUTES = 20;

export const SORTS = ['name', 'progress', 'activity'] as const;
export type GridSort = (typeof SORTS)[number];

export interface CellView {
  stepId: string;
  state: 'passed' | 'failed' | 'unknown' | 'not-started';
  /** What the cell shows: short, for a grid of many columns. */
  text: string;
  /** The whole of it in words: the hover and focus tip, and what a screen reader reads. */
  words: string;
  skipped: boolean;
}

export interface GridRow {
  userId: string;
  name: string;
  email: string;
  passed: number;
  lastActivity: string | null;
  cells: CellView[];
}

export interface HelpEntry {
  userId: string;
  name: string;
  stepId: string;
  stepNumber: number;
  stepTitle: string;
  reasons: string[];
  failingLabel: string | null;
}

export interface FunnelStep {
  stepId: string;
  number: number;
  title: string;
  passed: number;
  /** Median minutes from starting the step to passing it, over the learners who passed it; null when nobody has. */
  medianMinutes: number | null;
}

const MINUTE = 60_000;
// Not toLocaleString: a grid of 500 learners formats thousands of times, and Intl is slow at that.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "14:05 UTC" today, "3 Mar 14:05 UTC" before: the grid's cells are narrow, and UTC is the same for everyone in a call.
 * Stored times are ISO strings in UTC, so the hours and the day are read off the string; only older days need a Date.
 */
let today = { at: NaN, day: '' };
export function shortTime(iso: string, now: Date): string {
  const hm = iso.slice(11, 16);
  // The grid formats thousands of times with the same `now`: its day is worked out once.
  if (today.at !== now.getTime()) today = { at: now.getTime(), day: now.toISOString().slice(0, 10) };
  if (iso.slice(0, 10) === today.day) return hm;
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${hm}`;
}

export function cellView(stepId: string, cell: GridCell | undefined, now: Date): CellView {
  if (!cell || cell.status === 'not-started') return { stepId, state: 'not-started', text: '', words: 'not started', skipped: false };
  const skipped = Boolean(cell.skippedAt);
  if (cell.status === 'passed') {
    const when = shortTime(cell.passedAt ?? cell.updatedAt, now);
    return { stepId, state: 'passed', text: `✓ ${when}`, words: `passed at ${when} UTC${skipped ? ' (skipped)' : ''}`, skipped };
  }
  const tries = `${cell.attemptsCount} attempt${cell.attemptsCount === 1 ? '' : 's'}`;
  const verb = cell.status === 'failed' ? 'failing' : 'could not be checked';
  return { stepId, state: cell.status, text: `✗ ${cell.attemptsCount}`, words: `${verb} after ${tries}${cell.failingLabel ? `: ${cell.failingLabel}` : ''}`, skipped };
}

// The grid, needs-help and the funnel each group the same cells by learner; the grouping is kept per cells array.
const grouped = new WeakMap<GridCell[], Map<string, Map<string, GridCell>>>();
const byLearner = (cells: GridCell[]) => {
  const known = grouped.get(cells);
  if (known) return known;
  const map = new Map<string, Map<string, GridCell>>();
  for (const c of cells) {
    let steps = map.get(c.userId);
    if (!steps) map.set(c.userId, (steps = new Map()));
    steps.set(c.stepId, c);
  }
  grouped.set(cells, map);
  return map;
};

export function learnerRow(lab: Lab, member: Member, cells: Map<string, GridCell> | undefined, now: Date): GridRow {
  let lastActivity: string | null = null;
  let passed = 0;
  for (const c of cells?.values() ?? []) {
    if (c.status === 'passed') passed += 1;
    if (!lastActivity || c.updatedAt > lastActivity) lastActivity = c.updatedAt;
  }
  return { userId: member.userId, name: member.name, email: member.email, passed, lastActivity, cells: lab.steps.map((s) => cellView(s.id, cells?.get(s.id), now)) };
}

// One collator for every comparison: localeCompare with options builds one per call, which dominates a sort of 500 rows.
const collator = new Intl.Collator('en', { sensitivity: 'base' });
const byName = (a: GridRow, b: GridRow) => collator.compare(a.name, b.name) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);

/** The learners the grid's filter keeps: those whose name or email contains it, whatever the case; all of them for no filter. */
function filtered(members: Member[], filter: string | undefined): Member[] {
  const needle = filter?.trim().toLowerCase();
  return needle ? members.filter((m) => m.name.toLowerCase().includes(needle) || m.email.toLowerCase().includes(needle)) : members;
}

export function gridRows(lab: Lab, members: Member[], cells: GridCell[], now: Date, options: { sort?: GridSort; filter?: string } = {}): GridRow[] {
  const steps = byLearner(cells);
  const rows = filtered(members, options.filter).map((m) => learnerRow(lab, m, steps.get(m.userId), now));
  const sort = options.sort ?? 'name';
  if (sort === 'progress') return rows.sort((a, b) => b.passed - a.passed || byName(a, b));
  // The latest first; learners who never checked anything last.
  if (sort === 'activity') return rows.sort((a, b) => (b.lastActivity ?? '').localeCompare(a.lastActivity ?? '') || byName(a, b));
  return rows.sort(byName);
}

/** When the learner began a step: when they passed the one before (if they had, and earlier), else their first check of it. */
function stepStart(lab: Lab, index: number, steps: Map<string, GridCell>): string | undefined {
  const cell = steps.get(lab.steps[index].id);
  const before = index > 0 ? steps.get(lab.steps[index - 1].id) : undefined;
  const previousPass = before?.status === 'passed' ? before.passedAt : null;
  if (previousPass && (!cell?.passedAt || previousPass <= cell.passedAt)) return previousPass;
  return cell?.firstAttemptAt;
}

/**
 * Learners who failed one step HELP_FAILURES times or more without passing it, or who have been on their current step
 * (the first they have not passed) for more than HELP_MINUTES. The longest stuck first.
 */
export function needsHelp(lab: Lab, members: Member[], cells: GridCell[], now: Date): HelpEntry[] {
  const all = byLearner(cells);
  const entries: (HelpEntry & { since: number })[] = [];
  for (const m of members) {
    const steps = all.get(m.userId) ?? new Map<string, GridCell>();
    const current = lab.steps.findIndex((s) => steps.get(s.id)?.status !== 'passed');
    lab.steps.forEach((step, index) => {
      const cell = steps.get(step.id);
      if (cell?.status === 'passed') return;
      const reasons: string[] = [];
      if (cell?.status === 'failed' && cell.attemptsCount >= HELP_FAILURES) reasons.push(`failed ${cell.attemptsCount} times`);
      const start = current === index ? stepStart(lab, index, steps) : undefined;
      const minutes = start ? Math.floor((now.getTime() - new Date(start).getTime()) / MINUTE) : 0;
      if (minutes > HELP_MINUTES) reasons.push(`on it for ${minutes} minutes`);
      if (reasons.length === 0) return;
      entries.push({ userId: m.userId, name: m.name, stepId: step.id, stepNumber: step.number, stepTitle: step.title, reasons, failingLabel: cell?.failingLabel ?? null, since: start ? new Date(start).getTime() : now.getTime() });
    });
  }
  return entries.sort((a, b) => a.since - b.since || collator.compare(a.name, b.name)).map(({ since: _since, ...entry }) => entry);
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function funnel(lab: Lab, cells: GridCell[]): FunnelStep[] {
  const passed = lab.steps.map(() => 0);
  const durations: number[][] = lab.steps.map(() => []);
  // One pass per learner along the steps, each time parsed once: the same start as stepStart (the previous step's pass
  // when it came first, else the first check of this one), for a class of hundreds of learners.
  for (const steps of byLearner(cells).values()) {
    let previousPass: number | null = null;
    lab.steps.forEach((step, index) => {
      const cell = steps.get(step.id);
      const passedAt = cell?.status === 'passed' && cell.passedAt ? Date.parse(cell.passedAt) : null;
      if (cell && passedAt !== null) {
        passed[index] += 1;
        const start = previousPass !== null && previousPass <= passedAt ? previousPass : Date.parse(cell.firstAttemptAt);
        if (!Number.isNaN(start)) durations[index].push(Math.max(0, passedAt - start) / MINUTE);
      }
      previousPass = passedAt;
    });
  }
  return lab.steps.map((step, index) => {
    const m = median(durations[index]);
    return { stepId: step.id, number: step.number, title: step.title, passed: passed[index], medianMinutes: m === null ? null : Math.round(m * 10) / 10 };
  });
}

export interface FunnelChart {
  width: number;
  height: number;
  labelWidth: number;
  bars: { y: number; width: number; label: string; value: string }[];
  barHeight: number;
}

/** Geometry of the funnel's horizontal bars, one per step, as wide as the share of the class that passed it. */
export function funnelChart(steps: FunnelStep[], learners: number): FunnelChart {
  const labelWidth = 70;
  const barArea = 320;
  const barHeight = 22;
  const gap = 8;
  return {
    width: labelWidth + barArea + 60,
    height: steps.length * (barHeight + gap) + gap,
    labelWidth,
    barHeight,
    bars: steps.map((s, i) => ({
      y: gap + i * (barHeight + gap),
      width: learners ? Math.round((s.passed / learners) * barArea) : 0,
      label: `Step ${s.number}`,
      value: `${s.passed}`,
    })),
  };
}

export interface GridQuery {
  sort: GridSort;
  filter: string;
  /** Every learner who needs help, not only the HELP_SHOWN stuck longest. */
  allHelp: boolean;
}

/** Needs help lists this many, the longest stuck first, with a link to the rest: nobody helps 300 learners at once. */
export const HELP_SHOWN = 25;

/** The grid's sort and filter from the query string; anything unknown is the default, never an error. */
export function gridQuery(query: Record<string, unknown>): GridQuery {
  const sort = SORTS.find((s) => s === query.sort) ?? 'name';
  const filter = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
  return { sort, filter, allHelp: query.help === 'all' };
}

/**
 * What the class page shows around the grid: who needs help, the step funnel and the learner counts. The page renders it
 * once; public/class-grid.js reads it again (GET /classes/:id/summary) as checks come in and as the minutes pass.
 */
export function classSummary(lab: Lab, members: Member[], cells: GridCell[], query: GridQuery, now: Date) {
  const steps = funnel(lab, cells);
  return {
    members,
    /** How many of them the grid shows for the query's filter. */
    shown: filtered(members, query.filter).length,
    query,
    help: needsHelp(lab, members, cells, now),
    helpShown: query.allHelp ? Infinity : HELP_SHOWN,
    helpFailures: HELP_FAILURES,
    helpMinutes: HELP_MINUTES,
    funnel: steps,
    chart: funnelChart(steps, members.length),
  };
}

/** The class summary alone, from two queries whatever the class's size: its learners and their step rows. */
export async function readClassSummary(store: Store, cls: ClassInfo, lab: Lab, query: GridQuery, now: Date = new Date()) {
  const [members, cells] = await Promise.all([store.classes.members(cls.id), store.classGrid.cells(cls.id, lab.id)]);
  return classSummary(lab, members, cells, query, now);
}

/** Everything the class page shows about progress, from three queries whatever the class's size: its learners, their step rows and who has a report. */
export async function classDashboard(store: Store, cls: ClassInfo, lab: Lab, query: GridQuery, now: Date = new Date()) {
  const [members, cells, reports] = await Promise.all([store.classes.members(cls.id), store.classGrid.cells(cls.id, lab.id), store.reports.forClass(cls.id, lab.id)]);
  return {
    ...classSummary(lab, members, cells, query, now),
    /** The learners who have a completion report: the grid links to it beside their name. */
    reports,
    grid: gridRows(lab, members, cells, now, query),
  };
}
