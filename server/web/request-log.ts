// Request logging: one access line per request under a request id, echoed as X-Request-Id, with nothing secret in it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming id is kept only when it is short and plain, so a client cannot forge log lines or flood them. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

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

declare module 'http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id): the access line and the error handler's line carry it. */
    id?: string;
  }
}

/**
 * One access line per request, written when the response has been handed to the socket (or the client went away first).
 * It is written straight from the process's logger with the fields below and nothing else, so nothing from the headers
 * can reach it; a child logger and serializers per request cost more than the line (the step page is a hot path).
 */
export function requestLog(logger: Logger): RequestHandler {
  // The line is made of the fields below and nothing else, none of them secret: the logger's redaction paths, which
  // cost more than the rest of the line, are left out for it (a child with an empty list drops the parent's).
  const access = logger.child({}, { redact: [] });
  return (req, res, next) => {
    const id = requestId(req, res);
    req.id = id;
    const url = req.originalUrl ?? req.url ?? '';
    if (QUIET.test(url)) return next();
    const started = performance.now();
    const proxied = SANDBOX_PROXY.test(url);
    const line = (msg: string, level: 'debug' | 'info' | 'error', aborted = false) => {
      const fields = {
        reqId: id,
        req: { method: req.method, url: pathOf(req) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
        userId: req.user?.id,
        ...(aborted ? { aborted: true } : {}),
      };
      access[level](fields, msg);
    };
    // 'close' comes after every response, finished or not; writableFinished says which.
    res.once('close', () => {
      // The client went away before the response was complete: worth a line, not an error of Verilab's.
      if (!res.writableFinished) line('request aborted by the client', proxied ? 'debug' : 'info', true);
      else if (res.statusCode >= 500) line(`request failed with status ${res.statusCode}`, 'error');
      else line('request completed', proxied ? 'debug' : 'info');
    });
    next();
  };
}
