// Request security: HTTP headers, the session cookie, CSRF tokens, rate limits and the guards routes mount.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { AppError } from '../errors';
import type { Store } from '../store';
import type { User } from '../store/users';
import { wantsJson } from './respond';

export const SESSION_COOKIE = 'verilab_session';
export const CSRF_COOKIE = 'verilab_csrf';
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

export const SECURITY_MESSAGES = {
  CSRF: 'This form has expired or was not sent from Verilab. Go back, reload the page and try again.',
  SIGN_IN: 'Please sign in first.',
  INSTRUCTORS_ONLY: 'Only instructors can do that.',
  RATE_LIMITED: 'Too many attempts from your address. Please wait a few minutes and try again.',
} as const;

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

export function securityHeaders(secure: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS on a plain-http laptop install would break other local services on the same host name.
    strictTransportSecurity: secure ? { maxAge: 15552000 } : false,
  });
}

export interface CookieOptions {
  secure: boolean;
}

function cookieBase(opts: CookieOptions) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: opts.secure, path: '/' };
}

/** Loads the signed-in user from the session cookie; an unknown or expired token just means anonymous. */
export function loadSession(store: Store): RequestHandler {
  return async (req, res, next) => {
    const token = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token.length > 0 && token.length < 200) {
      req.user = await store.sessions.findUser(token);
    }
    res.locals.currentUser = req.user;
    next();
  };
}

/** The signed-in user of a raw request (a WebSocket upgrade, which Express's middleware never sees), from its session cookie. */
export async function userFromCookies(store: Store, cookieHeader: string | undefined): Promise<User | undefined> {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let token: string;
    try {
      token = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    return token.length > 0 && token.length < 200 ? store.sessions.findUser(token) : undefined;
  }
  return undefined;
}

export async function startSession(store: Store, res: Response, userId: string, opts: CookieOptions): Promise<void> {
  const { token, expiresAt } = await store.sessions.create(userId, SESSION_TTL_MS);
  res.cookie(SESSION_COOKIE, token, { ...cookieBase(opts), expires: expiresAt });
}

export async function endSession(store: Store, req: Request, res: Response, opts: CookieOptions): Promise<void> {
  const token = req.cookies?.[SESSION_COOKIE];
  if (typeof token === 'string') await store.sessions.delete(token);
  res.clearCookie(SESSION_COOKIE, cookieBase(opts));
}

/**
 * Double-submit CSRF: a random value in an httpOnly cookie, and in each form its HMAC under the server secret.
 * A cross-site form cannot read the cookie, and a cookie planted from a sibling domain has no valid HMAC.
 */
export function csrf(secret: string, opts: CookieOptions) {
  const sign = (value: string) => createHmac('sha256', secret).update(`csrf:${value}`).digest('base64url');

  const issue: RequestHandler = (req, res, next) => {
    let value = req.cookies?.[CSRF_COOKIE];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(value)) {
      value = randomBytes(24).toString('base64url');
      res.cookie(CSRF_COOKIE, value, cookieBase(opts));
      req.cookies = { ...req.cookies, [CSRF_COOKIE]: value };
    }
    res.locals.csrfToken = sign(value as string);
    next();
  };

  const verify: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const cookie = req.cookies?.[CSRF_COOKIE];
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    if (typeof cookie === 'string' && typeof sent === 'string') {
      const expected = Buffer.from(sign(cookie));
      const given = Buffer.from(sent);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return next();
    }
    next(new AppError(403, 'CSRF_FAILED', SECURITY_MESSAGES.CSRF));
  };

  return { issue, verify };
}

export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.method === 'GET' && !wantsJson(req)) {
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  next(new AppError(401, 'SIGN_IN_REQUIRED', SECURITY_MESSAGES.SIGN_IN));
};

export const requireInstructor: RequestHandler = (req, res, next) => {
  requireUser(req, res, (err?: unknown) => {
    if (err) return next(err);
    if (req.user?.role !== 'instructor') return next(new AppError(403, 'INSTRUCTORS_ONLY', SECURITY_MESSAGES.INSTRUCTORS_ONLY));
    next();
  });
};

export function authRateLimit(limit: number): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60 * 1000,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req: Request, _res: Response, next: NextFunction) => next(new AppError(429, 'RATE_LIMITED', SECURITY_MESSAGES.RATE_LIMITED)),
  });
}
