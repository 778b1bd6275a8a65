// Request logging: one access line per request under a request id, echoed as X-Request-Id, with nothing secret in it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming id is kept only when it is short and plain, so a client cannot forge log lines or flood them. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The access line's own fields are listed below, so headers never reach it; these paths are redacted as well, in case
 * a later change logs the whole request: the session and CSRF cookies, SigV4 signatures (the sandbox's /sandbox/aws
 * signing proxy receives the learner's Authorization header), STS session tokens, and new session cookies.
 */
export const REQUEST_LOG_REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-amz-security-token"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Static files and the health check are requested constantly and say nothing about learners. */
const QUIET = /^\/(static\/|healthz(\?|$))/;

/** The sandbox proxy logs each AWS call itself (at debug, with the account and action); its access lines are debug too. */
const SANDBOX_PROXY = /^\/sandbox\/aws(\/|\?|$)/;

type Req = IncomingMessage & { originalUrl?: string; user?: Request['user'] };

/** The path without its query string: presigned AWS URLs carry credentials and signatures there. */
function pathOf(req: Req): string | undefined {
  const url = req.originalUrl ?? req.url;
  return url?.split('?', 1)[0];
}

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER.toLowerCase()];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp<Req, ServerResponse>({
    logger,
    genReqId: requestId,
    redact: { paths: REQUEST_LOG_REDACT, censor: '[redacted]' },
    wrapSerializers: false,
    serializers: {
      req: (req: Req) => ({ method: req.method, url: pathOf(req) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => QUIET.test(req.originalUrl ?? req.url ?? '') },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      return SANDBOX_PROXY.test(req.originalUrl ?? req.url ?? '') ? 'debug' : 'info';
    },
    customSuccessObject: (req, _res, fields: object) => ({ ...fields, userId: req.user?.id }),
    // The error handler logs the error itself under this request id; the access line only says that the request failed.
    customErrorObject: (req, _res, _err, { err: _ignored, ...fields }: { err?: unknown }) => ({ ...fields, userId: req.user?.id }),
    customErrorMessage: (_req, res) => `request failed with status ${res.statusCode}`,
    // req.log carries only the id; the access line adds method and path.
    quietReqLogger: true,
  });
}
