// A class's progress in one query: every learner's step rows with the checks of their latest attempt at a step not yet passed.
import type { Kysely } from 'kysely';
import type { CheckLine } from '../labs/check-types';
import type { Database, StepStatus } from './schema';

export interface GridCell {
  userId: string;
  stepId: string;
  status: StepStatus;
  firstAttemptAt: string;
  passedAt: string | null;
  attemptsCount: number;
  updatedAt: string;
  skippedAt: string | null;
  /** The first failing check of the latest attempt, for a step not passed. */
  failingLabel: string | null;
}

const firstFailing = (checks: string | null): string | null => {
  if (!checks) return null;
  const lines = JSON.parse(checks) as CheckLine[];
  return lines.find((c) => c.ok === false)?.label ?? lines.find((c) => c.ok !== true)?.label ?? null;
};

export function classGridRepo(db: Kysely<Database>) {
  return {
    /**
     * The step rows of the class's learners in its lab; only those of `userId`, or only those of learners with a row
     * changed after `changedAfter`, when asked. A row's latest attempt is the one recorded at its updated_at (both are
     * written together), so no per-learner query is needed to find the failing check.
     */
    async cells(classId: string, labId: string, only: { userId?: string; changedAfter?: string } = {}): Promise<GridCell[]> {
      let query = db
        .selectFrom('step_progress as p')
        .innerJoin('enrollments as e', (j) => j.onRef('e.user_id', '=', 'p.user_id').on('e.class_id', '=', classId))
        .leftJoin('attempts as a', (j) =>
          j
            .onRef('a.user_id', '=', 'p.user_id')
            .onRef('a.lab_id', '=', 'p.lab_id')
            .onRef('a.step_id', '=', 'p.step_id')
            .onRef('a.created_at', '=', 'p.updated_at')
            .on('p.status', '!=', 'passed'),
        )
        .select(['p.user_id', 'p.step_id', 'p.status', 'p.first_attempt_at', 'p.passed_at', 'p.attempts_count', 'p.updated_at', 'p.skipped_at', 'a.checks'])
        .where('p.lab_id', '=', labId);
      if (only.userId) query = query.where('p.user_id', '=', only.userId);
      if (only.changedAfter) {
        const since = only.changedAfter;
        query = query.where('p.user_id', 'in', (eb) => eb.selectFrom('step_progress').select('user_id').where('lab_id', '=', labId).where('updated_at', '>', since));
      }
      const rows = await query.execute();
      const cells = new Map<string, GridCell>();
      for (const r of rows) {
        // Two attempts recorded at the same instant would both join; the first is enough.
        const key = `${r.user_id}\n${r.step_id}`;
        if (cells.has(key)) continue;
        cells.set(key, {
          userId: r.user_id,
          stepId: r.step_id,
          status: r.status,
          firstAttemptAt: r.first_attempt_at,
          passedAt: r.passed_at,
          attemptsCount: Number(r.attempts_count),
          updatedAt: r.updated_at,
          skippedAt: r.skipped_at ?? null,
          failingLabel: firstFailing(r.checks),
        });
      }
      return [...cells.values()];
    },
  };
}
