// Every route the app serves, in AWS mode and in sandbox mode, says who may use it and is tried as five actors; a route missing from the table fails.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { buildApp } from '../../../server/app';
import { loadCheckRegistry } from '../../../server/labs/registry';
import type { InstanceSummary } from '../../../server/sandbox/shell/instances';
import { SOLUTION_MESSAGES } from '../../../server/sandbox/solutions';
import { SOCKET_MESSAGES } from '../../../server/sandbox/shell/shell-socket';
import { CLASS_MESSAGES } from '../../../server/web/class-router';
import { SECURITY_MESSAGES } from '../../../server/web/security';
import type { ClassInfo } from '../../../server/store/classes';
import { INTRO_STEP } from '../../../server/labs/types';
import { createTestContext, csrfToken, labs, makeUser, signedIn, silentLogger, testConfig, TEST_PASSWORD, TEST_SECRET, type TestContext } from '../../helpers/app';
import { startMoto, type Moto } from '../../helpers/moto';
import { ACTORS, LAB, MEMBERS, makeWorld, NO_SHELLS, openSocket, routesOf, send, sessionCookie, SHELL_SOCKET_ROUTE, startShellSocket, type Actor, type Member, type World } from '../../helpers/routes';
import { REPORT_ACCOUNT, storeFixtureReport } from '../../helpers/reports';
import { createSandboxContext, type SandboxTestContext } from '../../helpers/sandbox';

jest.setTimeout(120_000);

type Mode = World['mode'];
const BOTH: Mode[] = ['aws', 'sandbox'];
const SANDBOX_ONLY: Mode[] = ['sandbox'];
/** Where Verilab's own AWS calls go in AWS mode here: nothing listens, so they fail at once and never leave the machine. */
const NO_AWS = 'http://127.0.0.1:9';
const SECRET_A = 'Learner A reflection: the first ping had no route.';
const SECRET_B = 'Learner B thinks about CIDR overlap.';
/** In each learner's completion report (an introduction reflection), to see whose report a page shows. */
const REPORT_SECRET_A = 'Alice wrote this report reflection.';
const REPORT_SECRET_B = 'Bob wrote this report reflection.';

let moto: Moto;
let awsCtx: TestContext;
let sandboxCtx: SandboxTestContext;
const worlds = {} as Record<Mode, World>;

beforeAll(async () => {
  moto = await startMoto();
  awsCtx = await createTestContext({ VERILAB_MODE: 'aws' }, { awsEndpoint: NO_AWS });
  // Checks, skips and rebuilds of one learner wait a second apart (the smallest limit); the costly routes pause for it.
  sandboxCtx = await createSandboxContext(moto, { CHECK_RATE_LIMIT_SECONDS: '1' });
  worlds.aws = await makeWorld(awsCtx.app, awsCtx.store, 'aws');
  worlds.sandbox = await makeWorld(sandboxCtx.app, sandboxCtx.store, 'sandbox');
  for (const w of Object.values(worlds)) {
    await w.store.reflections.save({ userId: w.users.learnerA.id, labId: LAB, stepId: 'ping', promptId: 'first-ping-failed', text: SECRET_A });
    await w.store.reflections.save({ userId: w.users.learnerB.id, labId: LAB, stepId: 'ping', promptId: 'first-ping-failed', text: SECRET_B });
    await storeFixtureReport(w.store, w.users.learnerA, { intro: { summary: 'Intro.', reflections: [{ prompt: 'Why?', text: REPORT_SECRET_A }] } });
    await storeFixtureReport(w.store, w.users.learnerB, { intro: { summary: 'Intro.', reflections: [{ prompt: 'Why?', text: REPORT_SECRET_B }] } });
    // A minute ago, so that it does not count against learner A's next check.
    await w.store.progress.recordAttempt({ userId: w.users.learnerA.id, labId: LAB, stepId: 'instances', status: 'passed', checks: [], evidence: {}, durationMs: 5, at: new Date(Date.now() - 60_000) });
  }
});
afterAll(async () => {
  await sandboxCtx?.close();
  await awsCtx?.close();
  await moto?.stop();
});

interface Expectation {
  status: number;
  location?: RegExp;
  contains?: string[];
  lacks?: string[];
  code?: string;
}

type Table = Record<Actor, Expectation>;

function check(res: request.Response, want: Expectation, label: string) {
  expect({ label, status: res.status }).toEqual({ label, status: want.status });
  if (want.location) expect({ label, location: res.headers.location }).toEqual({ label, location: expect.stringMatching(want.location) });
  for (const text of want.contains ?? []) expect({ label, text: res.text }).toEqual({ label, text: expect.stringContaining(text) });
  for (const text of want.lacks ?? []) expect({ label, text: res.text }).toEqual({ label, text: expect.not.stringContaining(text) });
  // The error code is in JSON answers; a page shows the message instead.
  if (want.code && res.type === 'application/json') expect({ label, code: res.body?.error?.code }).toEqual({ label, code: want.code });
}

/** Sends as each actor in turn and checks each answer against its row of the table. */
async function tryAll(w: World, table: Table, act: (agent: request.Agent, actor: Actor) => Promise<request.Response>) {
  for (const actor of ACTORS) check(await act(w.agents[actor], actor), table[actor], `${w.mode} ${actor}`);
}

const everyone = (want: Expectation): Table => ({ anonymous: want, learnerA: want, learnerB: want, instructor: want, otherInstructor: want });
const members = (anonymous: Expectation, want: Expectation): Table => ({ anonymous, learnerA: want, learnerB: want, instructor: want, otherInstructor: want });
const ok = (extra: Omit<Expectation, 'status'> = {}): Expectation => ({ status: 200, ...extra });
const toLogin: Expectation = { status: 303, location: /^\/login\?next=/ };
const signInFirst: Expectation = { status: 401, code: 'SIGN_IN_REQUIRED', contains: [SECURITY_MESSAGES.SIGN_IN] };
const instructorsOnly: Expectation = { status: 403, code: 'INSTRUCTORS_ONLY' };
const notYourClass: Expectation = { status: 404, code: 'CLASS_NOT_FOUND' };
const notFoundPage: Expectation = { status: 404 };
/** Reads the class's event stream until it is ready, then hangs up: a stream that is allowed never ends by itself. */
function openEvents(agent: request.Agent, url: string): Promise<request.Response> {
  return agent
    .get(url)
    .set('Accept', 'text/event-stream')
    .redirects(0)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        (res as unknown as { text: string }).text = text;
        done(null, text);
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: ready')) {
          finish();
          (res as unknown as { destroy(): void }).destroy();
        }
      });
      res.on('end', finish);
    });
}
const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** A fresh agent for an actor (a new session of the same user), for routes that change the session itself. */
async function freshAgent(w: World, actor: Actor): Promise<request.Agent> {
  return actor === 'anonymous' ? request.agent(w.app) : signedIn(w.app, w.users[actor]);
}

