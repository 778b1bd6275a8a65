// A learner's written reflections, one per prompt per step.
import type { Kysely } from 'kysely';
import { compileOnce } from './db';
import type { Database } from './schema';

export interface Reflection {
  labId: string;
  stepId: string;
  promptId: string;
  text: string;
  updatedAt: string;
}

export function reflectionsRepo(db: Kysely<Database>) {
  // A step page's answers, read on every view of it: compiled once.
  const onStep = compileOnce(db, (userId: string, labId: string, stepId: string) =>
    db.selectFrom('reflections').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId).where('step_id', '=', stepId).orderBy('step_id').orderBy('prompt_id'),
  );
  return {
    async save(input: { userId: string; labId: string; stepId: string; promptId: string; text: string }): Promise<Reflection> {
      const updatedAt = new Date().toISOString();
      await db
        .insertInto('reflections')
        .values({ user_id: input.userId, lab_id: input.labId, step_id: input.stepId, prompt_id: input.promptId, text: input.text, updated_at: updatedAt })
        .onConflict((oc) => oc.columns(['user_id', 'lab_id', 'step_id', 'prompt_id']).doUpdateSet({ text: input.text, updated_at: updatedAt }))
        .execute();
      return { labId: input.labId, stepId: input.stepId, promptId: input.promptId, text: input.text, updatedAt };
    },

    async forLearner(userId: string, labId: string, stepId?: string): Promise<Reflection[]> {
      const rows = stepId
        ? await onStep(userId, labId, stepId)
        : await db.selectFrom('reflections').selectAll().where('user_id', '=', userId).where('lab_id', '=', labId).orderBy('step_id').orderBy('prompt_id').execute();
      return rows.map((r) => ({ labId: r.lab_id, stepId: r.step_id, promptId: r.prompt_id, text: r.text, updatedAt: r.updated_at }));
    },
  };
}
