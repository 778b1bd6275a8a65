// Classes: instructors create them and follow their learners (/classes); learners join them with a code or link (/join).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../errors';
import type { LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { ClassInfo } from '../store/classes';
import { JOIN_CODE_LENGTH, normaliseJoinCode } from '../store/classes';
import { parseForm, plainText, validationError, type FieldErrors } from './forms';
import { classDashboard, gridQuery, readClassSummary } from './class-dashboard';
import { classSettingsRouter, SETTINGS_MESSAGES } from './class-settings-router';
import { ClassLive } from './class-live';
import { respond } from './respond';
import { REPORT_PAGE_MESSAGES, reportLocals } from './report-router';
import { rateLimitBy, requireInstructor, userOrAddress } from './security';

export const CLASS_MESSAGES = {
  CLASS_NOT_FOUND: 'There is no class here, or it is not one of yours.',
  JOIN_CODE_UNKNOWN: 'No class has that join code. Check it with your instructor.',
  INSTRUCTOR_CANNOT_JOIN: 'Instructors cannot join classes as learners. Use a learner account to join.',
  LEARNER_NOT_IN_CLASS: 'That learner is not in this class.',
  ALLOW_SKIP_INVALID: 'Tick the box to allow skipping, or leave it empty to refuse it.',
  JOINING_CLOSED: 'This class is not taking new learners. Ask your instructor to open joining.',
  JOIN_LIMITED: (wait: string) => `Too many wrong join codes. Check the code with your instructor, then try again in ${wait}.`,
} as const;

/** Wrong join codes a learner may try per 15 minutes: plenty for typos, hopeless for guessing one of 31^8 codes. */
const JOIN_FAILURES_PER_15_MIN = 10;

/** Attempts the learner page shows, newest first: every one a real learner makes, with a bound for a script that checks all day. */
const LEARNER_PAGE_ATTEMPTS = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOIN_CODE = new RegExp(`^[A-Z0-9]{${JOIN_CODE_LENGTH}}$`);

// A checkbox: "yes" when ticked, absent when not.
const skipSchema = z.object({ allowSkip: z.literal('yes', { error: CLASS_MESSAGES.ALLOW_SKIP_INVALID }).optional() });

const joinSchema = z.object({
  code: z
    .string({ error: 'Join code must be text.' })
    .transform(normaliseJoinCode)
    .pipe(z.string().min(1, 'Enter the join code.').regex(JOIN_CODE, `A join code has ${JOIN_CODE_LENGTH} letters and digits, like K7QM2XPA.`)),
});

interface Deps {
  labs: LabCatalog;
  store: Store;
  publicUrl: string;
}

/** Mounted at /classes behind requireUser: everyone's own list, then the instructor's area. */
export function classRouter({ labs, store, publicUrl }: Deps): Router {
  const router = Router();
  const live = new ClassLive({ store });
  const createSchema = z.object({
    name: plainText('Class name', 100),
    labId: z.string({ error: 'Choose a lab.' }).refine((id) => labs.get(id) !== undefined, 'Choose one of the labs in the list.'),
  });

  /** The class, only for an instructor who manages it (owner or co-instructor): anyone else gets the same 404, so ids reveal nothing. */
  async function ownClass(req: Request): Promise<ClassInfo> {
    const id = String(req.params.classId);
    const found = UUID.test(id) ? await store.classes.findManaged(id, req.user!.id) : undefined;
    if (!found) throw new NotFoundError('CLASS_NOT_FOUND', CLASS_MESSAGES.CLASS_NOT_FOUND);
    return found;
  }

  async function renderClasses(req: Request, res: Response, status = 200, state: { errors?: FieldErrors; values?: Record<string, string> } = {}) {
    const user = req.user!;
    const classes = user.role === 'instructor' ? await store.classes.listForInstructor(user.id) : await store.classes.listForLearner(user.id);
    res.status(status).render('classes', {
      title: user.role === 'instructor' ? 'Your classes' : 'My classes',
      classes,
      labs: labs.labs,
      labTitle: (id: string) => labs.get(id)?.title ?? id,
      errors: state.errors ?? {},
      values: state.values ?? {},
      joined: typeof req.query.joined === 'string' ? req.query.joined : undefined,
    });
  }

  router.get('/', (req, res) => renderClasses(req, res));

  // Everything below is the instructor's: creating a class and following its learners.
  router.use(requireInstructor);
  router.use(classSettingsRouter({ labs, store, managedClass: ownClass }));

  router.post('/', async (req, res) => {
    const form = parseForm(createSchema, req.body);
    if (!form.ok) {
      const errors = form.errors;
      return respond(req, res, { json: () => { throw validationError(errors); }, html: () => renderClasses(req, res, 400, { errors, values: form.values }) });
    }
    const created = await store.classes.create({ name: form.data.name, labId: form.data.labId, instructorId: req.user!.id });
    res.redirect(303, `/classes/${created.id}`);
  });

  router.get('/:classId', async (req, res) => {
    const cls = await ownClass(req);
    const lab = labs.get(cls.labId);
    const dashboard = lab ? await classDashboard(store, cls, lab, gridQuery(req.query)) : { members: await store.classes.members(cls.id) };
    res.render('class', { title: cls.name, cls, lab, ...dashboard, joinLink: `${publicUrl}/join/${cls.joinCode}`, skipSaved: req.query.saved === 'skip' });
  });

  // Needs help, the learner count and the step funnel as they are now, for the open class page to put in place of its own
  // (public/class-grid.js, as checks come in and every minute): the same partials, for the same sort, filter and help=all.
  router.get('/:classId/summary', async (req, res) => {
    const cls = await ownClass(req);
    const lab = labs.get(cls.labId);
    if (!lab) throw new NotFoundError('CLASS_NOT_FOUND', CLASS_MESSAGES.CLASS_NOT_FOUND);
    const summary = await readClassSummary(store, cls, lab, gridQuery(req.query));
    res.set('Cache-Control', 'no-store').render('class-summary', { cls, lab, ...summary });
  });

  // The grid's live updates (Server-Sent Events), for those who may see the class.
  router.get('/:classId/events', async (req, res) => {
    const cls = await ownClass(req);
    const lab = labs.get(cls.labId);
    if (!lab) throw new NotFoundError('CLASS_NOT_FOUND', CLASS_MESSAGES.CLASS_NOT_FOUND);
    await live.open(req, res, cls, lab);
  });

  // The class's Skip setting, one of the settings panel's forms (views/partials/class-settings.ejs).
  router.post('/:classId/skip', async (req, res) => {
    const cls = await ownClass(req);
    if (cls.archivedAt) throw new AppError(409, 'CLASS_ARCHIVED', SETTINGS_MESSAGES.CLASS_ARCHIVED);
    const form = parseForm(skipSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    const allowSkip = form.data.allowSkip === 'yes';
    await store.classes.setAllowSkip(cls.id, allowSkip);
    return respond(req, res, { json: () => res.json({ classId: cls.id, allowSkip }), html: () => res.redirect(303, `/classes/${cls.id}?saved=skip#skip`) });
  });

  // A learner's completion report, for the class's instructors: as the learner sees it, read-only.
  router.get('/:classId/learners/:userId/report', async (req, res) => {
    const cls = await ownClass(req);
    const learnerId = String(req.params.userId);
    if (!UUID.test(learnerId) || !(await store.classes.isMember(cls.id, learnerId))) throw new NotFoundError('LEARNER_NOT_IN_CLASS', CLASS_MESSAGES.LEARNER_NOT_IN_CLASS);
    const stored = await store.reports.get(learnerId, cls.labId);
    if (!stored) throw new NotFoundError('REPORT_NOT_FOUND', REPORT_PAGE_MESSAGES.NO_REPORT);
    res.render('report-instructor', { title: `Report · ${stored.report.learnerName}`, cls, learnerId, ...reportLocals(stored.report) });
  });

  router.get('/:classId/learners/:userId', async (req, res) => {
    const cls = await ownClass(req);
    const learnerId = String(req.params.userId);
    if (!UUID.test(learnerId) || !(await store.classes.isMember(cls.id, learnerId))) throw new NotFoundError('LEARNER_NOT_IN_CLASS', CLASS_MESSAGES.LEARNER_NOT_IN_CLASS);
    const learner = await store.users.findById(learnerId);
    const lab = labs.get(cls.labId);
    if (!learner || !lab) throw new NotFoundError('LEARNER_NOT_IN_CLASS', CLASS_MESSAGES.LEARNER_NOT_IN_CLASS);
    const [progress, reflections, attempts] = await Promise.all([
      store.progress.forLearner(learner.id, lab.id),
      store.reflections.forLearner(learner.id, lab.id),
      store.progress.attempts(learner.id, lab.id, LEARNER_PAGE_ATTEMPTS),
    ]);
    const stored = await store.reports.get(learner.id, lab.id);
    const report = stored && { href: `/classes/${cls.id}/learners/${learner.id}/report`, title: `Completion report, written ${stored.generatedAt.slice(0, 10)}` };
    res.render('learner', { title: `${learner.name} · ${cls.name}`, cls, lab, learner, progress, reflections, attempts, attemptsCapped: attempts.length === LEARNER_PAGE_ATTEMPTS, report });
  });

  return router;
}

/** A class takes new learners while joining is open and it is not archived. */
function acceptsLearners(cls: ClassInfo): boolean {
  return cls.joiningOpen && cls.archivedAt === null;
}

/** Mounted at /join behind requireUser: a learner joins a class with its code or its link. */
export function joinRouter({ labs, store }: Omit<Deps, 'publicUrl'>): Router {
  const router = Router();
  // Only wrong codes count, by form or by link (a link's 404 answers a guess as well as the form does).
  const guesses = rateLimitBy({
    code: 'JOIN_RATE_LIMITED',
    windowMs: 15 * 60 * 1000,
    limit: JOIN_FAILURES_PER_15_MIN,
    key: userOrAddress,
    count: 'failures',
    message: CLASS_MESSAGES.JOIN_LIMITED,
    onLimited: (req, res, error) => res.status(error.status).render('join', { title: 'Join a class', cls: undefined, code: '', errors: { code: error.message } }),
  });

  async function join(req: Request, res: Response, rawCode: unknown, onError: (errors: FieldErrors, status: number) => Promise<void>) {
    const form = parseForm(joinSchema, { code: rawCode });
    if (!form.ok) return onError(form.errors, 400);
    if (req.user!.role === 'instructor') return onError({ code: CLASS_MESSAGES.INSTRUCTOR_CANNOT_JOIN }, 403);
    const found = await store.classes.findByJoinCode(form.data.code);
    if (!found) return onError({ code: CLASS_MESSAGES.JOIN_CODE_UNKNOWN }, 404);
    if (!acceptsLearners(found) && !(await store.classes.isMember(found.id, req.user!.id))) return onError({ code: CLASS_MESSAGES.JOINING_CLOSED }, 403);
    // A new learner is a new row on the class's open grids.
    if (await store.classes.enroll(found.id, req.user!.id)) await store.events.publish({ userId: req.user!.id, labId: found.labId, at: new Date().toISOString(), joinedClassId: found.id });
    res.redirect(303, `/classes?joined=${encodeURIComponent(found.id)}`);
  }

  router.get('/', (req, res) => {
    res.render('join', { title: 'Join a class', cls: undefined, code: '', errors: {} });
  });

  router.get('/:code', guesses, async (req, res) => {
    const code = normaliseJoinCode(String(req.params.code));
    const found = JOIN_CODE.test(code) ? await store.classes.findByJoinCode(code) : undefined;
    if (!found) throw new NotFoundError('JOIN_CODE_UNKNOWN', CLASS_MESSAGES.JOIN_CODE_UNKNOWN);
    const already = await store.classes.isMember(found.id, req.user!.id);
    if (!already && !acceptsLearners(found)) throw new AppError(403, 'JOINING_CLOSED', CLASS_MESSAGES.JOINING_CLOSED);
    res.render('join', { title: `Join ${found.name}`, cls: found, labTitle: labs.get(found.labId)?.title ?? found.labId, code, already, errors: {} });
  });

  router.post('/', guesses, (req, res) =>
    join(req, res, (req.body as Record<string, unknown>)?.code, (errors, status) =>
      respond(req, res, {
        json: () => { throw validationError(errors, status); },
        html: () => res.status(status).render('join', { title: 'Join a class', cls: undefined, code: String((req.body as Record<string, unknown>)?.code ?? '').slice(0, 40), errors }),
      }),
    ),
  );

  return router;
}
