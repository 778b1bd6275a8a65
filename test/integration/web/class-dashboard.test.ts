// The instructor's class page: the grid (cells, sort, filter), needs help, the step funnel, and the live events stream.
import request from 'supertest';
import type { Express } from 'express';
import type { Store } from '../../../server/store';
import type { ClassInfo } from '../../../server/store/classes';
import type { User } from '../../../server/store/users';
import { labs, makeUser, signedIn } from '../../helpers/app';
import { serve } from '../../helpers/browser';
import { LAB_ID, liveApp, openStream, signInOver, verdictKey, type Verdicts } from '../../helpers/live';
import { openStore } from '../../../server/store';
import { createTestDatabase } from '../../helpers/store';
import { storeFixtureReport } from '../../helpers/reports';

const STEPS = labs().get(LAB_ID)!.steps.map((s) => s.id);
const MIN = 60_000;

let store: Store;
let close: () => Promise<void>;
/** Every SQL statement the store runs, counted. */
const queries = { count: 0 };
let app: Express;
let server: Awaited<ReturnType<typeof serve>>;
const verdicts: Verdicts = new Map();
beforeAll(async () => {
  const database = await createTestDatabase();
  store = await openStore(database.options, { log: () => (queries.count += 1) });
  close = async () => {
    await store.close();
    await database.destroy();
  };
  app = liveApp(store, verdicts);
  server = await serve(app);
});
afterAll(async () => {
  await server.close();
  await close();
});

async function record(user: User, stepId: string, passed: boolean, at: Date, label = 'route to VPC B') {
  await store.progress.recordAttempt({
    userId: user.id,
    labId: LAB_ID,
    stepId,
    status: passed ? 'passed' : 'failed',
    checks: passed ? [{ label: 'all there', ok: true }] : [{ label: 'found the VPC', ok: true }, { label, ok: false }],
    evidence: {},
    durationMs: 100,
    at,
  });
}

/** A class of three: Ann passed two steps, Bob failed step 1 three times, Cy has done nothing. */
async function classOfThree(now = new Date()): Promise<{ instructor: User; cls: ClassInfo; ann: User; bob: User; cy: User }> {
  const instructor = await makeUser(store, 'instructor');
  const cls = await store.classes.create({ name: 'Networking 101', labId: LAB_ID, instructorId: instructor.id });
  const [ann, bob, cy] = [await makeUser(store, 'learner', 'Ann Archer'), await makeUser(store, 'learner', 'Bob Baker'), await makeUser(store, 'learner', 'Cy Cole')];
  for (const u of [cy, ann, bob]) await store.classes.enroll(cls.id, u.id);
  const t = now.getTime();
  await record(ann, STEPS[0], true, new Date(t - 30 * MIN));
  await record(ann, STEPS[1], false, new Date(t - 25 * MIN), 'flow log on VPC A');
  await record(ann, STEPS[1], true, new Date(t - 20 * MIN));
  await record(bob, STEPS[0], false, new Date(t - 9 * MIN), 'VPC 10.1.0.0/16');
  await record(bob, STEPS[0], false, new Date(t - 8 * MIN), 'VPC 10.1.0.0/16');
  await record(bob, STEPS[0], false, new Date(t - 7 * MIN), 'VPC 10.2.0.0/16');
  return { instructor, cls, ann, bob, cy };
}

