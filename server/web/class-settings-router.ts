// A class's instructors' own tools: its settings, its co-instructors, removing a learner, and the progress CSV.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../errors';
import type { LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { ClassInfo } from '../store/classes';
import { normaliseEmail } from '../store/users';
import { csvFilename, progressCsv } from './class-export';
import { parseForm, plainText, validationError } from './forms';
import { respond } from './respond';
import { rateLimitBy } from './security';

export const SETTINGS_MESSAGES = {
  CLASS_ARCHIVED: 'This class is archived and cannot be changed. Bring it back from the archive first.',
  JOINING_INVALID: 'Tick the box to let learners join, or leave it empty to close joining.',
  ARCHIVED_INVALID: 'Choose whether to archive the class ("yes") or bring it back ("no").',
  CONFIRM_INVALID: 'Confirm the removal with "yes".',
  LEARNER_NOT_IN_CLASS: 'That learner is not in this class.',
  EMAIL_INVALID: 'Enter the email address of an instructor account.',
  NOT_AN_INSTRUCTOR: 'No instructor account has that email. Co-instructors sign up and are made instructors first.',
  ALREADY_INSTRUCTOR: 'That instructor already manages this class.',
  INSTRUCTOR_NOT_FOUND: 'That person is not a co-instructor of this class.',
  OWNER_STAYS: 'The class\'s owner cannot be removed.',
  ADD_LIMITED: (wait: string) => `Too many co-instructors added at once. Try again in ${wait}.`,
} as const;

/** Co-instructor additions per instructor per 15 minutes: a department's worth, and no bulk probing of who has an instructor account. */
const ADDS_PER_15_MIN = 30;

const renameSchema = z.object({ name: plainText('Class name', 100) });
// Checkboxes: "yes" when ticked, absent when not (as the Skip setting).
const joiningSchema = z.object({ joiningOpen: z.literal('yes', { error: SETTINGS_MESSAGES.JOINING_INVALID }).optional() });
const archiveSchema = z.object({ archived: z.enum(['yes', 'no'], { error: SETTINGS_MESSAGES.ARCHIVED_INVALID }) });
const removeSchema = z.object({ confirm: z.literal('yes', { error: SETTINGS_MESSAGES.CONFIRM_INVALID }).optional() });
const instructorSchema = z.object({
  email: z
    .string({ error: SETTINGS_MESSAGES.EMAIL_INVALID })
    .max(320, SETTINGS_MESSAGES.EMAIL_INVALID)
    .transform(normaliseEmail)
    // zod's email rule, as at sign-up: it refuses control characters (a NUL would reach the database) as well as the shape.
    .pipe(z.email(SETTINGS_MESSAGES.EMAIL_INVALID)),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Deps {
  labs: LabCatalog;
  store: Store;
  /** The class of the URL, when the signed-in instructor manages it; otherwise the 404 every stranger gets. */
  managedClass: (req: Request) => Promise<ClassInfo>;
}

/** Mounted inside the class router, behind requireInstructor. */
export function classSettingsRouter({ labs, store, managedClass }: Deps): Router {
  const router = Router();
  const adds = rateLimitBy({
    code: 'CO_INSTRUCTOR_RATE_LIMITED',
    windowMs: 15 * 60 * 1000,
    limit: ADDS_PER_15_MIN,
    key: (req) => `user:${req.user!.id}`,
    // Only a request that names someone can probe for accounts; one without an email costs nothing.
    skip: (req) => typeof (req.body as Record<string, unknown> | undefined)?.email !== 'string',
    message: SETTINGS_MESSAGES.ADD_LIMITED,
  });

  /** The class, when it may be changed: an archived class is read-only until it is brought back. */
  async function changeableClass(req: Request): Promise<ClassInfo> {
    const cls = await managedClass(req);
    if (cls.archivedAt) throw new AppError(409, 'CLASS_ARCHIVED', SETTINGS_MESSAGES.CLASS_ARCHIVED);
    return cls;
  }

  /** A page goes back to the settings with what was saved; a JSON client gets the class as it now is. */
  async function saved(req: Request, res: Response, cls: ClassInfo, what: string) {
    const now = (await store.classes.findById(cls.id)) ?? cls;
    return respond(req, res, {
      json: () => res.json({ classId: now.id, name: now.name, joinCode: now.joinCode, joiningOpen: now.joiningOpen, allowSkip: now.allowSkip, archived: now.archivedAt !== null }),
      html: () => res.redirect(303, `/classes/${now.id}?saved=${what}#settings`),
    });
  }

  async function learnerOf(cls: ClassInfo, req: Request): Promise<string> {
    const userId = String(req.params.userId);
    if (!UUID.test(userId) || !(await store.classes.isMember(cls.id, userId))) throw new NotFoundError('LEARNER_NOT_IN_CLASS', SETTINGS_MESSAGES.LEARNER_NOT_IN_CLASS);
    return userId;
  }

  // The settings panel's data for the class page (views/partials/class-settings.ejs), ahead of the page's own handler.
  router.get('/:classId', async (req, res, next) => {
    const cls = await managedClass(req);
    const saved = typeof req.query.saved === 'string' ? req.query.saved : undefined;
    res.locals.settings = { instructors: await store.classes.instructors(cls.id), saved, you: req.user!.id };
    next();
  });

  router.get('/:classId/export.csv', async (req, res) => {
    const cls = await managedClass(req);
    const lab = labs.get(cls.labId);
    const members = await store.classes.members(cls.id);
    const stepIds = lab ? lab.steps.map((s) => s.id) : [];
    const progress = lab ? await store.progress.forLearners(members.map((m) => m.userId), lab.id) : [];
    res.set('Cache-Control', 'no-store');
    res.attachment(csvFilename(cls.name));
    res.type('text/csv; charset=utf-8');
    res.send(progressCsv(members, stepIds, progress));
  });

  router.post('/:classId/name', async (req, res) => {
    const cls = await changeableClass(req);
    const form = parseForm(renameSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    await store.classes.rename(cls.id, form.data.name);
    return saved(req, res, cls, 'name');
  });

  router.post('/:classId/join-code', async (req, res) => {
    const cls = await changeableClass(req);
    await store.classes.rotateJoinCode(cls.id);
    return saved(req, res, cls, 'join-code');
  });

  router.post('/:classId/joining', async (req, res) => {
    const cls = await changeableClass(req);
    const form = parseForm(joiningSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    await store.classes.setJoiningOpen(cls.id, form.data.joiningOpen === 'yes');
    return saved(req, res, cls, 'joining');
  });

  router.post('/:classId/archive', async (req, res) => {
    const cls = await managedClass(req);
    const form = parseForm(archiveSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    await store.classes.setArchived(cls.id, form.data.archived === 'yes');
    return saved(req, res, cls, 'archive');
  });

  // Without confirm=yes a page asks first (a form that works without JavaScript); a JSON client must send it.
  router.post('/:classId/learners/:userId/remove', async (req, res) => {
    const cls = await changeableClass(req);
    const userId = await learnerOf(cls, req);
    const form = parseForm(removeSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    if (form.data.confirm !== 'yes') {
      return respond(req, res, {
        json: () => { throw validationError({ confirm: SETTINGS_MESSAGES.CONFIRM_INVALID }); },
        html: async () => res.render('class-remove-learner', { title: `Remove from ${cls.name}`, cls, learner: await store.users.findById(userId) }),
      });
    }
    await store.classes.removeMember(cls.id, userId);
    return saved(req, res, cls, 'removed');
  });

  router.post('/:classId/instructors', adds, async (req, res) => {
    const cls = await changeableClass(req);
    const form = parseForm(instructorSchema, req.body);
    if (!form.ok) throw validationError(form.errors);
    // A learner's account and no account at all read the same: the form does not tell who has signed up.
    const found = await store.users.findByEmailWithHash(form.data.email);
    if (!found || found.role !== 'instructor') throw validationError({ email: SETTINGS_MESSAGES.NOT_AN_INSTRUCTOR });
    if (!(await store.classes.addInstructor(cls.id, found.id))) throw validationError({ email: SETTINGS_MESSAGES.ALREADY_INSTRUCTOR }, 409);
    return saved(req, res, cls, 'instructors');
  });

  router.post('/:classId/instructors/:userId/remove', async (req, res) => {
    const cls = await changeableClass(req);
    const userId = String(req.params.userId);
    if (userId === cls.instructorId) throw new AppError(409, 'OWNER_STAYS', SETTINGS_MESSAGES.OWNER_STAYS);
    if (!UUID.test(userId) || !(await store.classes.removeInstructor(cls.id, userId))) throw new NotFoundError('INSTRUCTOR_NOT_FOUND', SETTINGS_MESSAGES.INSTRUCTOR_NOT_FOUND);
    // Whoever removed themselves no longer sees the class.
    if (userId === req.user!.id) return respond(req, res, { json: () => res.json({ classId: cls.id, removed: userId }), html: () => res.redirect(303, '/classes') });
    return saved(req, res, cls, 'instructors');
  });

  return router;
}
