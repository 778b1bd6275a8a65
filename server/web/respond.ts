// HTML or JSON: the one place that decides, from Accept, whether a request gets a page or JSON.
import type { Request, Response } from 'express';

/** True when the client asked for JSON rather than a page (the in-place forms and API callers); a page otherwise. */
export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/** Each answer sends the response, or throws an error for the error handler (which answers in the same format). */
export interface Answers {
  html: () => unknown;
  json: () => unknown;
}

/** Runs the answer the client asked for; a handler `return`s it, so Express 5 sees whatever it throws or rejects with. */
export async function respond(req: Request, res: Response, answers: Answers): Promise<void> {
  // Caches must keep the page and the JSON apart.
  res.vary('Accept');
  await (wantsJson(req) ? answers.json() : answers.html());
}
