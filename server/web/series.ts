// Middleware that every page request passes through, run as one step of Express's router instead of one step each.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs `handlers` one after the other, as consecutive `app.use` calls would, but as a single layer of the router: each
 * layer costs the router a path match, a prefix trim and a promise check, and a step page passes a dozen of them.
 *
 * Each handler gets a `next` that runs the following one. An error, passed to `next` or thrown, or a promise a handler
 * returns that rejects, skips the rest and goes to Express's error handling, as it would between layers. A handler
 * that answers and does not call `next` ends the series there.
 */
export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    let finished = false;
    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      done(err);
    };
    const next: NextFunction = (err?: unknown) => {
      if (finished) return;
      if (err !== undefined && err !== null) return fail(err);
      const handler = handlers[index++];
      if (!handler) {
        finished = true;
        return done();
      }
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) result.catch((e: unknown) => fail(e ?? new Error('a middleware rejected without a reason')));
      } catch (e) {
        fail(e);
      }
    };
    next();
  };
}
