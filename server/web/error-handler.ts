// The one error handler, the 404 fallback and the malformed-address check: HTML or JSON by Accept; unknown errors are logged, never shown.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, MESSAGES, NotFoundError, isAppError } from '../errors';
import { respond } from './respond';

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError());
};

/**
 * A path with a malformed %-escape is a 400 wherever it points. The router would find that out only when it decodes a
 * route's parameters, which is after an area's guard has run: an anonymous visitor would be sent to sign in instead.
 */
export const rejectMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch (err) {
    return next(Object.assign(err as URIError, { status: 400 }));
  }
  next();
};

/**
 * Errors thrown by Express itself are the client's fault when they carry a 4xx status: the body parsers mark
 * theirs `expose`, and the router's URIError for a malformed %-escape in the path carries status 400.
 */
function fromHttpError(err: unknown): AppError | undefined {
  const e = err as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && (e.expose === true || err instanceof URIError)) {
    const message =
      e.type === 'entity.too.large' ? 'What you sent is too large.' :
      e.type === 'entity.parse.failed' ? 'What you sent could not be read.' :
      err instanceof URIError ? 'That address is not valid.' :
      'The request was not understood.';
    return new AppError(e.status, 'BAD_REQUEST', message, { cause: err });
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = isAppError(err) && err.expose ? err : fromHttpError(err);
    const error = known ?? new AppError(500, 'INTERNAL', MESSAGES.INTERNAL);
    if (!known) logger.error({ err, reqId: req.id, method: req.method, url: req.originalUrl.split('?', 1)[0] }, 'unhandled error');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status);
    if (error.status === 429 && error.details?.retryAfterSeconds) res.set('Retry-After', String(error.details.retryAfterSeconds));
    return respond(req, res, {
      json: () => res.json({ error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...(error.details ?? {}) } }),
      html: () => res.render('error', { title: error.status === 404 ? 'Not found' : 'Error', error }),
    });
  };
}
