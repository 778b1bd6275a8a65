// Kept pages: used again only while every local is the same, with each visitor's own CSRF token put in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import request from 'supertest';
import { RenderedPages } from '../../../server/web/rendered-pages';
import { PendingToken } from '../../../server/web/security';

const fixedThing = { id: 'fixed-1', huge: 'x'.repeat(100) };
let views: string;
let renders: number;

beforeAll(() => {
  views = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-rendered-pages-'));
  // The view counts its renders through a global the test reads: a kept page does not run it.
  fs.writeFileSync(
    path.join(views, 'page.ejs'),
    '<% countRender() %><p>token <%= csrfToken %></p><p>who <%= currentUser ? currentUser.name : "anonymous" %></p><p>note <%= note %></p><p>fixed <%= thing.id %></p><form><input name="_csrf" value="<%= csrfToken %>"></form>',
  );
  fs.writeFileSync(path.join(views, 'plain.ejs'), '<% countRender() %><p>nothing to send</p>');
});
afterAll(() => fs.rmSync(views, { recursive: true, force: true }));
beforeEach(() => {
  renders = 0;
});

interface Visit {
  token: string;
  user?: { id: string; name: string };
  note: string;
  thing?: object;
}

function app(pages: RenderedPages): Express {
  const a = express();
  a.set('views', views);
  a.set('view engine', 'ejs');
  a.set('view cache', true);
  a.locals.countRender = () => {
    renders += 1;
  };
  a.get('/', (req, res) => {
    const visit = JSON.parse(String(req.query.v)) as Visit;
    res.locals.csrfToken = visit.token;
    res.locals.currentUser = visit.user;
    return pages.send(res, 'page', 'slot', { note: visit.note, thing: visit.thing ?? fixedThing });
  });
  return a;
}

const visit = (a: Express, v: Visit) => request(a).get('/').query({ v: JSON.stringify(v) }).expect(200).expect('Content-Type', /text\/html/);
const fixed = (value: unknown) => (value === fixedThing ? 'thing' : undefined);

test('a page is rendered once while nothing changes, and each visitor gets their own token in every place it appears', async () => {
  const pages = new RenderedPages({ fixed });
  const a = app(pages);
  const first = await visit(a, { token: 'tokenA', note: 'same' });
  const second = await visit(a, { token: 'tokenB', note: 'same' });
  expect(renders).toBe(1);
  expect(first.text).toContain('token tokenA');
  expect(first.text).toContain('value="tokenA"');
  expect(second.text).toContain('token tokenB');
  expect(second.text).toContain('value="tokenB"');
  expect(second.text).not.toContain('tokenA');
  expect(second.text).not.toMatch(/csrf[0-9a-f]{32}/);
});

test('any change in the locals, or another person, renders the page again', async () => {
  const pages = new RenderedPages({ fixed });
  const a = app(pages);
  await visit(a, { token: 't1', note: 'one' });
  const changed = await visit(a, { token: 't1', note: 'two' });
  expect(changed.text).toContain('note two');
  expect(renders).toBe(2);
  const learner = await visit(a, { token: 't2', note: 'two', user: { id: 'u1', name: 'Ada' } });
  expect(learner.text).toContain('who Ada');
  const renamed = await visit(a, { token: 't2', note: 'two', user: { id: 'u1', name: 'Ada L.' } });
  expect(renamed.text).toContain('who Ada L.');
  expect(renders).toBe(4);
  // The anonymous page is still kept beside the learner's.
  await visit(a, { token: 't3', note: 'two' });
  expect(renders).toBe(4);
});

test('a value named fixed is written by its id: a different object with the same id uses the kept page, another id does not', async () => {
  const other = { id: 'other' };
  const pages = new RenderedPages({ fixed: (v) => (v === fixedThing ? 'thing' : v === other ? 'other' : undefined) });
  const a = app(pages);
  await visit(a, { token: 't', note: 'n' });
  await visit(a, { token: 't', note: 'n' });
  expect(renders).toBe(1);
  // An object the function does not know is written out in full, so its contents count.
  await visit(a, { token: 't', note: 'n', thing: { id: 'fixed-1', huge: 'y' } });
  expect(renders).toBe(2);
});

test('a request without a token is rendered, not kept', async () => {
  const pages = new RenderedPages({ fixed });
  const a = app(pages);
  const res = await visit(a, { token: '', note: 'n' });
  expect(res.text).toContain('token </p>');
  await visit(a, { token: '', note: 'n' });
  expect(renders).toBe(2);
  expect(pages.size).toBe(0);
});

test('it keeps at most maxPages pages and maxSize in all, the least recently used going first', async () => {
  const pages = new RenderedPages({ fixed, maxPages: 2 });
  const a = app(pages);
  for (const name of ['a', 'b', 'c']) await visit(a, { token: 't', note: 'n', user: { id: name, name } });
  expect(pages.size).toBe(2);
  await visit(a, { token: 't', note: 'n', user: { id: 'c', name: 'c' } });
  expect(renders).toBe(3);
  await visit(a, { token: 't', note: 'n', user: { id: 'a', name: 'a' } });
  expect(renders).toBe(4);

  const small = new RenderedPages({ fixed, maxSize: 10 });
  const b = app(small);
  await visit(b, { token: 't', note: 'n', user: { id: 'x', name: 'x' } });
  await visit(b, { token: 't', note: 'n', user: { id: 'y', name: 'y' } });
  expect(small.size).toBe(1);
});

test("a first-time visitor's pending token is made only when the page writes it, and then only once", async () => {
  const pages = new RenderedPages({ fixed });
  let made = 0;
  const a = express();
  a.set('views', views);
  a.set('view engine', 'ejs');
  a.locals.countRender = () => {
    renders += 1;
  };
  a.get('/:view', (req, res) => {
    res.locals.csrfToken = new PendingToken(() => `made${++made}`);
    res.locals.currentUser = undefined;
    return pages.send(res, String(req.params.view), 'slot', { note: 'n', thing: fixedThing });
  });
  for (let i = 0; i < 2; i++) expect((await request(a).get('/plain').expect(200)).text).toBe('<p>nothing to send</p>');
  expect(made).toBe(0);
  const withForm = await request(a).get('/page').expect(200);
  expect(made).toBe(1);
  expect(withForm.text).toContain('token made1');
  expect(withForm.text).toContain('value="made1"');
});

test('a function among the locals is refused: the fingerprint could not see what it returns', async () => {
  const pages = new RenderedPages({ fixed });
  const a = express();
  a.set('views', views);
  a.set('view engine', 'ejs');
  a.locals.countRender = () => undefined;
  a.get('/', async (_req, res, next) => {
    res.locals.csrfToken = 't';
    res.locals.currentUser = undefined;
    await pages.send(res, 'page', 'slot', { note: () => 'changes', thing: fixedThing }).catch(next);
  });
  a.use(((err: Error, _req, res, _next) => res.status(500).send(err.message)) as express.ErrorRequestHandler);
  expect((await request(a).get('/').expect(500)).text).toMatch(/the local note is a function/);
});
