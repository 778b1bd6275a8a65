// series(): middleware run in order as one layer, with errors going to Express's error handling as between layers.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { series } from '../../../server/web/series';

function app(...handlers: RequestHandler[]) {
  const a = express();
  a.use(series(...handlers));
  a.get('/', (_req, res) => {
    res.json({ trail: res.locals.trail });
  });
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(500).json({ error: err.message, trail: res.locals.trail });
  };
  a.use(onError);
  return a;
}

const mark = (name: string): RequestHandler => (_req, res, next) => {
  res.locals.trail = [...((res.locals.trail as string[] | undefined) ?? []), name];
  next();
};

test('runs its handlers in order, async ones included, then the routes after it', async () => {
  const later: RequestHandler = async (req, res, next) => {
    await new Promise((r) => setTimeout(r, 5));
    mark('async')(req, res, next);
  };
  const res = await request(app(mark('one'), later, mark('three'))).get('/').expect(200);
  expect(res.body.trail).toEqual(['one', 'async', 'three']);
});

test('an error passed to next, thrown, or rejected skips the rest and reaches the error handler once', async () => {
  const passed: RequestHandler = (_req, _res, next) => next(new Error('passed'));
  const thrown: RequestHandler = () => {
    throw new Error('thrown');
  };
  const rejected: RequestHandler = async () => {
    throw new Error('rejected');
  };
  for (const [handler, message] of [[passed, 'passed'], [thrown, 'thrown'], [rejected, 'rejected']] as const) {
    const res = await request(app(mark('before'), handler, mark('after'))).get('/').expect(500);
    expect(res.body).toEqual({ error: message, trail: ['before'] });
  }
});

test('a handler that answers without calling next ends the series there', async () => {
  const answer: RequestHandler = (_req, res) => {
    res.status(418).send('answered');
  };
  const res = await request(app(mark('one'), answer, mark('never'))).get('/').expect(418);
  expect(res.text).toBe('answered');
});

test('a next called twice does not run the rest twice', async () => {
  let runs = 0;
  const twice: RequestHandler = (_req, _res, next) => {
    next();
    next();
  };
  const count: RequestHandler = (_req, _res, next) => {
    runs += 1;
    next();
  };
  await request(app(twice, count)).get('/').expect(200);
  expect(runs).toBe(1);
});
