// Lab pages (the catalogue, a lab's introduction, its steps, its closing page, its verifier role template), and a learner's Check buttons and reflections (on the introduction and on each step).
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../errors';
import type { CheckRegistry } from '../labs/registry';
import { INTRO_STEP, VERIFIER_TEMPLATE_FILE, type Lab, type LabCatalog, type Reflection, type Step } from '../labs/types';
import type { Store } from '../store';
import type { SkipStatus } from '../sandbox/solutions';
import type { Attempt, StepStatusRow } from '../store/progress';
import type { User } from '../store/users';
import type { StepStatus } from '../store/schema';
import type { CheckRun, CleanupRun, VerifyEngine } from '../verify/engine';
import { parseForm, plainText, validationError, type FieldErrors } from './forms';
import { respond } from './respond';
import type { LabReports } from '../reports/lab-report';
import { NetworkDrawings, yourNetwork } from '../reports/your-network';
import { RenderedPages, renderToString } from './rendered-pages';

export const REFLECTION_MAX = 2000;
const reflectionSchema = z.object({ text: plainText('Your answer', REFLECTION_MAX, { multiline: true }) });

export const REFLECTION_MESSAGES = {
  STEP_PROMPT_UNKNOWN: 'This step has no such reflection question.',
  INTRO_PROMPT_UNKNOWN: "This lab's introduction has no such reflection question.",
} as const;