const step = (id: string) => `/labs/${LAB}/steps/${id}`;

/** How an area's guard answers a path under it that no route serves: anonymous visitors learn nothing of what exists. */
async function guarded(w: World, url: string, table: Table) {
  await tryAll(w, table, (agent) => send(agent, 'POST', url, { json: true }));
}

let shellApp: Express | undefined;
/** The sandbox app with a shell that can run and lists instances named for whoever asked, to see whose instances a learner gets. */
function appWithShell(): Express {
  const instanceFor = (userId: string): InstanceSummary => ({ instanceId: 'i-0123456789abcdef0', name: `instance of ${userId}`, state: 'running', privateIp: '10.1.0.4', hostname: 'ip-10-1-0-4' });
  const passOn: RequestHandler = (_req, _res, next) => next();
  shellApp ??= buildApp({
    config: testConfig({ VERILAB_MODE: 'sandbox', PUBLIC_URL: sandboxCtx.url, SANDBOX_MOTO_URL: moto.url }),
    logger: silentLogger,
    labs: labs('sandbox'),
    store: sandboxCtx.store,
    sessionSecret: TEST_SECRET,
    checks: loadCheckRegistry(labs('sandbox')),
    aws: sandboxCtx.aws,
    engine: sandboxCtx.engine,
    sandbox: { accounts: sandboxCtx.sandbox, proxy: passOn, shell: { available: async () => ({ ok: true }), instances: async (userId) => [instanceFor(userId)] } },
  });
  return shellApp;
}

async function sandboxAccountOf(w: World, actor: Member): Promise<string | undefined> {
  return (await w.store.sandboxAccounts.get(w.users[actor].id))?.accountId;
}

/**
 * A class of the instructor's with learner A in it, whose setting everyone else tries to change first (so that a change
 * could only have come from them), then the instructor; returns the class and what the instructor's request answered.
 */
async function settingTried(w: World, url: (target: ClassInfo) => string, body: Record<string, unknown>, done: Expectation, prepare?: (target: ClassInfo) => Promise<void>) {
  const target = await w.store.classes.create({ name: 'Settings target', labId: LAB, instructorId: w.users.instructor.id });
  await w.store.classes.enroll(target.id, w.users.learnerA.id);
  await prepare?.(target);
  const state = async () => ({ cls: await w.store.classes.findById(target.id), instructors: await w.store.classes.instructors(target.id), members: await w.store.classes.members(target.id) });
  const before = await state();
  const refused: Table = { anonymous: signInFirst, learnerA: instructorsOnly, learnerB: instructorsOnly, instructor: done, otherInstructor: notYourClass };
  for (const actor of ACTORS.filter((a) => a !== 'instructor')) check(await send(w.agents[actor], 'POST', url(target), { body, json: true }), refused[actor], `${w.mode} ${actor}`);
  expect(await state()).toEqual(before);
  check(await send(w.agents.instructor, 'POST', url(target), { body, json: true }), done, `${w.mode} instructor`);
  return { target, after: await w.store.classes.findById(target.id) };
}

interface Route {
  modes: Mode[];
  /** Who may use it, in words. */
  who: string;
  test(w: World): Promise<void>;
}

/**
 * Every route of both modes. The key is what test/helpers/routes.ts reads from the router ("USE" for a handler mounted on
 * a path: static files, the signing proxy, guards and per-route middleware); tests run in this order.
 */
