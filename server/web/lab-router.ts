// Lab pages (the catalogue, a lab's introduction, its steps, its closing page), reflections and the Check buttons.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../errors';
import type { CheckRegistry } from '../labs/registry';
import type { Lab, LabCatalog, Step } from '../labs/types';
import type { Store } from '../store';
import type { Attempt } from '../store/progress';
import type { StepStatus } from '../store/schema';
import type { CheckRun, VerifyEngine } from '../verify/engine';
import { parseForm, plainText, validationError, type FieldErrors } from './forms';
import { requireUser, wantsJson } from './security';

export const REFLECTION_MAX = 2000;
const reflectionSchema = z.object({ text: plainText('Your answer', REFLECTION_MAX, { multiline: true }) });

interface Deps {
  labs: LabCatalog;
  store: Store;
  checks: CheckRegistry;
  engine: VerifyEngine;
  /** In sandbox mode every learner has an account to check: there is nothing to connect. */
  sandboxMode?: boolean;
}

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


function openEarlierFrom(lab: Lab, step: Step, progress: Record<string, StepStatus>): Step[] {
  return lab.steps.slice(0, step.number - 1).filter((s) => progress[s.id] !== 'passed');
}

/** Renders a view to a string, for the JSON answers that carry a ready-made HTML fragment. */
function renderToString(res: Response, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err, html) => (err ? reject(err) : resolve(html))));
}

export function labRouter({ labs, store, checks, engine, sandboxMode = false }: Deps): Router {
  const router = Router();

  async function progressMap(req: Request, lab: Lab): Promise<Record<string, StepStatus>> {
    if (!req.user) return {};
    const rows = await store.progress.forLearner(req.user.id, lab.id);
    return Object.fromEntries(rows.map((r) => [r.stepId, r.status]));
  }

  interface StepPageState {
    errors?: FieldErrors & { promptId?: string };
    drafts?: Record<string, string>;
    saved?: string;
    checkError?: AppError;
  }

  async function stepLocals(req: Request, lab: Lab, step: Step, state: StepPageState = {}) {
    const user = req.user;
    const [progress, reflections, attempts, connection] = await Promise.all([
      progressMap(req, lab),
      user ? store.reflections.forLearner(user.id, lab.id, step.id) : Promise.resolve([]),
      user ? store.progress.attempts(user.id, lab.id, 1, step.id) : Promise.resolve([] as Attempt[]),
      user ? store.connections.get(user.id) : Promise.resolve(undefined),
    ]);
    const answers: Record<string, string> = Object.fromEntries(reflections.map((r) => [r.promptId, r.text]));
    return {
      title: `${step.title} · ${lab.title}`,
      lab,
      step,
      progress,
      answers: { ...answers, ...state.drafts },
      reflectionError: state.errors,
      saved: state.saved,
      reflectionMax: REFLECTION_MAX,
      checkable: checks.has(lab.id),
      connected: sandboxMode || Boolean(connection?.roleArn),
      attempt: attempts[0],
      openEarlier: openEarlierFrom(lab, step, progress),
      checkError: state.checkError,
      previous: lab.steps[step.number - 2],
      next: lab.steps[step.number],
    };
  }

  async function renderStep(req: Request, res: Response, lab: Lab, step: Step, status = 200, state: StepPageState = {}) {
    res.status(status).render('step', await stepLocals(req, lab, step, state));
  }

  router.get('/', (_req, res) => {
    res.render('catalogue', { title: 'Labs', labs: labs.labs });
  });

  async function renderLab(req: Request, res: Response, lab: Lab, status = 200, checkError?: AppError) {
    const user = req.user;
    const [progress, attempts, connection] = await Promise.all([
      progressMap(req, lab),
      user ? store.progress.attempts(user.id, lab.id, lab.steps.length * 3) : Promise.resolve([] as Attempt[]),
      user ? store.connections.get(user.id) : Promise.resolve(undefined),
    ]);
    const latest: Record<string, Attempt> = {};
    for (const a of attempts) latest[a.stepId] ??= a;
    res.status(status).render('lab', { title: lab.title, lab, progress, latest, checkable: checks.has(lab.id), connected: sandboxMode || Boolean(connection?.roleArn), checkError });
  }

  router.get('/labs/:labId', async (req, res) => renderLab(req, res, findLab(labs, req)));

  router.get('/labs/:labId/steps/:stepId', async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    const saved = typeof req.query.saved === 'string' && step.reflections.some((r) => r.id === req.query.saved) ? req.query.saved : undefined;
    await renderStep(req, res, lab, step, 200, { saved });
  });

  router.post('/labs/:labId/steps/:stepId/check', requireUser, async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    let run: CheckRun;
    try {
      run = await engine.check(req.user!, lab.id, [step.id]);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose || wantsJson(req)) throw err;
      return renderStep(req, res, lab, step, err.status, { checkError: err });
    }
    if (!wantsJson(req)) {
      res.redirect(303, `/labs/${lab.id}/steps/${step.id}#check`);
      return;
    }
    const outcome = run.outcomes[0];
    const locals = await stepLocals(req, lab, step);
    res.json({
      step: step.id,
      status: outcome.status,
      passed: outcome.result.passed,
      checks: outcome.result.checks,
      openEarlier: run.openEarlier[step.id],
      html: await renderToString(res, 'partials/check-result', locals),
    });
  });

  router.post('/labs/:labId/check', requireUser, async (req, res) => {
    const lab = findLab(labs, req);
    let run: CheckRun;
    try {
      run = await engine.check(req.user!, lab.id);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose || wantsJson(req)) throw err;
      return renderLab(req, res, lab, err.status, err);
    }
    if (!wantsJson(req)) {
      res.redirect(303, `/labs/${lab.id}#results`);
      return;
    }
    res.json({
      lab: lab.id,
      account: run.accountId,
      region: run.region,
      steps: run.outcomes.map((o) => ({ id: o.stepId, status: o.status, passed: o.result.passed, checks: o.result.checks })),
    });
  });

  router.post('/labs/:labId/steps/:stepId/reflections/:promptId', requireUser, async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    const prompt = step.reflections.find((r) => r.id === req.params.promptId);
    if (!prompt) throw new NotFoundError('NOT_FOUND', 'This step has no such reflection question.');
    const form = parseForm(reflectionSchema, req.body);
    if (!form.ok) {
      if (wantsJson(req)) throw validationError(form.errors);
      return renderStep(req, res, lab, step, 400, { errors: { ...form.errors, promptId: prompt.id }, drafts: { [prompt.id]: form.values.text ?? '' } });
    }
    const saved = await store.reflections.save({ userId: req.user!.id, labId: lab.id, stepId: step.id, promptId: prompt.id, text: form.data.text });
    if (wantsJson(req)) {
      res.json({ reflection: saved });
      return;
    }
    res.redirect(303, `/labs/${lab.id}/steps/${step.id}?saved=${encodeURIComponent(prompt.id)}#reflection-${prompt.id}`);
  });

  router.get('/labs/:labId/finish', async (req, res) => {
    const lab = findLab(labs, req);
    if (!lab.finish) throw new NotFoundError();
    res.render('finish', { title: `${lab.finish.title} · ${lab.title}`, lab, finish: lab.finish, progress: await progressMap(req, lab) });
  });

  return router;
}