const rowOrder = (html: string) => [...html.matchAll(/<tr data-learner="[^"]+">\s*<th scope="row"><a [^>]+>([^<]+)<\/a>/g)].map((m) => m[1]);
const STEP_INDEX = new Map(STEPS.map((id, i) => [id, i]));
const cellOf = (html: string, userId: string, stepId: string) => {
  const row = new RegExp(`<tr data-learner="${userId}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  return [...row.matchAll(/<td class="(cell [^"]+)">([\s\S]*?)<\/td>/g)][STEP_INDEX.get(stepId)!];
};

describe('class grid', () => {
  it('cells: passed with when, failing with attempts and the first failing check, not started', async () => {
    const { instructor, cls, ann, bob, cy } = await classOfThree();
    const page = await (await signedIn(app, instructor)).get(`/classes/${cls.id}`).expect(200);
    const passed = cellOf(page.text, ann.id, STEPS[1])!;
    expect(passed[1]).toContain('status-passed');
    expect(passed[2]).toMatch(/passed at \d\d:\d\d UTC/);
    const failing = cellOf(page.text, bob.id, STEPS[0])!;
    expect(failing[1]).toContain('status-failed');
    expect(failing[2]).toContain('tabindex="0"');
    expect(failing[2]).toContain('title="failing after 3 attempts: VPC 10.2.0.0/16"');
    expect(failing[2]).toContain('<span class="visually-hidden">failing after 3 attempts: VPC 10.2.0.0/16</span>');
    expect(cellOf(page.text, cy.id, STEPS[0])![2]).toContain('not started');
    expect(page.text).toContain('<script src="/static/class-grid.js" defer></script>');
  });

  it('sort by name, progress and last activity; filter by name from the query string', async () => {
    const { instructor, cls } = await classOfThree();
    const agent = await signedIn(app, instructor);
    expect(rowOrder((await agent.get(`/classes/${cls.id}`)).text)).toEqual(['Ann Archer', 'Bob Baker', 'Cy Cole']);
    expect(rowOrder((await agent.get(`/classes/${cls.id}?sort=progress`)).text)).toEqual(['Ann Archer', 'Bob Baker', 'Cy Cole']);
    expect(rowOrder((await agent.get(`/classes/${cls.id}?sort=activity`)).text)).toEqual(['Bob Baker', 'Ann Archer', 'Cy Cole']);
    const filtered = await agent.get(`/classes/${cls.id}?q=BAK&sort=name`);
    expect(rowOrder(filtered.text)).toEqual(['Bob Baker']);
    expect(filtered.text).toContain('1 of 3 shown');
    expect(rowOrder((await agent.get(`/classes/${cls.id}?sort=nonsense`)).text)).toEqual(['Ann Archer', 'Bob Baker', 'Cy Cole']);
  });

  it('needs help: three failures of a step, and more than 20 minutes on one, each with the step, the failing check and a link', async () => {
    const now = new Date();
    // Ann passed step 2 twenty-two minutes ago and has been failing step 3 since: over the limit.
    const { instructor, cls, ann, bob } = await classOfThree(new Date(now.getTime() - 2 * MIN));
    await record(ann, STEPS[2], false, new Date(now.getTime() - 5 * MIN), 'peering accepted');
    const page = await (await signedIn(app, instructor)).get(`/classes/${cls.id}`).expect(200);
    const help = /<section class="needs-help"[\s\S]*?<\/section>/.exec(page.text)![0];
    expect(help).toContain('Needs help (2)');
    expect(help).toMatch(new RegExp(`<a href="/classes/${cls.id}/learners/${bob.id}">Bob Baker</a>:\\s*step 1, [^(]+\\(failed 3 times\\)\\. Failing: <span class="help-check">VPC 10.2.0.0/16</span>`));
    expect(help).toMatch(new RegExp(`<a href="/classes/${cls.id}/learners/${ann.id}">Ann Archer</a>:\\s*step 3, [^(]+\\(on it for 2\\d minutes\\)\\. Failing: <span class="help-check">peering accepted</span>`));
    expect(help).not.toContain('Cy Cole');
  });

  it('needs help lists the 25 stuck longest, with a link to all of them that keeps the sort and filter', async () => {
    const now = Date.now();
    const instructor = await makeUser(store, 'instructor');
    const cls = await store.classes.create({ name: 'Big class', labId: LAB_ID, instructorId: instructor.id });
    // 30 learners each failing step 1 three times, the first of them stuck longest.
    for (let i = 0; i < 30; i++) {
      const u = await makeUser(store, 'learner', `Stuck ${String(i).padStart(2, '0')}`);
      await store.classes.enroll(cls.id, u.id);
      for (let f = 0; f < 3; f++) await record(u, STEPS[0], false, new Date(now - (10 - i / 10) * MIN + f * 1000));
    }
    const agent = await signedIn(app, instructor);
    const listed = (text: string) => [.../<section class="needs-help"[\s\S]*?<\/section>/.exec(text)![0].matchAll(/">(Stuck \d\d)<\/a>/g)].map((m) => m[1]);
    const page = await agent.get(`/classes/${cls.id}?sort=progress&q=stuck`).expect(200);
    expect(page.text).toContain('Needs help (30)');
    expect(listed(page.text)).toEqual(Array.from({ length: 25 }, (_, i) => `Stuck ${String(i).padStart(2, '0')}`));
    expect(page.text).toContain(`<a href="/classes/${cls.id}?help=all&amp;sort=progress&amp;q=stuck#help-heading">Show all 30 who need help</a>`);
    const all = await agent.get(`/classes/${cls.id}?help=all&sort=progress&q=stuck`).expect(200);
    expect(listed(all.text)).toHaveLength(30);
    expect(all.text).not.toContain('Show all 30');
    // The grid's own form keeps the whole list open when the instructor sorts or filters.
    expect(all.text).toContain('<input type="hidden" name="help" value="all">');
  });

  it('funnel: learners who passed each step and the median minutes, as an SVG with a title and a table beside it', async () => {
    const now = new Date();
    const { instructor, cls, bob } = await classOfThree(now);
    // Bob passes step 1 ten minutes after his first failing check (nine minutes ago): medians 10 (Ann: her first check) ...
    await record(bob, STEPS[0], true, new Date(now.getTime() - 0 * MIN));
    const page = await (await signedIn(app, instructor)).get(`/classes/${cls.id}`).expect(200);
    const rows = [...page.text.matchAll(/<tr data-step="([^"]+)"><th scope="row">[^<]+<\/th><td>(\d+)<\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2], m[3]]);
    // Step 1: Ann passed at her first check (0 minutes), Bob 9 minutes after his first: median 4.5. Step 2: Ann, 10 minutes after step 1.
    expect(rows.slice(0, 3)).toEqual([[STEPS[0], '2', '4.5'], [STEPS[1], '1', '10'], [STEPS[2], '0', '–']]);
    expect(page.text).toMatch(/<svg class="funnel-chart" role="img" aria-labelledby="funnel-title funnel-desc"/);
    expect(page.text).toContain('<title id="funnel-title">Learners who passed each step</title>');
    expect(page.text).toContain('Step 1: 2 of 3; Step 2: 1 of 3');
  });

  it('the grid is read in a constant number of queries, however many learners', async () => {
    const { instructor, cls } = await classOfThree();
    const agent = await signedIn(app, instructor);
    const count = async () => {
      const { queries } = await countQueries(() => agent.get(`/classes/${cls.id}`).expect(200));
      return queries;
    };
    const before = await count();
    for (let i = 0; i < 20; i++) {
      const u = await makeUser(store, 'learner');
      await store.classes.enroll(cls.id, u.id);
      await record(u, STEPS[0], i % 2 === 0, new Date());
    }
    expect(await count()).toBe(before);
  });
});

describe('class summary (what the open page reads again as checks come in)', () => {
  const part = (html: string, cls: string) => new RegExp(`<section class="${cls}"[\\s\\S]*?</section>`).exec(html)?.[0];

  it('needs help, the learner count and the funnel as they are now: the same parts as the page, not a whole page', async () => {
    const { instructor, cls, cy } = await classOfThree();
    const agent = await signedIn(app, instructor);
    const page = await agent.get(`/classes/${cls.id}`).expect(200);
    const before = await agent.get(`/classes/${cls.id}/summary`).expect(200);
    expect(before.headers['content-type']).toMatch(/^text\/html/);
    expect(before.headers['cache-control']).toBe('no-store');
    expect(before.text.trimStart()).toMatch(/^<div data-summary data-members="3">/);
    expect(before.text).not.toContain('<html');
    expect(before.text).not.toContain('<tr data-learner=');
    for (const cls of ['needs-help', 'funnel']) expect(part(before.text, cls)).toBe(part(page.text, cls));
    expect(before.text).toContain('<p class="muted grid-count" data-grid-count>3 of 3 shown.</p>');

    // Cy fails step 1 three times and a new learner joins: both are in the next read, with nothing else done.
    for (let i = 0; i < 3; i++) await record(cy, STEPS[0], false, new Date(), 'subnet in VPC 1');
    const dee = await makeUser(store, 'learner', 'Dee Dunn');
    await store.classes.enroll(cls.id, dee.id);
    await record(dee, STEPS[0], true, new Date());
    const after = await agent.get(`/classes/${cls.id}/summary`).expect(200);
    expect(after.text.trimStart()).toMatch(/^<div data-summary data-members="4">/);
    expect(part(after.text, 'needs-help')).toContain('Needs help (2)');
    expect(part(after.text, 'needs-help')).toContain(`<a href="/classes/${cls.id}/learners/${cy.id}">Cy Cole</a>`);
    expect(after.text).toContain('Step 1: 2 of 4;');
    expect(after.text).toMatch(new RegExp(`<tr data-step="${STEPS[0]}"><th scope="row">[^<]+</th><td>2</td>`));
    expect(after.text).toContain('4 of 4 shown.');
  });

  it("follows the page's filter, like a reload would", async () => {
    const { instructor, cls } = await classOfThree();
    const agent = await signedIn(app, instructor);
    const filtered = await agent.get(`/classes/${cls.id}/summary?q=bak&sort=progress`).expect(200);
    expect(filtered.text).toContain('1 of 3 shown matching “bak”.');
    const page = await agent.get(`/classes/${cls.id}?q=bak&sort=progress`).expect(200);
    expect(part(filtered.text, 'needs-help')).toBe(part(page.text, 'needs-help'));
  });

  it('an empty class page has its grid, hidden, and goes live all the same', async () => {
    const instructor = await makeUser(store, 'instructor');
    const cls = await store.classes.create({ name: 'Nobody yet', labId: LAB_ID, instructorId: instructor.id });
    const page = await (await signedIn(app, instructor)).get(`/classes/${cls.id}`).expect(200);
    expect(page.text).toContain('<p class="muted" data-grid-empty>Nobody has joined yet.');
    expect(page.text).toContain('<div data-grid-body hidden>');
    expect(page.text).toContain('<table class="table progress-grid">');
    expect(page.text).toContain(`data-events="/classes/${cls.id}/events" data-summary="/classes/${cls.id}/summary"`);
    expect(page.text).toContain('<p class="visually-hidden" role="status" data-help-announce></p>');
  });
});

/** Counts the SQL statements a piece of work runs. */
async function countQueries<T>(work: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const start = queries.count;
  const result = await work();
  return { result, queries: queries.count - start };
}

describe('class events stream', () => {
  it("a learner's check from another request reaches an open stream as the learner's new row", async () => {
    const { instructor, cls, cy } = await classOfThree();
    const teacher = await signInOver(server.url, instructor.email);
    const stream = await openStream(`${server.url}/classes/${cls.id}/events`, { cookie: teacher.cookie });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      await stream.next((e) => e.event === 'ready');
      verdicts.set(verdictKey(cy.id, STEPS[0]), { passed: true });
      const learner = await signInOver(server.url, cy.email);
      const path = `/labs/${LAB_ID}/steps/${STEPS[0]}`;
      const checked = await learner.post(`${path}/check`, { _csrf: await learner.token(path) });
      expect(checked.status).toBe(200);
      const started = Date.now();
      const update = await stream.next((e) => e.event === 'row' && (e.data as { userId: string }).userId === cy.id, 2000);
      expect(Date.now() - started).toBeLessThan(1000);
      const row = update.data as { passed: number; cells: { stepId: string; state: string }[] };
      expect(row.passed).toBe(1);
      expect(row.cells.find((c) => c.stepId === STEPS[0])?.state).toBe('passed');
      expect(update.id).toBeDefined();
    } finally {
      stream.close();
    }
  });

  it('a reconnecting browser sends Last-Event-ID and first gets the rows changed since', async () => {
    const { instructor, cls, ann, bob } = await classOfThree();
    const teacher = await signInOver(server.url, instructor.email);
    const since = new Date(Date.now() - 8.5 * MIN).toISOString();
    const stream = await openStream(`${server.url}/classes/${cls.id}/events`, { cookie: teacher.cookie, 'last-event-id': since });
    try {
      await stream.next((e) => e.event === 'ready');
      const users = stream.events.filter((e) => e.event === 'row').map((e) => (e.data as { userId: string }).userId);
      expect(users).toEqual([bob.id]);
      expect(users).not.toContain(ann.id);
    } finally {
      stream.close();
    }
  });

  it('open streams per instructor are capped; closing one frees its place', async () => {
    const { instructor, cls } = await classOfThree();
    const teacher = await signInOver(server.url, instructor.email);
    const url = `${server.url}/classes/${cls.id}/events`;
    const open = [];
    for (let i = 0; i < 5; i++) {
      const s = await openStream(url, { cookie: teacher.cookie });
      await s.next((e) => e.event === 'ready');
      open.push(s);
    }
    const refused = await request(app).get(`/classes/${cls.id}/events`).set('Cookie', teacher.cookie).set('Accept', 'application/json');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOO_MANY_STREAMS');
    open.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await openStream(url, { cookie: teacher.cookie });
    expect(again.status).toBe(200);
    again.close();
    for (const s of open) s.close();
  });

  it('a learner who joins reaches an open stream as a new row, every step not started', async () => {
    const { instructor, cls } = await classOfThree();
    const teacher = await signInOver(server.url, instructor.email);
    const stream = await openStream(`${server.url}/classes/${cls.id}/events`, { cookie: teacher.cookie });
    try {
      await stream.next((e) => e.event === 'ready');
      const newcomer = await makeUser(store, 'learner', 'Nia New');
      const learner = await signInOver(server.url, newcomer.email);
      const joined = await learner.post('/join', { code: cls.joinCode, _csrf: await learner.token('/join') });
      expect(joined.status).toBe(303);
      const update = await stream.next((e) => e.event === 'row' && (e.data as { userId: string }).userId === newcomer.id, 2000);
      const row = update.data as { name: string; passed: number; lastActivity: string | null; cells: { state: string }[] };
      expect(row).toMatchObject({ name: 'Nia New', passed: 0, lastActivity: null });
      expect(row.cells.map((c) => c.state)).toEqual(STEPS.map(() => 'not-started'));
      // Joining again (the link followed twice) is no change: no second row.
      await learner.post('/join', { code: cls.joinCode, _csrf: await learner.token('/join') });
      await new Promise((r) => setTimeout(r, 300));
      expect(stream.events.filter((e) => e.event === 'row' && (e.data as { userId: string }).userId === newcomer.id)).toHaveLength(1);
    } finally {
      stream.close();
    }
  });

  it("a learner's row says whether they have a completion report, for the grid's link to it", async () => {
    const { instructor, cls, ann, bob } = await classOfThree();
    const teacher = await signInOver(server.url, instructor.email);
    const stream = await openStream(`${server.url}/classes/${cls.id}/events`, { cookie: teacher.cookie });
    try {
      await stream.next((e) => e.event === 'ready');
      await storeFixtureReport(store, ann);
      for (const u of [ann, bob]) await store.events.publish({ userId: u.id, labId: LAB_ID, at: new Date().toISOString() });
      const rowOf = async (u: User) => (await stream.next((e) => e.event === 'row' && (e.data as { userId: string }).userId === u.id, 2000)).data as { report: boolean };
      expect((await rowOf(ann)).report).toBe(true);
      expect((await rowOf(bob)).report).toBe(false);
    } finally {
      stream.close();
    }
  });

  it('another instructor, a learner and an anonymous visitor get a 404 or a sign-in redirect for the grid, the stream and the summary', async () => {
    const { cls, ann } = await classOfThree();
    const other = await signedIn(app, await makeUser(store, 'instructor'));
    const learner = await signedIn(app, ann);
    for (const path of [`/classes/${cls.id}`, `/classes/${cls.id}/events`, `/classes/${cls.id}/summary`]) {
      expect((await other.get(path).set('Accept', 'text/html')).status).toBe(404);
      expect([403, 404]).toContain((await learner.get(path).set('Accept', 'text/html')).status);
      const anonymous = await request(app).get(path).set('Accept', 'text/html').redirects(0);
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toMatch(/^\/login/);
    }
  });
});