const ROUTES: Record<string, Route> = {
  'GET /': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok({ contains: [`href="/labs/${LAB}"`] })), (a) => send(a, 'GET', '/')),
  },
  'GET /healthz': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok({ contains: ['"status":"ok"'] })), (a) => send(a, 'GET', '/healthz', { json: true })),
  },
  'USE /static serveStatic': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok()), (a) => send(a, 'GET', '/static/style.css')),
  },
  'GET /static/vendor/xterm/:file': {
    modes: BOTH,
    who: 'everyone (the terminal library the shell page loads)',
    test: (w) => tryAll(w, everyone(ok()), (a) => send(a, 'GET', '/static/vendor/xterm/xterm.js')),
  },
  'GET /login': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok({ contains: ['name="_csrf"'] })), (a) => send(a, 'GET', '/login')),
  },
  'GET /signup': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok({ contains: ['name="_csrf"'] })), (a) => send(a, 'GET', '/signup')),
  },
  'POST /signup': {
    modes: BOTH,
    who: 'everyone; the new account is always a learner, whatever the form says',
    async test(w) {
      for (const actor of ACTORS) {
        const email = `signup-${w.mode}-${actor}@example.com`;
        const agent = await freshAgent(w, actor);
        const res = await send(agent, 'POST', '/signup', { body: { name: `New ${actor}`, email, password: 'a sturdy pass phrase 4 tests', role: 'instructor' }, from: '/signup' });
        check(res, { status: 303 }, `${w.mode} ${actor}`);
        expect((await w.store.users.findByEmailWithHash(email))?.role).toBe('learner');
      }
    },
  },
  'POST /login': {
    modes: BOTH,
    who: 'everyone; only the right password signs in, and then as that account only',
    async test(w) {
      await tryAll(w, everyone({ status: 401 }), async (_a, actor) =>
        send(await freshAgent(w, actor), 'POST', '/login', { body: { email: w.users.learnerA.email, password: 'not the password at all' }, from: '/login' }),
      );
      const agent = request.agent(w.app);
      check(await send(agent, 'POST', '/login', { body: { email: w.users.learnerA.email, password: TEST_PASSWORD }, from: '/login' }), { status: 303 }, 'right password');
      check(await send(agent, 'GET', '/classes'), ok({ contains: ['Networking 101'], lacks: ['Evening Networking'] }), 'signed in as learner A');
    },
  },
  'POST /logout': {
    modes: BOTH,
    who: 'everyone; it ends only the session it is sent from',
    async test(w) {
      for (const actor of ACTORS) {
        const agent = await freshAgent(w, actor);
        check(await send(agent, 'POST', '/logout'), { status: 303, location: /^\/$/ }, `${w.mode} ${actor}`);
        check(await send(agent, 'GET', '/classes'), toLogin, `${w.mode} ${actor} after signing out`);
      }
      // The long-lived agents of the same users are still signed in.
      check(await send(w.agents.learnerA, 'GET', '/classes'), ok(), 'learner A elsewhere');
    },
  },

  'GET /labs/:labId': {
    modes: BOTH,
    who: 'everyone; a signed-in user sees only their own progress',
    async test(w) {
      const passed = new RegExp(`step-item status-passed[^"]*">\\s*<a href="/labs/${LAB}/steps/instances"`);
      for (const actor of ACTORS) {
        const res = await send(w.agents[actor], 'GET', `/labs/${LAB}`);
        check(res, ok(), `${w.mode} ${actor}`);
        expect({ actor, passed: passed.test(res.text) }).toEqual({ actor, passed: actor === 'learnerA' });
      }
    },
  },
  'GET /labs/:labId/steps/:stepId': {
    modes: BOTH,
    who: 'everyone; a signed-in user sees only their own answers; anonymous visitors get a sign-in link; in sandbox mode, Skip this step is offered only to a learner whose class allows it',
    test: async (w) => {
      await tryAll(
        w,
        {
          anonymous: ok({ contains: ['Sign in</a> to save your answers', 'next=%2Flabs%2Fvpc-flow-logs%2Fsteps%2Fping'], lacks: [SECRET_A, SECRET_B] }),
          learnerA: ok({ contains: [SECRET_A], lacks: [SECRET_B] }),
          learnerB: ok({ contains: [SECRET_B], lacks: [SECRET_A] }),
          instructor: ok({ lacks: [SECRET_A, SECRET_B] }),
          otherInstructor: ok({ lacks: [SECRET_A, SECRET_B] }),
        },
        (a) => send(a, 'GET', step('ping')),
      );
      if (w.mode !== 'sandbox') return;
      await tryAll(
        w,
        {
          anonymous: ok({ lacks: ['Skip this step'] }),
          learnerA: ok({ contains: ['Skip this step', `action="${step('routes')}/skip"`] }),
          learnerB: ok({ lacks: ['Skip this step'] }),
          instructor: ok({ lacks: ['Skip this step'] }),
          otherInstructor: ok({ lacks: ['Skip this step'] }),
        },
        (a) => send(a, 'GET', step('routes')),
      );
    },
  },

  'GET /labs/:labId/finish': {
    modes: BOTH,
    who: 'everyone',
    test: (w) => tryAll(w, everyone(ok()), (a) => send(a, 'GET', `/labs/${LAB}/finish`)),
  },
  'GET /labs/:labId/verifier-role.yaml': {
    modes: BOTH,
    who: 'everyone (the template is public)',
    test: (w) => tryAll(w, everyone(ok({ contains: ['AWSTemplateFormatVersion'] })), (a) => send(a, 'GET', `/labs/${LAB}/verifier-role.yaml`)),
  },
  'USE /labs requireUser': {
    modes: BOTH,
    who: 'guard: everything under /labs that is not a page needs a signed-in user',
    test: (w) => guarded(w, `/labs/${LAB}/steps/vpcs/no-such-action`, members(signInFirst, notFoundPage)),
  },
  'POST /labs/:labId/steps/:stepId/check': {
    modes: BOTH,
    who: 'any signed-in user, on their own account; AWS mode: only once connected',
    async test(w) {
      if (w.mode === 'aws') {
        await tryAll(w, members(signInFirst, { status: 409, contains: ['Connect your AWS account first'] }), (a) => send(a, 'POST', `${step('vpcs')}/check`));
        for (const m of MEMBERS) expect(await w.store.progress.attempts(w.users[m].id, LAB)).toHaveLength(m === 'learnerA' ? 1 : 0);
        return;
      }
      await pause();
      await tryAll(w, members(signInFirst, { status: 303, location: /\/steps\/vpcs#check$/ }), (a) => send(a, 'POST', `${step('vpcs')}/check`));
      // Each signed-in user's check ran once, in their own sandbox, and was recorded for them only.
      for (const m of MEMBERS) expect({ m, attempts: (await w.store.progress.attempts(w.users[m].id, LAB, 10, 'vpcs')).length }).toEqual({ m, attempts: 1 });
    },
  },
  'POST /labs/:labId/check': {
    modes: BOTH,
    who: 'any signed-in user, on their own account; AWS mode: only once connected',
    async test(w) {
      if (w.mode === 'aws') {
        await tryAll(w, members(signInFirst, { status: 409, contains: ['Connect your AWS account first'] }), (a) => send(a, 'POST', `/labs/${LAB}/check`));
        return;
      }
      await pause();
      for (const actor of ACTORS) {
        const res = await send(w.agents[actor], 'POST', `/labs/${LAB}/check`, { json: true });
        if (actor === 'anonymous') {
          check(res, signInFirst, actor);
          continue;
        }
        check(res, ok(), actor);
        expect({ actor, account: res.body.account }).toEqual({ actor, account: await sandboxAccountOf(w, actor) });
      }
    },
  },
  'POST /labs/:labId/cleanup': {
    modes: BOTH,
    who: 'any signed-in user, on their own account; AWS mode: only once connected',
    async test(w) {
      if (w.mode === 'aws') {
        await tryAll(w, members(signInFirst, { status: 409, contains: ['Connect your AWS account first'] }), (a) => send(a, 'POST', `/labs/${LAB}/cleanup`));
        return;
      }
      await pause();
      for (const actor of ACTORS) {
        const res = await send(w.agents[actor], 'POST', `/labs/${LAB}/cleanup`, { json: true });
        if (actor === 'anonymous') {
          check(res, signInFirst, actor);
          continue;
        }
        check(res, ok(), actor);
        expect({ actor, account: res.body.account }).toEqual({ actor, account: await sandboxAccountOf(w, actor) });
      }
    },
  },
  'POST /labs/:labId/steps/:stepId/reflections/:promptId': {
    modes: BOTH,
    who: 'any signed-in user, for their own answers only',
    async test(w) {
      const url = `${step('vpcs')}/reflections/what-is-vpc`;
      await tryAll(w, members(signInFirst, { status: 303, location: /\?saved=what-is-vpc#reflection-what-is-vpc$/ }), (a, actor) => send(a, 'POST', url, { body: { text: `${actor} on VPCs` } }));
      for (const m of MEMBERS) {
        const saved = await w.store.reflections.forLearner(w.users[m].id, LAB, 'vpcs');
        expect({ m, saved: saved.map((r) => r.text) }).toEqual({ m, saved: [`${m} on VPCs`] });
      }
      expect((await w.store.reflections.forLearner(w.users.learnerA.id, LAB, 'ping')).map((r) => r.text)).toEqual([SECRET_A]);
    },
  },
  'POST /labs/:labId/reflections/:promptId': {
    modes: BOTH,
    who: "any signed-in user, for their own answers to the introduction's prompts only",
    async test(w) {
      const url = `/labs/${LAB}/reflections/seeing-traffic`;
      await tryAll(w, members(signInFirst, { status: 303, location: /^\/labs\/vpc-flow-logs\?saved=seeing-traffic#reflection-seeing-traffic$/ }), (a, actor) => send(a, 'POST', url, { body: { text: `${actor} on seeing traffic` } }));
      for (const m of MEMBERS) {
        const saved = await w.store.reflections.forLearner(w.users[m].id, LAB, INTRO_STEP);
        expect({ m, saved: saved.map((r) => r.text) }).toEqual({ m, saved: [`${m} on seeing traffic`] });
      }
      expect((await w.store.reflections.forLearner(w.users.learnerA.id, LAB, 'ping')).map((r) => r.text)).toEqual([SECRET_A]);
    },
  },
  'POST /labs/:labId/steps/:stepId/skip': {
    modes: BOTH,
    who: 'sandbox mode: a learner whose class allows it, for their own step; AWS mode: nobody (404 with the reason)',
    async test(w) {
      if (w.mode === 'aws') {
        await tryAll(w, members(signInFirst, { status: 404, code: 'SKIP_UNAVAILABLE' }), (a) => send(a, 'POST', `${step('vpcs')}/skip`, { json: true }));
        for (const m of MEMBERS) expect((await w.store.progress.forLearner(w.users[m].id, LAB)).some((p) => p.skippedAt)).toBe(false);
        return;
      }
      await pause();
      await tryAll(
        w,
        {
          anonymous: signInFirst,
          learnerA: { status: 303, location: /\/steps\/vpcs#check$/ },
          learnerB: { status: 403, contains: [SOLUTION_MESSAGES.SKIP_NOT_ALLOWED.replace("'", '&#39;')] },
          instructor: { status: 403, contains: [SOLUTION_MESSAGES.SKIP_NO_CLASS] },
          otherInstructor: { status: 403, contains: [SOLUTION_MESSAGES.SKIP_NO_CLASS] },
        },
        (a) => send(a, 'POST', `${step('vpcs')}/skip`),
      );
      for (const m of MEMBERS) {
        const skipped = (await w.store.progress.forLearner(w.users[m].id, LAB)).filter((p) => p.skippedAt).map((p) => p.stepId);
        expect({ m, skipped }).toEqual({ m, skipped: m === 'learnerA' ? ['vpcs'] : [] });
      }
    },
  },

  'USE /connect requireUser': {
    modes: BOTH,
    who: 'guard: everything under /connect needs a signed-in user',
    test: (w) => guarded(w, '/connect/no-such-thing', members(signInFirst, notFoundPage)),
  },
  'GET /connect': {
    modes: BOTH,
    who: 'any signed-in user: their own ExternalId (AWS mode) or their own sandbox keys (sandbox mode), never anyone else\'s',
    async test(w) {
      check(await send(w.agents.anonymous, 'GET', '/connect'), toLogin, 'anonymous');
      const pages = {} as Record<Member, request.Response>;
      for (const m of MEMBERS) pages[m] = await send(w.agents[m], 'GET', '/connect');
      const secrets = {} as Record<Member, string>;
      for (const m of MEMBERS) {
        secrets[m] = w.mode === 'aws' ? (await w.store.connections.get(w.users[m].id))!.externalId : (await w.store.sandboxAccounts.get(w.users[m].id))!.accessKeyId;
      }
      for (const m of MEMBERS) {
        check(pages[m], ok({ contains: [secrets[m]], lacks: MEMBERS.filter((o) => o !== m).map((o) => secrets[o]) }), `${w.mode} ${m}`);
        if (w.mode === 'sandbox') expect(pages[m].headers['cache-control']).toBe('no-store');
      }
    },
  },
  'POST /connect': {
    modes: BOTH,
    who: 'AWS mode: any signed-in user, for their own connection; sandbox mode: nobody needs it (409)',
    async test(w) {
      const before = await w.store.connections.get(w.users.learnerA.id);
      const body = { roleArn: 'not an arn', region: 'us-east-1' };
      const signedInAnswer: Expectation = w.mode === 'aws' ? { status: 400, code: 'VALIDATION_FAILED' } : { status: 409, code: 'SANDBOX_NOTHING_TO_CONNECT' };
      await tryAll(w, members(signInFirst, signedInAnswer), (a) => send(a, 'POST', '/connect', { body, json: true }));
      expect(await w.store.connections.get(w.users.learnerA.id)).toEqual(before);
    },
  },
  'GET /connect/sandbox/credentials': {
    modes: SANDBOX_ONLY,
    who: 'any signed-in user: their own sandbox keys',
    async test(w) {
      check(await send(w.agents.anonymous, 'GET', '/connect/sandbox/credentials'), toLogin, 'anonymous page');
      check(await send(w.agents.anonymous, 'GET', '/connect/sandbox/credentials', { json: true }), signInFirst, 'anonymous JSON');
      for (const m of MEMBERS) {
        const res = await send(w.agents[m], 'GET', '/connect/sandbox/credentials', { json: true });
        check(res, ok(), m);
        const own = (await w.store.sandboxAccounts.get(w.users[m].id))!;
        expect({ m, accountId: res.body.accountId, accessKeyId: res.body.accessKeyId }).toEqual({ m, accountId: own.accountId, accessKeyId: own.accessKeyId });
        expect(res.headers['cache-control']).toBe('no-store');
      }
    },
  },
  'POST /connect/sandbox/reset': {
    modes: SANDBOX_ONLY,
    who: 'any signed-in user: resets their own sandbox account only',
    async test(w) {
      check(await send(w.agents.anonymous, 'POST', '/connect/sandbox/reset', { body: { confirm: 'yes' }, json: true }), signInFirst, 'anonymous');
      for (const m of MEMBERS) {
        const before = Object.fromEntries(await Promise.all(MEMBERS.map(async (o) => [o, await sandboxAccountOf(w, o)] as const)));
        const res = await send(w.agents[m], 'POST', '/connect/sandbox/reset', { body: { confirm: 'yes' }, json: true, from: '/connect' });
        check(res, ok(), m);
        const after = Object.fromEntries(await Promise.all(MEMBERS.map(async (o) => [o, await sandboxAccountOf(w, o)] as const)));
        expect(res.body.accountId).toBe(after[m]);
        expect(after[m]).not.toBe(before[m]);
        for (const o of MEMBERS.filter((x) => x !== m)) expect({ o, account: after[o] }).toEqual({ o, account: before[o] });
      }
    },
  },
  'POST /connect/sandbox/rebuild': {
    modes: SANDBOX_ONLY,
    who: 'any signed-in user: rebuilds in their own sandbox account only',
    async test(w) {
      await pause();
      check(await send(w.agents.anonymous, 'POST', '/connect/sandbox/rebuild', { json: true }), signInFirst, 'anonymous');
      for (const m of MEMBERS) {
        const res = await send(w.agents[m], 'POST', '/connect/sandbox/rebuild', { json: true, from: '/connect' });
        check(res, ok(), m);
        expect({ m, account: res.body.accountId }).toEqual({ m, account: await sandboxAccountOf(w, m) });
        // Learner A passed steps (instances by hand, vpcs by Skip); nobody else has anything to rebuild.
        expect({ m, labs: res.body.labs.map((l: { lab: string }) => l.lab) }).toEqual({ m, labs: m === 'learnerA' ? [LAB] : [] });
      }
    },
  },
  'USE /sandbox/aws <anonymous>': {
    modes: SANDBOX_ONLY,
    who: 'whoever signs with a sandbox key, in that key\'s account only; a Verilab session is not an AWS identity',
    async test(w) {
      const body = 'Action=GetCallerIdentity&Version=2011-06-15';
      for (const actor of ACTORS) {
        const res = await w.agents[actor].post('/sandbox/aws/').type('form').send(body);
        expect({ actor, status: res.status }).toEqual({ actor, status: 403 });
        expect(res.text).toContain('MissingAuthenticationToken');
      }
      const sts = (accessKeyId: string, secretAccessKey: string, endpoint: string) =>
        new STSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
      const a = await sandboxCtx.sandbox.credentials(w.users.learnerA.id);
      const b = await sandboxCtx.sandbox.credentials(w.users.learnerB.id);
      expect((await sts(a.accessKeyId, a.secretAccessKey, a.endpointUrl).send(new GetCallerIdentityCommand({}))).Account).toBe(a.accountId);
      expect((await sts(b.accessKeyId, b.secretAccessKey, b.endpointUrl).send(new GetCallerIdentityCommand({}))).Account).toBe(b.accountId);
      // B's key signed with A's secret is refused.
      await expect(sts(b.accessKeyId, a.secretAccessKey, a.endpointUrl).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    },
  },

  'USE /shell requireUser': {
    modes: BOTH,
    who: 'guard: everything under /shell needs a signed-in user',
    test: (w) => guarded(w, '/shell/no-such-thing', members(signInFirst, notFoundPage)),
  },
  'GET /shell': {
    modes: BOTH,
    who: 'any signed-in user (AWS mode: a page pointing to AWS CloudShell)',
    test: (w) => tryAll(w, members(toLogin, ok({ contains: [w.mode === 'aws' ? 'AWS CloudShell' : 'This test runs without shells.'] })), (a) => send(a, 'GET', '/shell')),
  },
  'GET /shell/instances': {
    modes: BOTH,
    who: 'any signed-in user: their own running instances only',
    async test(w) {
      check(await send(w.agents.anonymous, 'GET', '/shell/instances'), toLogin, 'anonymous page');
      await tryAll(w, members(signInFirst, ok({ contains: ['"instances":[]'] })), (a) => send(a, 'GET', '/shell/instances', { json: true }));
      if (w.mode === 'aws') return;
      // With a shell that can run, each learner gets the instances of their own account, whatever the query says.
      const app = appWithShell();
      for (const m of MEMBERS) {
        const res = await (await signedIn(app, w.users[m])).get(`/shell/instances?user=${w.users.learnerA.id}&userId=${w.users.learnerA.id}`).set('Accept', 'application/json');
        expect({ m, status: res.status, names: res.body.instances?.map((i: InstanceSummary) => i.name) }).toEqual({ m, status: 200, names: [`instance of ${w.users[m].id}`] });
      }
      const anonymous = await request(app).get('/shell/instances').set('Accept', 'application/json');
      expect(anonymous.status).toBe(401);
    },
  },
  [SHELL_SOCKET_ROUTE]: {
    modes: SANDBOX_ONLY,
    who: 'any signed-in user, from Verilab\'s own pages, for their own shell',
    async test(w) {
      const socket = await startShellSocket(w.app, w.store);
      try {
        const anonymous = await openSocket(socket.url, { origin: socket.origin });
        expect(anonymous).toMatchObject({ code: 4401 });
        expect(anonymous.output).toContain(SOCKET_MESSAGES.SIGN_IN);
        const forged = await openSocket(socket.url, { origin: socket.origin, cookie: 'verilab_session=forged-session-token-0123456789' });
        expect(forged).toMatchObject({ code: 4401 });
        for (const m of MEMBERS) {
          const cookie = await sessionCookie(w.app, w.users[m]);
          // Another site's page, with the learner's cookie (the browser sends it): refused before anything opens.
          expect(await openSocket(socket.url, { origin: 'https://evil.example', cookie })).toMatchObject({ status: 403 });
          const own = await openSocket(socket.url, { origin: socket.origin, cookie });
          expect({ m, code: own.code }).toEqual({ m, code: 4503 });
          expect(own.output).toContain(NO_SHELLS);
        }
        expect(socket.opened.map((o) => o.userId)).toEqual(MEMBERS.map((m) => w.users[m].id));
      } finally {
        await socket.close();
      }
    },
  },

  'USE /classes requireUser': {
    modes: BOTH,
    who: 'guard: everything under /classes needs a signed-in user',
    test: (w) => guarded(w, '/classes/no-such-thing/at-all', { anonymous: signInFirst, learnerA: instructorsOnly, learnerB: instructorsOnly, instructor: notFoundPage, otherInstructor: notFoundPage }),
  },
  'GET /classes': {
    modes: BOTH,
    who: 'any signed-in user: their own classes only',
    test: (w) =>
      tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: ok({ contains: ['Networking 101'], lacks: ['Evening Networking'] }),
          learnerB: ok({ contains: ['Evening Networking'], lacks: ['Networking 101'] }),
          instructor: ok({ contains: ['Networking 101', w.cls.joinCode], lacks: ['Evening Networking', w.otherCls.joinCode] }),
          otherInstructor: ok({ contains: ['Evening Networking', w.otherCls.joinCode], lacks: ['Networking 101', w.cls.joinCode] }),
        },
        (a) => send(a, 'GET', '/classes'),
      ),
  },
  'USE /classes requireInstructor': {
    modes: BOTH,
    who: 'guard: everything under /classes but the list needs an instructor',
    test: (w) => guarded(w, `/classes/${w.cls.id}/no-such-thing`, { anonymous: signInFirst, learnerA: instructorsOnly, learnerB: instructorsOnly, instructor: notFoundPage, otherInstructor: notFoundPage }),
  },
  'POST /classes': {
    modes: BOTH,
    who: 'instructors, for classes of their own',
    async test(w) {
      const created: Expectation = { status: 303, location: /^\/classes\/[0-9a-f-]{36}$/ };
      const table: Table = { anonymous: signInFirst, learnerA: instructorsOnly, learnerB: instructorsOnly, instructor: created, otherInstructor: created };
      // instructorId in the form is ignored: a class always belongs to whoever creates it.
      await tryAll(w, table, (a, actor) => send(a, 'POST', '/classes', { body: { name: `Class by ${actor}`, labId: LAB, instructorId: w.users.instructor.id }, json: actor === 'anonymous' || actor.startsWith('learner') }));
      const names = async (m: Member) => (await w.store.classes.listForInstructor(w.users[m].id)).map((c) => c.name).sort();
      expect(await names('instructor')).toEqual(['Class by instructor', 'Networking 101']);
      expect(await names('otherInstructor')).toEqual(['Class by otherInstructor', 'Evening Networking']);
    },
  },
  'GET /classes/:classId': {
    modes: BOTH,
    who: 'the class\'s instructor only; other instructors get the same 404 as for no class',
    test: (w) =>
      tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: { status: 403, contains: [SECURITY_MESSAGES.INSTRUCTORS_ONLY] },
          learnerB: { status: 403 },
          instructor: ok({ contains: ['Networking 101', w.cls.joinCode, `/join/${w.cls.joinCode}`, 'Alice Learner'], lacks: ['Bob Learner'] }),
          otherInstructor: { status: 404, contains: [CLASS_MESSAGES.CLASS_NOT_FOUND], lacks: [w.cls.joinCode, 'Alice Learner'] },
        },
        (a) => send(a, 'GET', `/classes/${w.cls.id}`),
      ),
  },
  'GET /classes/:classId/events': {
    modes: BOTH,
    who: "the class's instructors only; the same answers as the class page",
    test: (w) =>
      tryAll(
        w,
        { anonymous: toLogin, learnerA: { status: 403 }, learnerB: { status: 403 }, instructor: ok({ contains: ['event: ready'] }), otherInstructor: { status: 404 } },
        (a) => openEvents(a, `/classes/${w.cls.id}/events`),
      ),
  },
  'GET /classes/:classId/summary': {
    modes: BOTH,
    who: "the class's instructors only; the same answers as the class page",
    test: (w) =>
      tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: { status: 403, contains: [SECURITY_MESSAGES.INSTRUCTORS_ONLY] },
          learnerB: { status: 403 },
          instructor: ok({ contains: ['data-summary data-members="1"', 'Needs help (0)', 'Step funnel'], lacks: ['Bob Learner'] }),
          otherInstructor: { status: 404, contains: [CLASS_MESSAGES.CLASS_NOT_FOUND], lacks: ['data-summary'] },
        },
        (a) => send(a, 'GET', `/classes/${w.cls.id}/summary`),
      ),
  },
  'POST /classes/:classId/skip': {
    modes: BOTH,
    who: 'the class\'s instructor only',
    async test(w) {
      const target = await w.store.classes.create({ name: 'Skip target', labId: LAB, instructorId: w.users.instructor.id });
      await w.store.classes.enroll(target.id, w.users.learnerA.id);
      const refused: Table = { anonymous: signInFirst, learnerA: instructorsOnly, learnerB: instructorsOnly, instructor: ok(), otherInstructor: notYourClass };
      // Everyone else first, so that a change could only have come from them.
      for (const actor of ACTORS.filter((a) => a !== 'instructor')) {
        check(await send(w.agents[actor], 'POST', `/classes/${target.id}/skip`, { body: { allowSkip: 'yes' }, json: true }), refused[actor], `${w.mode} ${actor}`);
      }
      expect((await w.store.classes.findById(target.id))?.allowSkip).toBe(false);
      check(await send(w.agents.instructor, 'POST', `/classes/${target.id}/skip`, { body: { allowSkip: 'yes' }, json: true }), ok({ contains: ['"allowSkip":true'] }), `${w.mode} instructor`);
      expect((await w.store.classes.findById(target.id))?.allowSkip).toBe(true);
      expect((await w.store.classes.findById(w.otherCls.id))?.allowSkip).toBe(false);
    },
  },
  'GET /classes/:classId/learners/:userId': {
    modes: BOTH,
    who: 'the class\'s instructor, for learners of that class only',
    async test(w) {
      await tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: { status: 403, lacks: [SECRET_A] },
          learnerB: { status: 403, lacks: [SECRET_A] },
          instructor: ok({ contains: ['Alice Learner', SECRET_A], lacks: [SECRET_B] }),
          otherInstructor: { status: 404, contains: [CLASS_MESSAGES.CLASS_NOT_FOUND], lacks: [SECRET_A] },
        },
        (a) => send(a, 'GET', `/classes/${w.cls.id}/learners/${w.users.learnerA.id}`),
      );
      // Their own class with someone else's learner, and the other way round: 404, nothing shown.
      check(await send(w.agents.instructor, 'GET', `/classes/${w.cls.id}/learners/${w.users.learnerB.id}`), { status: 404, lacks: [SECRET_B] }, 'instructor, learner B');
      check(await send(w.agents.otherInstructor, 'GET', `/classes/${w.otherCls.id}/learners/${w.users.learnerA.id}`), { status: 404, lacks: [SECRET_A] }, 'other instructor, learner A');
      check(await send(w.agents.otherInstructor, 'GET', `/classes/${w.otherCls.id}/learners/${w.users.learnerB.id}`), ok({ contains: [SECRET_B], lacks: [SECRET_A] }), 'other instructor, own learner B');
    },
  },

  'GET /classes/:classId/learners/:userId/report': {
    modes: BOTH,
    who: 'the class\'s instructors, for learners of that class only',
    async test(w) {
      await tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: { status: 403, lacks: [REPORT_SECRET_A] },
          learnerB: { status: 403, lacks: [REPORT_SECRET_A] },
          instructor: ok({ contains: ['Alice Learner', REPORT_SECRET_A], lacks: [REPORT_SECRET_B] }),
          otherInstructor: { status: 404, contains: [CLASS_MESSAGES.CLASS_NOT_FOUND], lacks: [REPORT_SECRET_A] },
        },
        (a) => send(a, 'GET', `/classes/${w.cls.id}/learners/${w.users.learnerA.id}/report`),
      );
      check(await send(w.agents.instructor, 'GET', `/classes/${w.cls.id}/learners/${w.users.learnerB.id}/report`), { status: 404, lacks: [REPORT_SECRET_B] }, 'instructor, learner B');
      check(await send(w.agents.otherInstructor, 'GET', `/classes/${w.otherCls.id}/learners/${w.users.learnerB.id}/report`), ok({ contains: [REPORT_SECRET_B], lacks: [REPORT_SECRET_A] }), 'other instructor, own learner B');
    },
  },

  'GET /classes/:classId/export.csv': {
    modes: BOTH,
    who: 'the class\'s instructors only',
    test: (w) =>
      tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: { status: 403, lacks: ['Learner name,Email'] },
          learnerB: { status: 403, lacks: ['Learner name,Email'] },
          instructor: ok({ contains: ['Learner name,Email,Step id', 'Alice Learner'], lacks: ['Bob Learner'] }),
          otherInstructor: { status: 404, contains: [CLASS_MESSAGES.CLASS_NOT_FOUND], lacks: ['Alice Learner'] },
        },
        (a) => send(a, 'GET', `/classes/${w.cls.id}/export.csv`),
      ),
  },
  'POST /classes/:classId/name': {
    modes: BOTH,
    who: 'the class\'s instructors only',
    async test(w) {
      const { after } = await settingTried(w, (t) => `/classes/${t.id}/name`, { name: 'Renamed' }, ok({ contains: ['"name":"Renamed"'] }));
      expect(after?.name).toBe('Renamed');
    },
  },
  'POST /classes/:classId/join-code': {
    modes: BOTH,
    who: 'the class\'s instructors only',
    async test(w) {
      const { target, after } = await settingTried(w, (t) => `/classes/${t.id}/join-code`, {}, ok());
      expect(after?.joinCode).not.toBe(target.joinCode);
    },
  },
  'POST /classes/:classId/joining': {
    modes: BOTH,
    who: 'the class\'s instructors only',
    async test(w) {
      const { after } = await settingTried(w, (t) => `/classes/${t.id}/joining`, {}, ok({ contains: ['"joiningOpen":false'] }));
      expect(after?.joiningOpen).toBe(false);
    },
  },
  'POST /classes/:classId/archive': {
    modes: BOTH,
    who: 'the class\'s instructors only',
    async test(w) {
      const { after } = await settingTried(w, (t) => `/classes/${t.id}/archive`, { archived: 'yes' }, ok({ contains: ['"archived":true'] }));
      expect(after?.archivedAt).not.toBeNull();
    },
  },
  'POST /classes/:classId/learners/:userId/remove': {
    modes: BOTH,
    who: 'the class\'s instructors, for learners of that class only',
    async test(w) {
      const { target } = await settingTried(w, (t) => `/classes/${t.id}/learners/${w.users.learnerA.id}/remove`, { confirm: 'yes' }, ok());
      expect(await w.store.classes.isMember(target.id, w.users.learnerA.id)).toBe(false);
      expect(await w.store.classes.isMember(w.cls.id, w.users.learnerA.id)).toBe(true);
      // Another class's learner is not theirs to remove.
      check(await send(w.agents.instructor, 'POST', `/classes/${w.cls.id}/learners/${w.users.learnerB.id}/remove`, { body: { confirm: 'yes' }, json: true }), { status: 404 }, 'instructor, learner B');
      expect(await w.store.classes.isMember(w.otherCls.id, w.users.learnerB.id)).toBe(true);
    },
  },
  'POST /classes/:classId/instructors': {
    modes: BOTH,
    who: 'the class\'s instructors only, adding an instructor account',
    async test(w) {
      const co = await makeUser(w.store, 'instructor', 'Cora Co');
      const { target } = await settingTried(w, (t) => `/classes/${t.id}/instructors`, { email: co.email }, ok());
      expect((await w.store.classes.instructors(target.id)).map((i) => i.userId)).toEqual([w.users.instructor.id, co.id]);
    },
  },
  'POST /classes/:classId/instructors/:userId/remove': {
    modes: BOTH,
    who: 'the class\'s instructors only; never the owner',
    async test(w) {
      const co = await makeUser(w.store, 'instructor', 'Cora Co');
      const { target } = await settingTried(w, (t) => `/classes/${t.id}/instructors/${co.id}/remove`, {}, ok(), async (t) => void (await w.store.classes.addInstructor(t.id, co.id)));
      expect((await w.store.classes.instructors(target.id)).map((i) => i.userId)).toEqual([w.users.instructor.id]);
    },
  },

  'USE /join requireUser': {
    modes: BOTH,
    who: 'guard: everything under /join needs a signed-in user',
    test: (w) => guarded(w, '/join/no/such/thing', members(signInFirst, notFoundPage)),
  },
  'GET /join': {
    modes: BOTH,
    who: 'any signed-in user',
    test: (w) => tryAll(w, members(toLogin, ok()), (a) => send(a, 'GET', '/join')),
  },
  'GET /join/:code': {
    modes: BOTH,
    who: 'any signed-in user who has the code',
    async test(w) {
      await tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: ok({ contains: ['You are already in this class.'] }),
          learnerB: ok({ contains: ['Networking 101'] }),
          instructor: ok(),
          otherInstructor: ok(),
        },
        (a) => send(a, 'GET', `/join/${w.cls.joinCode}`),
      );
      check(await send(w.agents.learnerB, 'GET', '/join/ZZZZZZZZ'), { status: 404, contains: ['No class has that join code.'] }, 'unknown code');
    },
  },
  'POST /join': {
    modes: BOTH,
    who: 'learners, for themselves; instructors cannot join',
    async test(w) {
      const extra = await w.store.classes.create({ name: 'Join target', labId: LAB, instructorId: w.users.otherInstructor.id });
      // Allowed, so that learner A's Skip policy stays "allowed" whatever the order of the tests.
      await w.store.classes.setAllowSkip(extra.id, true);
      const joined: Expectation = { status: 303, location: new RegExp(`^/classes\\?joined=${extra.id}$`) };
      await tryAll(
        w,
        { anonymous: signInFirst, learnerA: joined, learnerB: joined, instructor: { status: 403, code: 'VALIDATION_FAILED' }, otherInstructor: { status: 403, code: 'VALIDATION_FAILED' } },
        (a, actor) => send(a, 'POST', '/join', { body: { code: extra.joinCode, userId: w.users.learnerB.id }, json: actor === 'anonymous' || actor.endsWith('nstructor') }),
      );
      expect((await w.store.classes.members(extra.id)).map((m) => m.name).sort()).toEqual(['Alice Learner', 'Bob Learner']);
    },
  },
  'USE /reports requireUser': {
    modes: BOTH,
    who: 'guard: everything under /reports needs a signed-in user',
    test: (w) => guarded(w, '/reports/no/such/thing', members(signInFirst, notFoundPage)),
  },
  'GET /reports/:lab': {
    modes: BOTH,
    who: 'any signed-in user: their own report (or progress so far), never anyone else\'s',
    async test(w) {
      const progressOnly: Expectation = ok({ contains: ['Progress so far'], lacks: [REPORT_SECRET_A, REPORT_SECRET_B] });
      await tryAll(
        w,
        {
          anonymous: toLogin,
          learnerA: ok({ contains: ['Alice Learner', REPORT_SECRET_A], lacks: [REPORT_SECRET_B] }),
          learnerB: ok({ contains: ['Bob Learner', REPORT_SECRET_B], lacks: [REPORT_SECRET_A] }),
          instructor: progressOnly,
          otherInstructor: progressOnly,
        },
        (a) => send(a, 'GET', `/reports/${LAB}`),
      );
      const noPdf: Expectation = { status: 404, code: 'REPORT_NOT_FOUND' };
      await tryAll(w, { anonymous: toLogin, learnerA: ok(), learnerB: ok(), instructor: noPdf, otherInstructor: noPdf }, (a) => send(a, 'GET', `/reports/${LAB}.pdf`));
    },
  },
  'POST /reports/:lab/regenerate': {
    modes: BOTH,
    who: 'any signed-in user, for their own finished lab',
    test: (w) => tryAll(w, members(signInFirst, { status: 409, code: 'LAB_NOT_FINISHED' }), (a) => send(a, 'POST', `/reports/${LAB}/regenerate`, { json: true })),
  },
  'POST /reports/:lab/share': {
    modes: BOTH,
    who: 'any signed-in user with a report, sharing their own',
    async test(w) {
      const noReport: Expectation = { status: 404, code: 'REPORT_NOT_FOUND' };
      await tryAll(w, { anonymous: signInFirst, learnerA: ok({ contains: ['/r/'] }), learnerB: ok({ contains: ['/r/'] }), instructor: noReport, otherInstructor: noReport }, (a) => send(a, 'POST', `/reports/${LAB}/share`, { json: true }));
      const a = await w.store.reports.get(w.users.learnerA.id, LAB);
      const b = await w.store.reports.get(w.users.learnerB.id, LAB);
      expect(a?.shareToken).toBeTruthy();
      expect(b?.shareToken).not.toBe(a?.shareToken);
    },
  },
  'POST /reports/:lab/share/revoke': {
    modes: BOTH,
    who: 'any signed-in user with a report, revoking their own link',
    async test(w) {
      const token = await w.store.reports.share(w.users.learnerA.id, LAB);
      const noReport: Expectation = { status: 404, code: 'REPORT_NOT_FOUND' };
      // Learner B revokes only their own link: A's still works until A revokes it.
      check(await send(w.agents.learnerB, 'POST', `/reports/${LAB}/share/revoke`, { json: true }), ok(), 'learner B');
      expect((await w.store.reports.get(w.users.learnerA.id, LAB))?.shareToken).toBe(token);
      await tryAll(w, { anonymous: signInFirst, learnerA: ok({ contains: ['"revoked":true'] }), learnerB: ok({ contains: ['"revoked":false'] }), instructor: noReport, otherInstructor: noReport }, (a) => send(a, 'POST', `/reports/${LAB}/share/revoke`, { json: true }));
      expect((await w.store.reports.get(w.users.learnerA.id, LAB))?.shareToken).toBeNull();
    },
  },
  'GET /r/:token': {
    modes: BOTH,
    who: 'everyone with the link: the report without the email, the account masked',
    async test(w) {
      const token = await w.store.reports.share(w.users.learnerA.id, LAB);
      // Learner A, signed in, sees their own email in the site's header only; nobody else sees it at all.
      const shared = ok({ contains: ['Alice Learner', REPORT_SECRET_A, '••••9012'], lacks: [w.users.learnerA.email, REPORT_ACCOUNT, REPORT_SECRET_B] });
      await tryAll(w, { ...everyone(shared), learnerA: ok({ contains: ['Alice Learner', REPORT_SECRET_A, '••••9012'], lacks: [REPORT_ACCOUNT, REPORT_SECRET_B] }) }, (a) => send(a, 'GET', `/r/${token}`));
      const own = await send(w.agents.learnerA, 'GET', `/r/${token}`);
      expect(/<article class="report">[\s\S]*<\/article>/.exec(own.text)![0]).not.toContain(w.users.learnerA.email);
      await tryAll(w, everyone(ok()), (a) => send(a, 'GET', `/r/${token}.pdf`));
      await w.store.reports.revoke(w.users.learnerA.id, LAB);
      await tryAll(w, everyone({ status: 404, lacks: [REPORT_SECRET_A] }), (a) => send(a, 'GET', `/r/${token}`));
    },
  },
};

