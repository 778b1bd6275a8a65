// Lab pages (the catalogue, a lab's introduction, its steps, its closing page) and saving reflections.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../errors';
import type { Lab, LabCatalog, Step } from '../labs/types';
import type { Store } from '../store';
import type { StepStatus } from '../store/schema';
import { parseForm, plainText, validationError, type FieldErrors } from './forms';
import { requireUser } from './security';

export const REFLECTION_MAX = 2000;
const reflectionSchema = z.object({ text: plainText('Your answer', REFLECTION_MAX, { multiline: true }) });

function findLab(labs: LabCatalog, req: Request): Lab {
  const lab = labs.get(String(req.params.labId));
  if (!lab) throw new NotFoundError('LAB_NOT_FOUND');
  return lab;
}

function findStep(lab: Lab, req: Request): Step {
  const step = lab.steps.find((s) => s.id === req.params.stepId);
  if (!step) throw new NotFoundError('STEP_NOT_FOUND');
  return step;
}

async function progressMap(store: Store, req: Request, lab: Lab): Promise<Record<string, StepStatus>> {
  if (!req.user) return {};
  const rows = await store.progress.forLearner(req.user.id, lab.id);
  return Object.fromEntries(rows.map((r) => [r.stepId, r.status]));
}

interface StepPageState {
  errors?: FieldErrors & { promptId?: string };
  drafts?: Record<string, string>;
  saved?: string;
}

async function renderStep(store: Store, req: Request, res: Response, lab: Lab, step: Step, status = 200, state: StepPageState = {}) {
  const [progress, reflections] = await Promise.all([
    progressMap(store, req, lab),
    req.user ? store.reflections.forLearner(req.user.id, lab.id, step.id) : Promise.resolve([]),
  ]);
  const answers: Record<string, string> = Object.fromEntries(reflections.map((r) => [r.promptId, r.text]));
  res.status(status).render('step', {
    title: `${step.title} · ${lab.title}`,
    lab,
    step,
    progress,
    answers: { ...answers, ...state.drafts },
    reflectionError: state.errors,
    saved: state.saved,
    reflectionMax: REFLECTION_MAX,
    previous: lab.steps[step.number - 2],
    next: lab.steps[step.number],
  });
}

export function labRouter(labs: LabCatalog, store: Store): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    res.render('catalogue', { title: 'Labs', labs: labs.labs });
  });

  router.get('/labs/:labId', async (req, res) => {
    const lab = findLab(labs, req);
    res.render('lab', { title: lab.title, lab, progress: await progressMap(store, req, lab) });
  });

  router.get('/labs/:labId/steps/:stepId', async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    const saved = typeof req.query.saved === 'string' && step.reflections.some((r) => r.id === req.query.saved) ? req.query.saved : undefined;
    await renderStep(store, req, res, lab, step, 200, { saved });
  });

  router.post('/labs/:labId/steps/:stepId/reflections/:promptId', requireUser, async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    const prompt = step.reflections.find((r) => r.id === req.params.promptId);
    if (!prompt) throw new NotFoundError('NOT_FOUND', 'This step has no such reflection question.');
    const form = parseForm(reflectionSchema, req.body);
    const json = req.accepts(['html', 'json']) === 'json';
    if (!form.ok) {
      if (json) throw validationError(form.errors);
      return renderStep(store, req, res, lab, step, 400, { errors: { ...form.errors, promptId: prompt.id }, drafts: { [prompt.id]: form.values.text ?? '' } });
    }
    const saved = await store.reflections.save({ userId: req.user!.id, labId: lab.id, stepId: step.id, promptId: prompt.id, text: form.data.text });
    if (json) {
      res.json({ reflection: saved });
      return;
    }
    res.redirect(303, `/labs/${lab.id}/steps/${step.id}?saved=${encodeURIComponent(prompt.id)}#reflection-${prompt.id}`);
  });

  router.get('/labs/:labId/finish', async (req, res) => {
    const lab = findLab(labs, req);
    if (!lab.finish) throw new NotFoundError();
    res.render('finish', { title: `${lab.finish.title} · ${lab.title}`, lab, finish: lab.finish, progress: await progressMap(store, req, lab) });
  });

  return router;
}
