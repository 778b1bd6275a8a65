// Sign up, sign in and sign out.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword, verifyPassword } from '../auth/passwords';
import type { Store } from '../store';
import { CONTROL, parseForm, plainText, safeNext, validationError, type FieldErrors } from './forms';
import { respond } from './respond';
import { authRateLimit, endSession, startSession, type CookieOptions } from './security';

export const AUTH_MESSAGES = {
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead?',
  WRONG_CREDENTIALS: 'That email and password do not match an account.',
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

export const signupSchema = z.object({
  email,
  name: plainText('Name', 100),
  password: password.min(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters.`),
  next: z.string().optional(),
});

const loginSchema = z.object({ email, password, next: z.string().optional() });

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword('not-a-real-password-only-for-timing'));

interface Deps {
  store: Store;
  cookies: CookieOptions;
  authRateLimitPer15Min: number;
}

function renderForm(req: Request, res: Response, view: 'login' | 'signup', status: number, values: Record<string, string>, errors: FieldErrors = {}, formError?: string) {
  const page = () => res.status(status).render(view, { title: view === 'login' ? 'Sign in' : 'Sign up', values, errors, formError, next: safeNext(values.next ?? req.query.next, '') });
  if (status < 400) return page();
  return respond(req, res, { json: () => { throw validationError(formError ? { form: formError, ...errors } : errors, status); }, html: page });
}

export function authRouter({ store, cookies, authRateLimitPer15Min }: Deps): Router {
  const router = Router();
  const limiter = authRateLimit(authRateLimitPer15Min);

  router.get('/signup', (req, res) => renderForm(req, res, 'signup', 200, { next: safeNext(req.query.next, '') }));
  router.get('/login', (req, res) => renderForm(req, res, 'login', 200, { next: safeNext(req.query.next, '') }));

  router.post('/signup', limiter, async (req, res) => {
    const form = parseForm(signupSchema, req.body);
    if (!form.ok) return renderForm(req, res, 'signup', 400, form.values, form.errors);
    const user = await store.users.create({ email: form.data.email, name: form.data.name, passwordHash: await hashPassword(form.data.password), role: 'learner' });
    if (!user) return renderForm(req, res, 'signup', 409, { email: form.data.email, name: form.data.name, next: form.data.next ?? '' }, { email: AUTH_MESSAGES.EMAIL_TAKEN });
    await startSession(store, res, user.id, cookies);
    res.redirect(303, safeNext(form.data.next));
  });

  router.post('/login', limiter, async (req, res) => {
    const form = parseForm(loginSchema, req.body);
    if (!form.ok) return renderForm(req, res, 'login', 400, form.values, form.errors);
    const user = await store.users.findByEmailWithHash(form.data.email);
    // An unknown email still costs one hash check, so response times do not reveal which emails exist.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), form.data.password) && user !== undefined;
    if (!user || !ok) return renderForm(req, res, 'login', 401, { email: form.data.email, next: form.data.next ?? '' }, {}, AUTH_MESSAGES.WRONG_CREDENTIALS);
    await startSession(store, res, user.id, cookies);
    res.redirect(303, safeNext(form.data.next));
  });

  router.post('/logout', async (req, res) => {
    await endSession(store, req, res, cookies);
    res.redirect(303, '/');
  });

  return router;
}