describe.each(BOTH)('authorization, %s mode', (mode) => {
  it('the table lists every route the app serves, and no route it does not', () => {
    const served = [...routesOf(worlds[mode].app), ...(mode === 'sandbox' ? [SHELL_SOCKET_ROUTE] : [])].sort();
    const listed = Object.keys(ROUTES).filter((key) => ROUTES[key].modes.includes(mode)).sort();
    expect(served).toEqual(listed);
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r.modes.includes(mode)).map(([key, r]) => [key, r.who, r] as const))('%s: %s', (_key, _who, route) => route.test(worlds[mode]));
});

describe('CSRF', () => {
  const posts: [string, Record<string, string>][] = [
    ['/signup', { name: 'X', email: 'csrf@example.com', password: 'long enough password' }],
    ['/login', { email: 'csrf@example.com', password: 'long enough password' }],
    ['/logout', {}],
    ['/classes', { name: 'Sneaky', labId: LAB }],
    ['/join', { code: 'ABCDEFGH' }],
    [`${step('vpcs')}/reflections/what-is-vpc`, { text: 'forged' }],
    [`/labs/${LAB}/reflections/seeing-traffic`, { text: 'forged' }],
    ['/connect', { roleArn: 'arn:aws:iam::111111111111:role/Forged', region: 'us-east-1' }],
    [`${step('vpcs')}/check`, {}],
    [`/labs/${LAB}/check`, {}],
    [`/labs/${LAB}/cleanup`, {}],
    [`${step('vpcs')}/skip`, {}],
    ['/classes/CLASS/skip', { allowSkip: 'yes' }],
    ['/classes/CLASS/name', { name: 'Forged' }],
    ['/classes/CLASS/join-code', {}],
    ['/classes/CLASS/joining', {}],
    ['/classes/CLASS/archive', { archived: 'yes' }],
    ['/classes/CLASS/instructors', { email: 'csrf@example.com' }],
    ['/connect/sandbox/reset', { confirm: 'yes' }],
    ['/connect/sandbox/rebuild', {}],
  ];

  it.each(posts)('POST %s without the token: 403 for every actor in both modes, nothing changes', async (path, body) => {
    for (const w of Object.values(worlds)) {
      const url = path.replace('CLASS', w.cls.id);
      const accountsBefore = await Promise.all(MEMBERS.map((m) => w.store.sandboxAccounts.get(w.users[m].id)));
      for (const actor of ACTORS) {
        const res = await w.agents[actor].post(url).type('form').set('Accept', 'text/html').send(body).redirects(0);
        expect({ mode: w.mode, actor, status: res.status }).toEqual({ mode: w.mode, actor, status: 403 });
        expect(res.text).toContain('This form has expired or was not sent from Verilab');
      }
      expect(await w.store.users.findByEmailWithHash('csrf@example.com')).toBeUndefined();
      expect((await w.store.classes.listForInstructor(w.users.instructor.id)).some((c) => c.name === 'Sneaky')).toBe(false);
      expect((await w.store.classes.findById(w.cls.id))?.allowSkip).toBe(true);
      expect(await w.store.classes.findById(w.cls.id)).toMatchObject({ name: 'Networking 101', joinCode: w.cls.joinCode, joiningOpen: true, archivedAt: null });
      expect(await Promise.all(MEMBERS.map((m) => w.store.sandboxAccounts.get(w.users[m].id)))).toEqual(accountsBefore);
    }
  });

  it('a token from another browser (another cookie) is refused', async () => {
    const w = worlds.aws;
    const other = await csrfToken(w.agents.learnerB, '/');
    const before = await w.store.reflections.forLearner(w.users.learnerA.id, LAB);
    const res = await w.agents.learnerA.post(`${step('vpcs')}/reflections/what-is-vpc`).type('form').send({ _csrf: other, text: 'forged' });
    expect(res.status).toBe(403);
    expect(await w.store.reflections.forLearner(w.users.learnerA.id, LAB)).toEqual(before);
  });
});
