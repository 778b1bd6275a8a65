// Sign up, sign in and sign out.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword, passwordWeakness, verifyPassword } from '../auth/passwords';
import { DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR } from '../config';
import type { AppError } from '../errors';
import type { Store } from '../store';
import { CONTROL, parseForm, plainText, safeNext, validationError, type FieldErrors } from './forms';
import { respond } from './respond';
import { addressOf, endSession, rateLimitBy, startSession, type CookieOptions } from './security';

export const AUTH_MESSAGES = {
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead?',
  WRONG_CREDENTIALS: 'That email and password do not match an account.',
  SIGN_IN_LIMITED: (wait: string) => `Too many failed sign-ins for this email. Wait ${wait}, then try again (or sign up if you have no account yet).`,
  SIGN_IN_ADDRESS_LIMITED: (wait: string) => `Too many failed sign-ins from your network. Wait ${wait}, then try again.`,
  SIGN_UP_LIMITED: (wait: string) => `Too many accounts were created from your network in the last hour. Try again in ${wait}.`,
} as const;

const email = z
  .string({ error: 'Email must be text.' })
  .trim()
  .min(1, 'Email is required.')
  .max(254, 'Email must be at most 254 characters.')
  .pipe(z.email('Enter a valid email address, like ada@example.com.'));

const password = z
  .string({ error: 'Password must be text.' })
  .min(1, 'Password is required.')
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`)
  .refine((s) => !CONTROL.test(s), 'Password contains characters that are not allowed.');

/** A new password: long enough, and not one an attacker tries first. `verilab users add` uses it too. */
const newPassword = password.min(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters.`).superRefine((s, ctx) => {
  const weakness = s.length >= PASSWORD_MIN ? passwordWeakness(s) : undefined;
  if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
});

export const signupSchema = z.object({
  email,
  name: plainText('Name', 100),
  password: newPassword,
  next: z.string().optional(),
});

const loginSchema = z.object({ email, password, next: z.string().optional() });

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword('not-a-real-password-only-for-timing'));

const FIFTEEN_MINUTES = 15 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
/** An address may fail this many times the per-email limit, whatever the emails: a classroom's typos, not a password spray. */
const ADDRESS_FAILURES_FACTOR = 10;

interface Deps {
  store: Store;
  cookies: CookieOptions;
  /** Failed sign-ins per email and address per 15 minutes. */
  authRateLimitPer15Min: number;
  /** Sign-up attempts per address per hour. */
  signupRateLimitPerHour?: number;
}

/** The email a sign-in is for, as the limit counts it; not validated yet, so bounded. */
function emailOf(req: Request): string {
  const value = (req.body as Record<string, unknown> | undefined)?.email;
  return typeof value === 'string' ? value.trim().toLowerCase().slice(0, 254) : '';
}

function renderForm(req: Request, res: Response, view: 'login' | 'signup', status: number, values: Record<string, string>, errors: FieldErrors = {}, formError?: string) {
  const page = () => res.status(status).render(view, { title: view === 'login' ? 'Sign in' : 'Sign up', values, errors, formError, next: safeNext(values.next ?? req.query.next, '') });
  if (status < 400) return page();
  return respond(req, res, { json: () => { throw validationError(formError ? { form: formError, ...errors } : errors, status); }, html: page });
}

/** A refused sign-in or sign-up: the form again, filled in as sent (never the password), with the reason above it. */
function renderLimited(view: 'login' | 'signup') {
  return (req: Request, res: Response, error: AppError) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const key of view === 'login' ? ['email', 'next'] : ['name', 'email', 'next']) if (typeof body[key] === 'string') values[key] = body[key];
    return res.status(error.status).render(view, { title: view === 'login' ? 'Sign in' : 'Sign up', values, errors: {}, formError: error.message, next: safeNext(values.next ?? req.query.next, '') });
  };
}

export function authRouter({ store, cookies, authRateLimitPer15Min, signupRateLimitPerHour = DEFAULT_SIGNUP_RATE_LIMIT_PER_HOUR }: Deps): Router {
  const router = Router();
  // Only failures count, keyed on the email and the address: a class behind one NAT signs in all at once, and a guesser
  // is stopped per account. The looser per-address limit stops one address trying a few passwords on every account.
  const signInLimits = [
    rateLimitBy({
      code: 'SIGN_IN_RATE_LIMITED',
      windowMs: FIFTEEN_MINUTES,
      limit: authRateLimitPer15Min,
      key: (req) => `${addressOf(req)}\n${emailOf(req)}`,
      count: 'failures',
      message: AUTH_MESSAGES.SIGN_IN_LIMITED,
      onLimited: renderLimited('login'),
    }),
    rateLimitBy({
      code: 'SIGN_IN_RATE_LIMITED',
      windowMs: FIFTEEN_MINUTES,
      limit: authRateLimitPer15Min * ADDRESS_FAILURES_FACTOR,
      key: addressOf,
      count: 'failures',
      message: AUTH_MESSAGES.SIGN_IN_ADDRESS_LIMITED,
      onLimited: renderLimited('login'),
    }),
  ];
  // Every sign-up attempt counts (each costs a password hash), against a ceiling that a whole class clears easily.
  const signUpLimit = rateLimitBy({
    code: 'SIGNUP_RATE_LIMITED',
    windowMs: HOUR,
    limit: signupRateLimitPerHour,
    key: addressOf,
    message: AUTH_MESSAGES.SIGN_UP_LIMITED,
    onLimited: renderLimited('signup'),
  });

  router.get('/signup', (req, res) => renderForm(req, res, 'signup', 200, { next: safeNext(req.query.next, '') }));
  router.get('/login', (req, res) => renderForm(req, res, 'login', 200, { next: safeNext(req.query.next, '') }));

  router.post('/signup', signUpLimit, async (req, res) => {
    const form = parseForm(signupSchema, req.body);
    if (!form.ok) return renderForm(req, res, 'signup', 400, form.values, form.errors);
    const user = await store.users.create({ email: form.data.email, name: form.data.name, passwordHash: await hashPassword(form.data.password), role: 'learner' });
    if (!user) return renderForm(req, res, 'signup', 409, { email: form.data.email, name: form.data.name, next: form.data.next ?? '' }, { email: AUTH_MESSAGES.EMAIL_TAKEN });
    await startSession(store, req, res, user.id, cookies);
    res.redirect(303, safeNext(form.data.next));
  });

  router.post('/login', ...signInLimits, async (req, res) => {
    const form = parseForm(loginSchema, req.body);
    if (!form.ok) return renderForm(req, res, 'login', 400, form.values, form.errors);
    const user = await store.users.findByEmailWithHash(form.data.email);
    // An unknown email still costs one hash check, so response times do not reveal which emails exist.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), form.data.password) && user !== undefined;
    if (!user || !ok) return renderForm(req, res, 'login', 401, { email: form.data.email, next: form.data.next ?? '' }, {}, AUTH_MESSAGES.WRONG_CREDENTIALS);
    await startSession(store, req, res, user.id, cookies);
    res.redirect(303, safeNext(form.data.next));
  });

  router.post('/logout', async (req, res) => {
    await endSession(store, req, res, cookies);
    res.redirect(303, '/');
  });

  return router;
}
