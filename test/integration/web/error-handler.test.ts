import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { AppError } from '../../../server/errors';
import { VIEWS_DIR } from '../../../server/paths';
import { errorHandler } from '../../../server/web/error-handler';

function appThatThrows(err: unknown, lines: string[]) {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.locals.siteName = 'Verilab';
  app.locals.mode = 'sandbox';
  app.get('/boom', async () => {
    throw err;
  });
  const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
  app.use(errorHandler(logger));
  return app;
}

describe('error handler', () => {
  it('unknown error: generic 500, details only in the log', async () => {
    const lines: string[] = [];
    const res = await request(appThatThrows(new Error('db password is hunter2'), lines)).get('/boom').set('Accept', 'application/json').expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Something went wrong on our side. Please try again in a moment.' } });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(lines.join('')).toContain('hunter2');
  });

  it('unknown error as HTML: generic page without the message', async () => {
    const res = await request(appThatThrows(new Error('secret detail'), [])).get('/boom').set('Accept', 'text/html').expect(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toContain('secret detail');
  });

  it('AppError below 500: shown as it is, with its hint', async () => {
    const err = new AppError(409, 'EMAIL_TAKEN', 'That email is already registered.', { hint: 'Sign in instead.' });
    const res = await request(appThatThrows(err, [])).get('/boom').set('Accept', 'application/json').expect(409);
    expect(res.body).toEqual({ error: { code: 'EMAIL_TAKEN', message: 'That email is already registered.', hint: 'Sign in instead.' } });
  });

  it('AppError of 500 or more: hidden like any unknown error', async () => {
    const res = await request(appThatThrows(new AppError(503, 'X', 'internal thing'), [])).get('/boom').set('Accept', 'application/json').expect(500);
    expect(res.body.error.message).not.toContain('internal thing');
  });
});