interface Deps {
  labs: LabCatalog;
  store: Store;
  checks: CheckRegistry;
  engine: VerifyEngine;
  /** In sandbox mode every learner has an account to check: there is nothing to connect. */
  sandboxMode?: boolean;
  /** The labs' report modules: "Your network" on the step pages is drawn from them. */
  labReports?: LabReports;
  /** Sandbox mode with solutions: whether the step page offers Skip, from the statuses the page has read anyway. */
  skipStatus?: (user: User, labId: string, stepId: string, statuses: StepStatusRow[]) => Promise<SkipStatus | undefined>;
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


/** The prompt a reflection route names, among a page's prompts; `?saved=` names one only if it is there. */
function findPrompt(prompts: Reflection[], promptId: unknown): Reflection | undefined {
  return prompts.find((r) => r.id === promptId);
}

function openEarlierFrom(lab: Lab, step: Step, progress: Record<string, StepStatus>): Step[] {
  return lab.steps.slice(0, step.number - 1).filter((s) => progress[s.id] !== 'passed');
}

/**
 * Two routers over the same pages: `pages`, open to everyone and mounted at the root; `learner`, the Check buttons and
 * reflections, mounted at /labs behind requireUser.
 */
export function labRouters({ labs, store, checks, engine, sandboxMode = false, labReports, skipStatus }: Deps): { pages: Router; learner: Router; showRefusal: (req: Request, res: Response, err: AppError) => Promise<void> } {
  const pages = Router();
  const learner = Router();

  const drawings = new NetworkDrawings();
  // The labs, their steps and the network drawings never change once made: a kept step page is keyed by their ids.
  const fixedIds = new WeakMap<object, string>();
  for (const lab of labs.labs) {
    fixedIds.set(lab, `lab ${lab.id}`);
    for (const step of lab.steps) fixedIds.set(step, `step ${lab.id}/${step.id}`);
  }
  let drawingsMade = 0;
  const rendered = new RenderedPages({ fixed: (value) => fixedIds.get(value as object) });

  async function progressMap(req: Request, lab: Lab): Promise<Record<string, StepStatus>> {
    if (!req.user) return {};
    return statusMap(await store.progress.statuses(req.user.id, lab.id));
  }

  function statusMap(rows: StepStatusRow[]): Record<string, StepStatus> {
    return Object.fromEntries(rows.map((r) => [r.stepId, r.status]));
  }

  /**
   * The learner's status per step, and "Your network" drawn from the evidence of their latest check of each step. The
   * drawing is kept until their progress changes, so a page view reads the statuses alone.
   */
  async function progressAndNetwork(req: Request, lab: Lab, statuses: StepStatusRow[]): Promise<{ progress: Record<string, StepStatus>; network?: { svg: string; text: string } }> {
    const user = req.user;
    if (!user) return { progress: {} };
    const labReport = labReports?.get(lab.id);
    const network = labReport
      ? await drawings.get(user.id, lab.id, statuses, async () => {
          const drawing = yourNetwork(lab, labReport, await store.progress.forLearner(user.id, lab.id));
          if (drawing) fixedIds.set(drawing, `network ${++drawingsMade}`);
          return drawing;
        })
      : undefined;
    return { progress: statusMap(statuses), network };
  }

  /** What a page with reflections shows besides its content: a refused answer with its draft, a saved notice, a Check that could not run. */
  interface PageState {
    errors?: FieldErrors & { promptId?: string };
    drafts?: Record<string, string>;
    saved?: string;
    checkError?: AppError;
  }

  /** The learner's answers on one page (a step's, or the introduction's under INTRO_STEP), with the drafts of a refused save on top. */
  async function answersOn(req: Request, lab: Lab, stepId: string, state: PageState): Promise<Record<string, string>> {
    return withDrafts(req.user ? await store.reflections.forLearner(req.user.id, lab.id, stepId) : [], state);
  }

  function withDrafts(saved: { promptId: string; text: string }[], state: PageState): Record<string, string> {
    return { ...Object.fromEntries(saved.map((r) => [r.promptId, r.text])), ...state.drafts };
  }

  /** What a step page reads for a signed-in learner; an anonymous visitor has none of it, and waits for nothing. */
  async function learnerOnStep(req: Request, user: User, lab: Lab, step: Step) {
    // Read once, used twice (the step list and Skip), without holding up the page's other reads.
    const statuses = store.progress.statuses(user.id, lab.id);
    const [{ progress, network }, saved, attempt, connection, skip] = await Promise.all([
      statuses.then((rows) => progressAndNetwork(req, lab, rows)),
      store.reflections.forLearner(user.id, lab.id, step.id),
      store.progress.latestAttempt(user.id, lab.id, step.id),
      // In sandbox mode the learner's account is always there: no role to look up.
      sandboxMode ? undefined : store.connections.get(user.id),
      skipStatus ? statuses.then((rows) => skipStatus(user, lab.id, step.id, rows)) : undefined,
    ]);
    return { progress, network, saved, attempt, connection, skip };
  }

  async function stepLocals(req: Request, lab: Lab, step: Step, state: PageState = {}) {
    const { progress = {}, network, saved = [], attempt, connection, skip } = req.user ? await learnerOnStep(req, req.user, lab, step) : {};
    const answers = withDrafts(saved, state);
    return {
      title: `${step.title} · ${lab.title}`,
      skip,
      lab,
      step,
      progress,
      answers,
      reflectionError: state.errors,
      saved: state.saved,
      reflectionMax: REFLECTION_MAX,
      checkable: checks.has(lab.id),
      connected: sandboxMode || Boolean(connection?.roleArn),
      attempt,
      openEarlier: openEarlierFrom(lab, step, progress),
      network,
      checkError: state.checkError,
      previous: lab.steps[step.number - 2],
      next: lab.steps[step.number],
    };
  }

  async function renderStep(req: Request, res: Response, lab: Lab, step: Step, status = 200, state: PageState = {}) {
    const locals = await stepLocals(req, lab, step, state);
    // The page as it is read, again and again, comes from the kept copy; a refused answer or a Check error is rendered.
    if (status === 200 && !state.errors && !state.checkError && !state.drafts) return rendered.send(res, 'step', `${lab.id}/${step.id}`, locals);
    res.status(status).render('step', locals);
  }

  pages.get('/', (_req, res) => {
    res.render('catalogue', { title: 'Labs', labs: labs.labs });
  });

  async function renderLab(req: Request, res: Response, lab: Lab, status = 200, state: PageState = {}) {
    const user = req.user;
    const [progress, attempts, connection, answers] = await Promise.all([
      progressMap(req, lab),
      user ? store.progress.attempts(user.id, lab.id, lab.steps.length * 3) : Promise.resolve([] as Attempt[]),
      user && !sandboxMode ? store.connections.get(user.id) : Promise.resolve(undefined),
      answersOn(req, lab, INTRO_STEP, state),
    ]);
    const latest: Record<string, Attempt> = {};
    for (const a of attempts) latest[a.stepId] ??= a;
    res.status(status).render('lab', {
      title: lab.title,
      lab,
      progress,
      latest,
      checkable: checks.has(lab.id),
      connected: sandboxMode || Boolean(connection?.roleArn),
      checkError: state.checkError,
      answers,
      reflectionError: state.errors,
      saved: state.saved,
      reflectionMax: REFLECTION_MAX,
    });
  }

  pages.get('/labs/:labId', async (req, res) => {
    const lab = findLab(labs, req);
    await renderLab(req, res, lab, 200, { saved: findPrompt(lab.reflections, req.query.saved)?.id });
  });

  pages.get('/labs/:labId/steps/:stepId', async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    await renderStep(req, res, lab, step, 200, { saved: findPrompt(step.reflections, req.query.saved)?.id });
  });

  async function renderFinish(req: Request, res: Response, lab: Lab, status = 200, state: { cleanup?: CleanupRun; cleanupError?: AppError } = {}) {
    if (!lab.finish) throw new NotFoundError();
    const connection = req.user ? await store.connections.get(req.user.id) : undefined;
    res.status(status).render('finish', {
      title: `${lab.finish.title} · ${lab.title}`,
      lab,
      finish: lab.finish,
      progress: await progressMap(req, lab),
      cleanupAvailable: checks.cleanup(lab.id) !== undefined,
      connected: sandboxMode || Boolean(connection?.roleArn),
      cleanup: state.cleanup,
      cleanupError: state.cleanupError,
    });
  }

  pages.get('/labs/:labId/finish', async (req, res) => renderFinish(req, res, findLab(labs, req)));

