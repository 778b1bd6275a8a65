// Request security: HTTP headers, the session cookie, CSRF tokens, rate limits and the guards routes mount.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from 'express-rate-limit';
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
} as const;

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
    /** Set by express-rate-limit on the requests it counts. */
    rateLimit?: RateLimitInfo;
  }
}

/** Helmet, configured: the headers every response carries. */
function helmetHeaders(secure: boolean): RequestHandler {
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

/**
 * Helmet's headers, worked out once: none of them depends on the request, and helmet builds its policy string again on
 * every response, which cost about a tenth of a step page's time. Helmet is run once at start-up against a response
 * that only records what it is told; every response then gets that list.
 */
export function securityHeaders(secure: boolean): RequestHandler {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let ran = false;
  helmetHeaders(secure)({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    ran = true;
  });
  // Helmet calls next synchronously when nothing in its configuration depends on the request; if a later version does
  // not, fail at start-up rather than serve pages without their headers.
  if (!ran || set.length === 0) throw new Error('helmet did not set its headers synchronously; securityHeaders cannot precompute them');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

export interface CookieOptions {
  secure: boolean;
}

/**
 * The session cookie's name. On https it carries the __Host- prefix, as the CSRF cookie does: a sibling subdomain then
 * cannot plant its own session cookie for Verilab's host (which would sign the victim in as the attacker).
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

function cookieBase(opts: CookieOptions) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: opts.secure, path: '/' };
}

/** Loads the signed-in user from the session cookie; an unknown or expired token just means anonymous. */
export function loadSession(store: Store, opts: CookieOptions): RequestHandler {
  const name = sessionCookieName(opts.secure);
  return async (req, res, next) => {
    const token = req.cookies?.[name];
    if (typeof token === 'string' && token.length > 0 && token.length < 200) {
      req.user = await store.sessions.findUser(token);
    }
    res.locals.currentUser = req.user;
    next();
  };
}

/** The signed-in user of a raw request (a WebSocket upgrade, which Express's middleware never sees), from its session cookie. */
export async function userFromCookies(store: Store, cookieHeader: string | undefined, opts: CookieOptions): Promise<User | undefined> {
  if (!cookieHeader) return undefined;
  const name = sessionCookieName(opts.secure);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
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

/**
 * The pre-session CSRF cookie's name. On https it carries the __Host- prefix: the browser then accepts it only when it
 * is Secure, for Path=/ and without a Domain, so a sibling subdomain cannot plant one for Verilab's host.
 */
export function csrfCookieName(secure: boolean): string {
  return secure ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE;
}

/** Signs a session in; its CSRF token is derived from the new session, and the pre-session cookie is dropped with the old token. */
export async function startSession(store: Store, req: Request, res: Response, userId: string, opts: CookieOptions): Promise<void> {
  const name = sessionCookieName(opts.secure);
  const previous = req.cookies?.[name];
  if (typeof previous === 'string' && previous.length > 0 && previous.length < 200) await store.sessions.delete(previous);
  const { token, expiresAt } = await store.sessions.create(userId, SESSION_TTL_MS);
  res.cookie(name, token, { ...cookieBase(opts), expires: expiresAt });
  res.clearCookie(csrfCookieName(opts.secure), cookieBase(opts));
}

/** Signs out; the pre-session cookie goes too, so no token from before or during the session verifies afterwards. */
export async function endSession(store: Store, req: Request, res: Response, opts: CookieOptions): Promise<void> {
  const name = sessionCookieName(opts.secure);
  const token = req.cookies?.[name];
  if (typeof token === 'string') await store.sessions.delete(token);
  res.clearCookie(name, cookieBase(opts));
  res.clearCookie(csrfCookieName(opts.secure), cookieBase(opts));
}

const PRE_SESSION = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * A first-time visitor's token, made with its pre-session cookie only when a page writes it (a form, a view's
 * `<%= csrfToken %>`): reading a lab's pages needs neither, so a visitor who only reads gets no cookie, and those pages
 * are the same for every visitor. It becomes its string when written; `String(token)` gives it to code.
 */
export class PendingToken {
  private value?: string;

  constructor(private readonly make: () => string) {}

  toString(): string {
    this.value ??= this.make();
    return this.value;
  }
}

/**
 * CSRF tokens bound to the session: a form's token is an HMAC, under the server secret, of the session token when
 * signed in, else of a random pre-session value kept in an httpOnly cookie. A cross-site form can read neither; a
 * cookie and token pair that another visitor obtained (and a sibling site planted) does not match this session; and
 * signing in or out changes what the token is bound to, so tokens from before no longer verify.
 */
export function csrf(secret: string, opts: CookieOptions) {
  const cookieName = csrfCookieName(opts.secure);
  const sign = (binding: string) => createHmac('sha256', secret).update(`csrf\n${binding}`).digest('base64url');

  /** What this request's token is bound to; loadSession has already checked the session cookie. */
  function binding(req: Request): string | undefined {
    const session = req.user ? req.cookies?.[sessionCookieName(opts.secure)] : undefined;
    if (typeof session === 'string') return `session\n${session}`;
    const pre = req.cookies?.[cookieName];
    return typeof pre === 'string' && PRE_SESSION.test(pre) ? `pre\n${pre}` : undefined;
  }

  const issue: RequestHandler = (req, res, next) => {
    const bound = binding(req);
    res.locals.csrfToken = bound
      ? sign(bound)
      : new PendingToken(() => {
          const value = randomBytes(24).toString('base64url');
          res.cookie(cookieName, value, cookieBase(opts));
          req.cookies = { ...req.cookies, [cookieName]: value };
          return sign(`pre\n${value}`);
        });
    next();
  };

  const verify: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const bound = binding(req);
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    if (bound && typeof sent === 'string') {
      const expected = Buffer.from(sign(bound));
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

/** The client's address as limits count it: an IPv6 client by its /56, which is one household or office. */
export function addressOf(req: Request): string {
  return ipKeyGenerator(req.ip ?? '');
}

/** The signed-in user, else the address: whom a limit on a signed-in route counts. */
export function userOrAddress(req: Request): string {
  return req.user ? `user:${req.user.id}` : `address:${addressOf(req)}`;
}

/** "a minute", "12 minutes": the wait, in the words a limit's message uses. */
function inWords(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? 'a minute' : `${minutes} minutes`;
}

export interface LimitRule {
  /** The error code of a refusal, such as SIGN_IN_RATE_LIMITED. */
  code: string;
  windowMs: number;
  limit: number;
  /** Whose requests are counted together. */
  key: (req: Request) => string;
  /** What the refused person reads, given the wait in words ("12 minutes"). */
  message: (wait: string) => string;
  /**
   * Which requests count: all of them (the default); only failures (a status of 400 or more), so that a whole class
   * succeeding from one address is never refused; or those a predicate picks from the response.
   */
  count?: 'all' | 'failures' | ((res: Response) => boolean);
  /** Requests never counted, decided before the route runs (a form that does not validate costs nothing). */
  skip?: (req: Request) => boolean;
  /** Shows an HTML refusal where the person was (their form, the Connect page); JSON and anything else get the error handler. */
  onLimited?: (req: Request, res: Response, error: AppError) => unknown;
}

/**
 * A fixed-window limit kept in this process's memory (each process of a deployment counts on its own). A refusal is
 * a 429 with Retry-After and the wait in its message, and `retryAfterSeconds` for JSON clients; never a 500.
 */
export function rateLimitBy(rule: LimitRule): RequestHandler {
  const counted = typeof rule.count === 'function' ? rule.count : undefined;
  return rateLimit({
    windowMs: rule.windowMs,
    limit: rule.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // With TRUST_PROXY off, any client can send X-Forwarded-For; it is ignored, and must not fill the log with warnings.
    validate: { xForwardedForHeader: false },
    keyGenerator: (req) => rule.key(req),
    skip: rule.skip && ((req) => rule.skip!(req)),
    skipSuccessfulRequests: rule.count === 'failures',
    // express-rate-limit gives back the hits of "failed" requests: here, those the predicate does not count.
    skipFailedRequests: counted !== undefined,
    requestWasSuccessful: counted && ((_req, res) => counted(res)),
    handler: (req, res, next) => {
      const resetTime = req.rateLimit?.resetTime?.getTime() ?? Date.now() + rule.windowMs;
      const seconds = Math.max(1, Math.ceil((resetTime - Date.now()) / 1000));
      const error = new AppError(429, rule.code, rule.message(inWords(seconds)), { details: { retryAfterSeconds: seconds } });
      if (!rule.onLimited || wantsJson(req)) return next(error);
      Promise.resolve(rule.onLimited(req, res, error)).catch(next);
    },
  });
}