  pages.get(`/labs/:labId/${VERIFIER_TEMPLATE_FILE}`, (req, res) => {
    const lab = labs.get(String(req.params.labId));
    const file = lab && path.join(lab.dir, VERIFIER_TEMPLATE_FILE);
    if (!file || !fs.existsSync(file)) throw new NotFoundError('NOT_FOUND', 'This lab has no verifier role template.');
    res.type('text/yaml').attachment(VERIFIER_TEMPLATE_FILE).send(fs.readFileSync(file, 'utf8'));
  });

  // A Check that could not run (AWS refused, rate limit) is shown on the page it was pressed on; JSON callers get the error.
  learner.post('/:labId/steps/:stepId/check', async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    let run: CheckRun;
    try {
      run = await engine.check(req.user!, lab.id, [step.id]);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => renderStep(req, res, lab, step, err.status, { checkError: err }) });
    }
    return respond(req, res, {
      html: () => res.redirect(303, `/labs/${lab.id}/steps/${step.id}#check`),
      json: async () => {
        const outcome = run.outcomes[0];
        const locals = await stepLocals(req, lab, step);
        res.json({
          step: step.id,
          status: outcome.status,
          passed: outcome.result.passed,
          checks: outcome.result.checks,
          openEarlier: run.openEarlier[step.id],
          html: await renderToString(res, 'partials/check-result', locals),
          networkHtml: locals.network ? await renderToString(res, 'partials/your-network-body', locals) : undefined,
        });
      },
    });
  });

  // Check clean-up answers on the closing page itself (there is no step to go back to), or as JSON.
  learner.post('/:labId/cleanup', async (req, res) => {
    const lab = findLab(labs, req);
    let run: CleanupRun;
    try {
      run = await engine.checkCleanup(req.user!, lab.id);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => renderFinish(req, res, lab, err.status, { cleanupError: err }) });
    }
    return respond(req, res, {
      html: () => renderFinish(req, res, lab, 200, { cleanup: run }),
      json: () => res.json({ lab: lab.id, account: run.accountId, region: run.region, clean: run.result.passed, checks: run.result.checks, remaining: run.result.evidence.remaining, totalHourlyUsd: run.result.evidence.totalHourlyUsd }),
    });
  });

  learner.post('/:labId/check', async (req, res) => {
    const lab = findLab(labs, req);
    let run: CheckRun;
    try {
      run = await engine.check(req.user!, lab.id);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => renderLab(req, res, lab, err.status, { checkError: err }) });
    }
    return respond(req, res, {
      html: () => res.redirect(303, `/labs/${lab.id}#results`),
      json: () =>
        res.json({
          lab: lab.id,
          account: run.accountId,
          region: run.region,
          steps: run.outcomes.map((o) => ({ id: o.stepId, status: o.status, passed: o.result.passed, checks: o.result.checks })),
        }),
    });
  });

  /**
   * Saves one answer, on a step or on the introduction (`stepId` INTRO_STEP): JSON gets the stored answer, a form goes
   * back to its page; a refused answer shows that page again with the error and the draft.
   */
  async function saveReflection(req: Request, res: Response, lab: Lab, stepId: string, prompt: Reflection, page: string, rerender: (state: PageState) => Promise<void>) {
    const form = parseForm(reflectionSchema, req.body);
    if (!form.ok) {
      const errors = form.errors;
      return respond(req, res, {
        json: () => { throw validationError(errors); },
        html: () => rerender({ errors: { ...errors, promptId: prompt.id }, drafts: { [prompt.id]: form.values.text ?? '' } }),
      });
    }
    const saved = await store.reflections.save({ userId: req.user!.id, labId: lab.id, stepId, promptId: prompt.id, text: form.data.text });
    return respond(req, res, {
      json: () => res.json({ reflection: saved }),
      html: () => res.redirect(303, `${page}?saved=${encodeURIComponent(prompt.id)}#reflection-${prompt.id}`),
    });
  }

  learner.post('/:labId/steps/:stepId/reflections/:promptId', async (req, res) => {
    const lab = findLab(labs, req);
    const step = findStep(lab, req);
    const prompt = findPrompt(step.reflections, req.params.promptId);
    if (!prompt) throw new NotFoundError('NOT_FOUND', REFLECTION_MESSAGES.STEP_PROMPT_UNKNOWN);
    return saveReflection(req, res, lab, step.id, prompt, `/labs/${lab.id}/steps/${step.id}`, (state) => renderStep(req, res, lab, step, 400, state));
  });

  learner.post('/:labId/reflections/:promptId', async (req, res) => {
    const lab = findLab(labs, req);
    const prompt = findPrompt(lab.reflections, req.params.promptId);
    if (!prompt) throw new NotFoundError('NOT_FOUND', REFLECTION_MESSAGES.INTRO_PROMPT_UNKNOWN);
    return saveReflection(req, res, lab, INTRO_STEP, prompt, `/labs/${lab.id}`, (state) => renderLab(req, res, lab, 400, state));
  });

  /** A refused action on a step (a Skip): the step page again, with the refusal where a Check's would be. */
  async function showRefusal(req: Request, res: Response, err: AppError): Promise<void> {
    const lab = findLab(labs, req);
    await renderStep(req, res, lab, findStep(lab, req), err.status, { checkError: err });
  }

  return { pages, learner, showRefusal };
}
