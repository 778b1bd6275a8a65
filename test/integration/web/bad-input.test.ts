// Bad input to every route of both modes (missing, wrongly typed, huge, unknown, malformed, control characters, path tricks): always a readable 4xx, never a 500, nothing stored.
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import request from 'supertest';
import { SOCKET_MESSAGES } from '../../../server/sandbox/shell/shell-socket';
import { CLASS_MESSAGES } from '../../../server/web/class-router';
import { SETTINGS_MESSAGES } from '../../../server/web/class-settings-router';
import { RESET_MESSAGES } from '../../../server/web/sandbox-router';
import type { User } from '../../../server/store/users';
import { createTestContext, csrfToken, makeUser, signedIn, TEST_PASSWORD, type TestContext } from '../../helpers/app';
import { startMoto, type Moto } from '../../helpers/moto';
import { LAB, makeWorld, NO_SHELLS, openSocket, routesOf, send, sessionCookie, SHELL_SOCKET_ROUTE, startShellSocket, type World } from '../../helpers/routes';
import { storeFixtureReport } from '../../helpers/reports';
import { createSandboxContext, type SandboxTestContext } from '../../helpers/sandbox';

jest.setTimeout(120_000);

type Mode = World['mode'];
const BOTH: Mode[] = ['aws', 'sandbox'];
const SANDBOX_ONLY: Mode[] = ['sandbox'];
/** Verilab's own AWS calls in AWS mode go nowhere here: nothing listens there, and nothing leaves the machine. */
const NO_AWS = 'http://127.0.0.1:9';
const SCRIPT = '<script>alert("x")</script>';
const INTERNAL = /Something went wrong on our side/;

let moto: Moto;
let awsCtx: TestContext;
let sandboxCtx: SandboxTestContext;
const worlds = {} as Record<Mode, World>;

beforeAll(async () => {
  moto = await startMoto();
  awsCtx = await createTestContext({ VERILAB_MODE: 'aws' }, { awsEndpoint: NO_AWS });
  sandboxCtx = await createSandboxContext(moto, { CHECK_RATE_LIMIT_SECONDS: '1' });
  worlds.aws = await makeWorld(awsCtx.app, awsCtx.store, 'aws');
  worlds.sandbox = await makeWorld(sandboxCtx.app, sandboxCtx.store, 'sandbox');
  for (const w of Object.values(worlds)) {
    await storeFixtureReport(w.store, w.users.learnerA);
    shareTokens[w.mode] = (await w.store.reports.share(w.users.learnerA.id, LAB))!;
  }
});
afterAll(async () => {
  await sandboxCtx?.close();
  await awsCtx?.close();
  await moto?.stop();
});

function messageOf(res: request.Response): string | undefined {
  return res.type === 'application/json' ? (res.body as { error?: { message?: string } }).error?.message : res.text;
}

/** A 4xx with something a person can read, and no sign of an internal error or of the script we sent. */
function expectReadable4xx(res: request.Response, label: string, status?: number) {
  expect({ label, status: status ? res.status : res.status >= 400 && res.status < 500 }).toEqual({ label, status: status ?? true });
  const message = messageOf(res);
  expect({ label, readable: Boolean(message && message.length > 0) }).toEqual({ label, readable: true });
  expect({ label, internal: INTERNAL.test(res.text) }).toEqual({ label, internal: false });
  expect(res.text).not.toContain(SCRIPT);
}

/** Anything but a 5xx, and nothing of ours echoed unescaped. */
function expectNot5xx(res: request.Response, label: string) {
  expect({ label, server: res.status >= 500 }).toEqual({ label, server: false });
  expect({ label, internal: INTERNAL.test(res.text) }).toEqual({ label, internal: false });
  expect(res.text).not.toContain(SCRIPT);
}

// ---------------------------------------------------------------------------------------------------------------------
// Path parameters: every way an id can be wrong.

/** Path segments (already as they go on the wire) that no route accepts as an id. */
const BAD_SEGMENTS: Record<string, string> = {
  unknown: 'no-such-thing',
  dot: '.',
  'encoded dot-dot': '%2e%2e',
  'encoded slash': 'a%2Fb',
  'encoded traversal': '..%2F..%2F..%2Fpackage.json',
  NUL: 'a%00b',
  'control characters': '%07%1b%5b31m',
  huge: 'x'.repeat(4000),
  unicode: encodeURIComponent('ünïcødé-✓-𝕍'),
  __proto__: '__proto__',
  constructor: 'constructor',
  toString: 'toString',
  script: encodeURIComponent(SCRIPT),
  'malformed escape': '%E0%A4%A',
  'lone percent': '%',
  'upper-case uuid': 'C0FFEE00-0000-4000-8000-000000000000',
  'unknown uuid': 'c0ffee00-0000-4000-8000-000000000000',
};

/** Valid values for each parameter, in a world; one of them is swapped for a bad one at a time. */
/** Learner A's report's share link, per mode. */
const shareTokens = {} as Record<Mode, string>;

/** A prompt of the lab's introduction: the introduction's reflection route takes these, not a step's. */
const INTRO_PROMPT = 'seeing-traffic';
/** Routes whose good values differ from goodParams', by table key. */
const routeParams: Record<string, Record<string, string>> = {
  'POST /labs/:labId/reflections/:promptId': { promptId: INTRO_PROMPT },
};

function goodParams(w: World): Record<string, string> {
  return { labId: LAB, lab: LAB, stepId: 'vpcs', promptId: 'what-is-vpc', classId: w.cls.id, userId: w.users.learnerA.id, code: w.cls.joinCode, file: 'xterm.js', token: shareTokens[w.mode] };
}

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? `no-value-for-${name}`);
}

/** Everything the signed-in user may have changed, to show that a refused request changed nothing. */
async function footprint(w: World, user: User) {
  const [progress, attempts, reflections, classes, account] = await Promise.all([
    w.store.progress.forLearner(user.id, LAB),
    w.store.progress.attempts(user.id, LAB, 100),
    w.store.reflections.forLearner(user.id, LAB),
    w.store.classes.listForInstructor(w.users.instructor.id),
    w.store.sandboxAccounts.get(user.id),
  ]);
  return { progress, attempts: attempts.length, reflections, classes: classes.map((c) => [c.id, c.allowSkip]), account: account?.accountId };
}

/**
 * Every bad segment in every parameter of `path`, as a user who may use the route: 4xx (a malformed %-escape 400, the
 * rest the route's own 404), never a 5xx, and the user's footprint unchanged.
 */
async function badIds(
  w: World,
  method: 'GET' | 'POST',
  path: string,
  as: 'learnerA' | 'instructor' | 'anonymous' | { agent: request.Agent; user: User },
  expected: (param: string, kind: string) => number | undefined = () => undefined,
  /** Good values this route needs instead of goodParams' (the introduction's prompt ids are not a step's). */
  goodValues: Record<string, string> = {},
) {
  const { agent, user } = typeof as === 'object' ? as : { agent: w.agents[as], user: as === 'anonymous' ? w.users.learnerA : w.users[as] };
  const before = await footprint(w, user);
  const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  expect(params.length).toBeGreaterThan(0);
  for (const param of params) {
    for (const [kind, segment] of Object.entries(BAD_SEGMENTS)) {
      const url = fill(path, { ...goodParams(w), ...goodValues, [param]: segment });
      const want = kind.includes('malformed') || kind === 'lone percent' ? 400 : expected(param, kind);
      for (const json of [false, true]) {
        const res = await send(agent, method, url, { json });
        expectReadable4xx(res, `${w.mode} ${method} ${path} ${param}=${kind} ${json ? 'json' : 'html'}`, want);
      }
    }
  }
  expect(await footprint(w, user)).toEqual(before);
}

// ---------------------------------------------------------------------------------------------------------------------
// Query strings: the routes that read one, and junk for all the others.

/** A query string no route expects: control characters, repeated keys, prototype names, a huge value, a malformed escape. */
const JUNK_QUERY = [
  'next=%00%2F%2Fevil.example',
  'next=a&next=b',
  'lab=__proto__',
  'region=..%2F..%2Fetc',
  `instance=${encodeURIComponent(SCRIPT)}`,
  'saved[]=x',
  '__proto__[admin]=1',
  'constructor[prototype][admin]=1',
  `joined=${'j'.repeat(6000)}`,
  '%E0%A4%A=1',
  'x=%',
].join('&');

/** A JSON body with prototype-polluting keys, control characters and a wrong-typed CSRF token alongside the right one. */
const JUNK_JSON = '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"x\\u0000y":"\\u0007\\u001b[31m","nested":{"a":[1,{"b":null}]}}';

interface Input {
  modes: Mode[];
  /** What the route reads from the request. */
  takes: string;
  test(w: World): Promise<void>;
}

/** The xterm files' route looks names up in a plain object: prototype names must not reach res.sendFile. */
const XTERM_BAD = ['..%2F..%2Fpackage.json', 'xterm.js%00', 'xterm.js.map', 'XTERM.JS', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'x'.repeat(4000), '%E0%A4%A'];

/** The next= values that must never send anyone off Verilab (browsers read "\\" as "/" and drop tabs and newlines). */
const OFFSITE_NEXT = ['//evil.example', 'https://evil.example/', '/\\evil.example', '\\\\evil.example', ' //evil.example', '/\t/evil.example', '/\n/evil.example', '/%2F/evil.example', 'javascript:alert(1)', '/\u0000//evil.example'];

/** Where a browser on Verilab's page goes for `target`, as the WHATWG URL parser (the browsers' own) reads it. */
function staysOnVerilab(target: string): boolean {
  return new URL(target, 'https://verilab.test/labs/').origin === 'https://verilab.test';
}

function hiddenNext(html: string): string {
  const value = /name="next" value="([^"]*)"/.exec(html)?.[1] ?? '';
  return value.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/**
 * The form keeps next= in a hidden field and posts it back: every link on the page stays on Verilab, and (for sign-in)
 * posting the form as the browser would lands on Verilab.
 */
async function nextIsSafe(w: World, form: 'login' | 'signup') {
  for (const next of [...OFFSITE_NEXT, 'x'.repeat(6000)]) {
    const agent = request.agent(w.app);
    const res = await agent.get(`/${form}?next=${encodeURIComponent(next)}`).set('Accept', 'text/html');
    expect({ next, status: res.status }).toEqual({ next, status: 200 });
    const offsite = [...res.text.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((href) => !staysOnVerilab(href));
    expect({ next, offsite }).toEqual({ next, offsite: [] });
    if (form === 'login') {
      const token = /name="_csrf" value="([^"]+)"/.exec(res.text)![1];
      const back = await agent.post('/login').type('form').send({ _csrf: token, email: w.users.learnerB.email, password: TEST_PASSWORD, next: hiddenNext(res.text) }).redirects(0);
      expect({ next, status: back.status, safe: staysOnVerilab(back.headers.location) }).toEqual({ next, status: 303, safe: true });
    }
  }
}

const SHELL_BAD_INSTANCES = ['../../etc/passwd', 'i-', 'i-XYZ', `i-${'0'.repeat(40)}`, encodeURIComponent(SCRIPT), '%00', 'i-0123456789abcdef0%0aInjected: yes'];

/** Every route of both modes and what bad input it gets; the key is what test/helpers/routes.ts reads from the router. */
const INPUTS: Record<string, Input> = {
  'GET /': { modes: BOTH, takes: 'nothing (junk query only)', test: async () => undefined },
  'GET /healthz': { modes: BOTH, takes: 'nothing (junk query only)', test: async () => undefined },
  'USE /static serveStatic': {
    modes: BOTH,
    takes: 'a file path',
    async test(w) {
      for (const path of ['/static/../server/config.ts', '/static/%2e%2e/package.json', '/static/..%2f..%2fpackage.json', '/static/%2e%2e%2f%2e%2e%2fpackage.json', '/static/style.css%00.js', '/static/no-such-file.css', `/static/${'x'.repeat(4000)}`, '/static/%E0%A4%A', '/static//etc/passwd']) {
        const res = await request(w.app).get(path).set('Accept', 'text/html');
        expectReadable4xx(res, `${w.mode} ${path}`);
        expect(res.text).not.toContain('"dependencies"');
        expect(res.text).not.toContain('SESSION_SECRET');
      }
    },
  },
  'GET /static/vendor/xterm/:file': {
    modes: BOTH,
    takes: 'a file name from a fixed list',
    async test(w) {
      const answers: [string, number][] = [];
      for (const file of XTERM_BAD) {
        const res = await request(w.app).get(`/static/vendor/xterm/${file}`).set('Accept', 'text/html');
        answers.push([file.slice(0, 40), res.status]);
        expect(res.text).not.toContain('"dependencies"');
      }
      expect(answers).toEqual(XTERM_BAD.map((file) => [file.slice(0, 40), file.startsWith('%E0') ? 400 : 404]));
    },
  },
  'GET /login': { modes: BOTH, takes: 'next= (where to go after signing in)', test: (w) => nextIsSafe(w, 'login') },
  'GET /signup': { modes: BOTH, takes: 'next= (where to go after signing up)', test: (w) => nextIsSafe(w, 'signup') },
  'POST /signup': {
    modes: BOTH,
    takes: 'name, email, password, next (the forms section below tries every field)',
    async test(w) {
      // A valid sign-up with an off-site next= lands on Verilab's home page.
      for (const [i, next] of OFFSITE_NEXT.entries()) {
        const res = await send(request.agent(w.app), 'POST', '/signup', { body: { name: 'Next Tester', email: `next-${w.mode}-${i}@example.com`, password: 'a sturdy pass phrase 4 tests', next }, from: '/signup' });
        expect({ next, status: res.status, safe: staysOnVerilab(res.headers.location) }).toEqual({ next, status: 303, safe: true });
      }
    },
  },
  'POST /login': {
    modes: BOTH,
    takes: 'email, password, next (the forms section below tries every field)',
    async test(w) {
      for (const next of OFFSITE_NEXT) {
        const res = await send(request.agent(w.app), 'POST', '/login', { body: { email: w.users.learnerB.email, password: TEST_PASSWORD, next }, from: '/login' });
        expect({ next, status: res.status, safe: staysOnVerilab(res.headers.location) }).toEqual({ next, status: 303, safe: true });
      }
    },
  },
  'POST /logout': { modes: BOTH, takes: 'nothing (junk body and query only)', test: async () => undefined },

  'GET /labs/:labId': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'GET', '/labs/:labId', 'learnerA', () => 404) },
  'GET /labs/:labId/steps/:stepId': {
    modes: BOTH,
    takes: 'a lab and a step id; saved= (which answer was just saved)',
    async test(w) {
      await badIds(w, 'GET', '/labs/:labId/steps/:stepId', 'learnerA', () => 404);
      const res = await send(w.agents.learnerA, 'GET', `/labs/${LAB}/steps/vpcs?saved=${encodeURIComponent(SCRIPT)}`);
      expectNot5xx(res, 'saved=script');
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('Saved.');
    },
  },
  'GET /labs/:labId/finish': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'GET', '/labs/:labId/finish', 'anonymous', () => 404) },
  'GET /labs/:labId/verifier-role.yaml': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'GET', '/labs/:labId/verifier-role.yaml', 'anonymous', () => 404) },
  'USE /labs requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'POST /labs/:labId/steps/:stepId/check': { modes: BOTH, takes: 'a lab and a step id', test: (w) => badIds(w, 'POST', '/labs/:labId/steps/:stepId/check', 'learnerA', () => 404) },
  'POST /labs/:labId/check': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'POST', '/labs/:labId/check', 'learnerA', () => 404) },
  'POST /labs/:labId/cleanup': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'POST', '/labs/:labId/cleanup', 'learnerA', () => 404) },
  'POST /labs/:labId/steps/:stepId/reflections/:promptId': {
    modes: BOTH,
    takes: 'a lab, step and prompt id; text (the forms section below tries it)',
    test: (w) => badIds(w, 'POST', '/labs/:labId/steps/:stepId/reflections/:promptId', 'learnerA', () => 404),
  },
  'POST /labs/:labId/reflections/:promptId': {
    modes: BOTH,
    takes: "a lab id and a prompt id of its introduction; text (the forms section below tries it)",
    test: (w) => badIds(w, 'POST', '/labs/:labId/reflections/:promptId', 'learnerA', () => 404, routeParams['POST /labs/:labId/reflections/:promptId']),
  },
  'POST /labs/:labId/steps/:stepId/skip': {
    modes: BOTH,
    takes: 'a lab and a step id',
    async test(w) {
      await badIds(w, 'POST', '/labs/:labId/steps/:stepId/skip', 'learnerA', () => 404);
      if (w.mode === 'sandbox') expect((await w.store.progress.forLearner(w.users.learnerA.id, LAB)).filter((p) => p.skippedAt)).toEqual([]);
    },
  },

  'USE /connect requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'GET /connect': {
    modes: BOTH,
    takes: 'lab=, region= (a preview of the command) and next=',
    async test(w) {
      await send(w.agents.learnerA, 'GET', '/connect');
      const before = await w.store.connections.get(w.users.learnerA.id);
      for (const query of ['lab=__proto__', 'lab=..%2F..', `lab=${'l'.repeat(5000)}`, 'lab=a&lab=b', 'region=..%2F..%2Fetc', 'region=us-east-1%0aX-Injected:1', `region=${encodeURIComponent(SCRIPT)}`, 'region=a&region=b', `region=${'r'.repeat(5000)}`, 'next=%2F%2Fevil.example', `next=${encodeURIComponent('/labs/"><script>')}`, 'next=a&next=b']) {
        const res = await send(w.agents.learnerA, 'GET', `/connect?${query}`);
        expectNot5xx(res, `${w.mode} /connect?${query.slice(0, 40)}`);
        expect({ query, status: res.status }).toEqual({ query, status: 200 });
        expect(res.text).not.toContain('X-Injected');
        expect(res.text).not.toMatch(/href="\/\/evil/);
      }
      expect(await w.store.connections.get(w.users.learnerA.id)).toEqual(before);
    },
  },
  'POST /connect': {
    modes: BOTH,
    takes: 'roleArn, region (the forms section below tries every field in AWS mode)',
    async test(w) {
      if (w.mode === 'aws') return;
      // Sandbox mode has nothing to connect, whatever is sent.
      for (const body of [{}, { roleArn: 42 }, { roleArn: 'arn:aws:iam::111111111111:role/X', region: SCRIPT }]) {
        expectReadable4xx(await send(w.agents.learnerA, 'POST', '/connect', { body, json: true }), `sandbox POST /connect ${JSON.stringify(body)}`, 409);
      }
    },
  },
  'GET /connect/sandbox/credentials': { modes: SANDBOX_ONLY, takes: 'nothing (junk query only)', test: async () => undefined },
  'POST /connect/sandbox/reset': {
    modes: SANDBOX_ONLY,
    takes: 'confirm (must be "yes")',
    async test(w) {
      await send(w.agents.learnerA, 'GET', '/connect');
      const before = await w.store.sandboxAccounts.get(w.users.learnerA.id);
      expect(before).toBeDefined();
      const wrong: unknown[] = [undefined, '', 'no', 'YES', 'yes ', ' yes', 'true', 'on', 'y'.repeat(5000), 'yes\u0000', 42, true, null, ['yes'], ['yes', 'yes'], { yes: 'yes' }];
      for (const confirm of wrong) {
        const label = `confirm=${JSON.stringify(confirm)?.slice(0, 30)}`;
        const json = await send(w.agents.learnerA, 'POST', '/connect/sandbox/reset', { body: confirm === undefined ? {} : { confirm }, json: true, from: '/connect' });
        expectReadable4xx(json, `${label} json`, 400);
        expect(json.body.error).toMatchObject({ code: 'RESET_NOT_CONFIRMED', message: RESET_MESSAGES.CONFIRM });
        if (typeof confirm === 'string') {
          const page = await send(w.agents.learnerA, 'POST', '/connect/sandbox/reset', { body: { confirm }, from: '/connect' });
          expectReadable4xx(page, `${label} page`, 400);
          expect(page.text).toContain(RESET_MESSAGES.CONFIRM);
        }
      }
      const repeated = await w.agents.learnerA.post('/connect/sandbox/reset').type('form').send(`confirm=yes&confirm=yes&_csrf=${encodeURIComponent(await csrfToken(w.agents.learnerA, '/connect'))}`);
      expectReadable4xx(repeated, 'confirm repeated', 400);
      expect(await w.store.sandboxAccounts.get(w.users.learnerA.id)).toEqual(before);
    },
  },
  'POST /connect/sandbox/rebuild': { modes: SANDBOX_ONLY, takes: 'nothing (junk body and query only)', test: async () => undefined },
  'USE /sandbox/aws <anonymous>': {
    modes: SANDBOX_ONLY,
    takes: 'a signed AWS request',
    async test(w) {
      const c = await sandboxCtx.sandbox.credentials(w.users.learnerA.id);
      // Through the listening server, whose Host the signature covers.
      const endpoint = new URL(c.endpointUrl);
      const signed = async (path: string, body: string, query = '', service = 'sts', extra: Record<string, string> = {}) => {
        const signer = new SignatureV4({ service, region: c.region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, sha256: Hash.bind(null, 'sha256') });
        const headers = { host: endpoint.host, 'content-type': 'application/x-www-form-urlencoded', ...extra };
        const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: endpoint.hostname, port: Number(endpoint.port), path: `${endpoint.pathname}${path}`, query: Object.fromEntries(new URLSearchParams(query)), headers, body });
        return request(sandboxCtx.url).post(`${endpoint.pathname}${path}${query ? `?${query}` : ''}`).set(req.headers).send(body);
      };
      const action = 'Action=GetCallerIdentity&Version=2011-06-15';
      const cases: [string, () => Promise<request.Response>][] = [
        ['unsigned', () => request(w.app).post('/sandbox/aws/').type('form').send(action)],
        ['garbage Authorization', () => request(w.app).post('/sandbox/aws/').set('Authorization', 'AWS4-HMAC-SHA256 garbage').type('form').send(action)],
        ['huge Authorization', () => request(w.app).post('/sandbox/aws/').set('Authorization', `AWS4-HMAC-SHA256 Credential=${'A'.repeat(8000)}`).type('form').send(action)],
        ['unknown key', () => request(w.app).post('/sandbox/aws/').set('Authorization', 'AWS4-HMAC-SHA256 Credential=AKIANOSUCHKEY0000000/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00').set('X-Amz-Date', '20240101T000000Z').type('form').send(action)],
        ['presigned URL', () => request(w.app).post(`/sandbox/aws/?X-Amz-Signature=00&X-Amz-Credential=${c.accessKeyId}`).type('form').send(action)],
        ['moto-api path, unsigned', () => request(w.app).post('/sandbox/aws/moto-api/reset').send('')],
        ['moto-api path, signed', () => signed('/moto-api/reset', '')],
        ['encoded traversal, signed', () => signed('/%2e%2e/moto-api/reset', '')],
        ['unsigned 3 MB body', () => request(w.app).post('/sandbox/aws/').type('form').send(`${action}&x=${'y'.repeat(3 * 1024 * 1024)}`)],
        ['signed 3 MB body', () => signed('/', `${action}&x=${'y'.repeat(3 * 1024 * 1024)}`)],
        // AWS answers these 400 InvalidAction / MissingAction (UnknownOperationException for JSON services).
        ['signed, no action', () => signed('/', 'Version=2011-06-15')],
        ['signed, unknown action', () => signed('/', 'Action=NoSuchAction&Version=2011-06-15')],
        ['signed, control characters in the action', () => signed('/', 'Action=Get%00Caller%1bIdentity&Version=2011-06-15')],
        ['signed, a space in the action', () => signed('/', 'Action=Get+CallerIdentity&Version=2011-06-15')],
        ['signed, invalid UTF-8 in the action', () => signed('/', 'Action=Get%FFCallerIdentity&Version=2011-06-15')],
        ['signed ec2, unknown action', () => signed('/', 'Action=NoSuchAction&Version=2016-11-15', '', 'ec2')],
        ['signed iam, unknown action', () => signed('/', 'Action=NoSuchAction&Version=2010-05-08', '', 'iam')],
        ['signed cloudformation, unknown action', () => signed('/', 'Action=NoSuchAction&Version=2010-05-15', '', 'cloudformation')],
        ['signed logs (JSON), unknown target', () => signed('/', '{}', '', 'logs', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.NoSuchAction' })],
      ];
      // All answers first, so that a failure lists every case that went wrong.
      const wrong: string[] = [];
      for (const [label, make] of cases) {
        const res = await make();
        if (res.status < 400 || res.status >= 500) wrong.push(`${label}: ${res.status} ${res.type}`);
        if (res.headers['x-verilab-sandbox'] !== '1') wrong.push(`${label}: not marked as the sandbox's answer`);
        if (res.text.includes(c.accountId)) wrong.push(`${label}: names the account`);
      }
      expect(wrong).toEqual([]);
      // The signing above is right: the same request, well formed, reaches the learner's account.
      const good = await signed('/', action);
      expect(good.status).toBe(200);
      expect(good.text).toContain(c.accountId);
    },
  },

  'USE /shell requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'GET /shell': {
    modes: BOTH,
    takes: 'instance= (an instance id)',
    async test(w) {
      for (const instance of SHELL_BAD_INSTANCES) {
        const res = await send(w.agents.learnerA, 'GET', `/shell?instance=${instance}`);
        expectNot5xx(res, `${w.mode} /shell?instance=${instance.slice(0, 30)}`);
        expect({ instance, status: res.status }).toEqual({ instance, status: 200 });
        expect(res.text).toContain('<title>Cloud shell');
        expect(res.text).not.toContain('Injected');
      }
    },
  },
  'GET /shell/instances': { modes: BOTH, takes: 'nothing (junk query only)', test: async () => undefined },
  [SHELL_SOCKET_ROUTE]: {
    modes: SANDBOX_ONLY,
    takes: 'instance=, cols=, rows=, new= in the query',
    async test(w) {
      const socket = await startShellSocket(w.app, w.store);
      try {
        const cookie = await sessionCookie(w.app, w.users.learnerA);
        for (const instance of SHELL_BAD_INSTANCES) {
          const res = await openSocket(`${socket.url}?instance=${instance}`, { origin: socket.origin, cookie });
          expect({ instance, code: res.code }).toEqual({ instance, code: 4500 });
          expect(res.output).toContain(SOCKET_MESSAGES.BAD_INSTANCE);
        }
        expect(socket.opened).toEqual([]);
        const sizes = ['cols=-5&rows=99999', 'cols=abc&rows=1e9', 'cols=3.5&rows=0x20', `cols=${'9'.repeat(400)}&rows=%00`, 'cols=a&cols=b&rows=24&rows=30&new=yes&new=1'];
        for (const size of sizes) {
          const res = await openSocket(`${socket.url}?${size}`, { origin: socket.origin, cookie });
          expect({ size, code: res.code }).toEqual({ size, code: 4503 });
          expect(res.output).toContain(NO_SHELLS);
        }
        expect(socket.opened).toHaveLength(sizes.length);
        for (const o of socket.opened) {
          expect(o.userId).toBe(w.users.learnerA.id);
          expect(Number.isInteger(o.cols) && o.cols >= 2 && o.cols <= 500).toBe(true);
          expect(Number.isInteger(o.rows) && o.rows >= 2 && o.rows <= 200).toBe(true);
          expect(o.instanceId).toBeUndefined();
        }
        expect(socket.opened.map((o) => [o.cols, o.rows, o.fresh])).toEqual([[2, 200, false], [80, 200, false], [80, 32, false], [80, 24, false], [80, 24, false]]);
        // A huge upgrade query is refused or closed, never a crash of the server.
        const huge = await openSocket(`${socket.url}?instance=${'i'.repeat(12_000)}`, { origin: socket.origin, cookie });
        expect(huge.status ?? huge.code).toBeDefined();
        expect(await openSocket(socket.url, { origin: socket.origin, cookie })).toMatchObject({ code: 4503 });
      } finally {
        await socket.close();
      }
    },
  },

  'USE /classes requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'USE /classes requireInstructor': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'GET /classes': {
    modes: BOTH,
    takes: 'joined= (the class just joined)',
    async test(w) {
      for (const joined of [encodeURIComponent(SCRIPT), w.otherCls.id, 'a&joined=b', '%00', 'j'.repeat(6000)]) {
        const res = await send(w.agents.learnerA, 'GET', `/classes?joined=${joined}`);
        expectNot5xx(res, `joined=${joined.slice(0, 30)}`);
        expect(res.status).toBe(200);
        // Only a class the learner is in is ever named as joined.
        expect(res.text).not.toContain('You joined');
      }
    },
  },
  'POST /classes': { modes: BOTH, takes: 'name, labId (the forms section below tries every field)', test: async () => undefined },
  'GET /classes/:classId': {
    modes: BOTH,
    takes: 'a class id',
    async test(w) {
      await badIds(w, 'GET', '/classes/:classId', 'instructor', () => 404);
      // Another instructor's class is the same 404, with the same words.
      const res = await send(w.agents.instructor, 'GET', `/classes/${w.otherCls.id}`, { json: true });
      expectReadable4xx(res, 'other class', 404);
      expect(res.body.error.message).toBe(CLASS_MESSAGES.CLASS_NOT_FOUND);
    },
  },
  'GET /classes/:classId/events': {
    modes: BOTH,
    takes: 'a class id',
    test: (w) => badIds(w, 'GET', '/classes/:classId/events', 'instructor', () => 404),
  },
  'GET /classes/:classId/summary': {
    modes: BOTH,
    takes: 'a class id; sort, q and help as the class page takes them',
    async test(w) {
      await badIds(w, 'GET', '/classes/:classId/summary', 'instructor', () => 404);
      // The query is the class page's: anything unknown is its default, never an error.
      for (const query of ['sort=%00', 'q[]=a&q[]=b', `q=${'x'.repeat(5000)}`, 'help[a]=all', 'sort=__proto__', `q=${encodeURIComponent(SCRIPT)}`]) {
        const res = await send(w.agents.instructor, 'GET', `/classes/${w.cls.id}/summary?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 200 });
        expect(res.text).not.toContain(SCRIPT);
      }
    },
  },
  'POST /classes/:classId/skip': {
    modes: BOTH,
    takes: 'a class id; allowSkip (the ticked box sends "yes")',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/skip', 'instructor', () => 404);
      const target = await w.store.classes.create({ name: 'Skip setting target', labId: LAB, instructorId: w.users.instructor.id });
      const wrong: unknown[] = ['', 'true', 'YES', 'on', 'no', 'yes ', 'yes\u0000', 'y'.repeat(5000), SCRIPT, 42, true, null, ['yes'], { yes: 1 }];
      for (const allowSkip of wrong) {
        const label = `allowSkip=${JSON.stringify(allowSkip).slice(0, 30)}`;
        const json = await send(w.agents.instructor, 'POST', `/classes/${target.id}/skip`, { body: { allowSkip }, json: true });
        expectReadable4xx(json, `${label} json`, 400);
        expect(json.body.error.message).toBe(CLASS_MESSAGES.ALLOW_SKIP_INVALID);
        if (typeof allowSkip === 'string') expectReadable4xx(await send(w.agents.instructor, 'POST', `/classes/${target.id}/skip`, { body: { allowSkip } }), `${label} page`, 400);
      }
      const repeated = await w.agents.instructor.post(`/classes/${target.id}/skip`).type('form').send(`allowSkip=yes&allowSkip=yes&_csrf=${encodeURIComponent(await csrfToken(w.agents.instructor, '/'))}`);
      expectReadable4xx(repeated, 'allowSkip repeated', 400);
      expect((await w.store.classes.findById(target.id))?.allowSkip).toBe(false);
      expect((await w.store.classes.findById(w.cls.id))?.allowSkip).toBe(true);
    },
  },
  'GET /classes/:classId/learners/:userId': { modes: BOTH, takes: 'a class id and a learner id', test: (w) => badIds(w, 'GET', '/classes/:classId/learners/:userId', 'instructor', () => 404) },
  'GET /classes/:classId/learners/:userId/report': { modes: BOTH, takes: 'a class id and a learner id', test: (w) => badIds(w, 'GET', '/classes/:classId/learners/:userId/report', 'instructor', () => 404) },
  'USE /reports requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'GET /reports/:lab': {
    modes: BOTH,
    takes: 'a lab id, or a lab id and .pdf; paper= (a4 or letter)',
    async test(w) {
      await badIds(w, 'GET', '/reports/:lab', 'learnerA', () => 404);
      for (const paper of ['tabloid', '', 'A5', encodeURIComponent(SCRIPT), 'a4&paper=letter', 'x'.repeat(3000)]) {
        expectReadable4xx(await send(w.agents.learnerA, 'GET', `/reports/${LAB}.pdf?paper=${paper}`, { json: true }), `paper=${paper.slice(0, 20)}`, 400);
      }
    },
  },
  'POST /reports/:lab/regenerate': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'POST', '/reports/:lab/regenerate', 'learnerA', () => 404) },
  'POST /reports/:lab/share': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'POST', '/reports/:lab/share', 'learnerA', () => 404) },
  'POST /reports/:lab/share/revoke': { modes: BOTH, takes: 'a lab id', test: (w) => badIds(w, 'POST', '/reports/:lab/share/revoke', 'learnerA', () => 404) },
  'GET /r/:token': { modes: BOTH, takes: 'a share token, or a token and .pdf; paper=', test: (w) => badIds(w, 'GET', '/r/:token', 'anonymous', () => 404) },
  'GET /classes/:classId/export.csv': { modes: BOTH, takes: 'a class id', test: (w) => badIds(w, 'GET', '/classes/:classId/export.csv', 'instructor', () => 404) },
  'POST /classes/:classId/name': {
    modes: BOTH,
    takes: 'a class id; name',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/name', 'instructor', () => 404);
      const target = await w.store.classes.create({ name: 'Rename target', labId: LAB, instructorId: w.users.instructor.id });
      for (const name of ['', '   ', 'x'.repeat(101), 'a\u0000b', 'two\nlines', 42, null, ['a'], { a: 1 }]) {
        expectReadable4xx(await send(w.agents.instructor, 'POST', `/classes/${target.id}/name`, { body: { name }, json: true }), `name=${JSON.stringify(name).slice(0, 30)}`, 400);
      }
      expect((await w.store.classes.findById(target.id))?.name).toBe('Rename target');
    },
  },
  'POST /classes/:classId/join-code': { modes: BOTH, takes: 'a class id (nothing else)', test: (w) => badIds(w, 'POST', '/classes/:classId/join-code', 'instructor', () => 404) },
  'POST /classes/:classId/joining': {
    modes: BOTH,
    takes: 'a class id; joiningOpen (the ticked box sends "yes")',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/joining', 'instructor', () => 404);
      const target = await w.store.classes.create({ name: 'Joining target', labId: LAB, instructorId: w.users.instructor.id });
      for (const joiningOpen of ['', 'true', 'on', 'YES', SCRIPT, 1, true, null, ['yes']]) {
        const res = await send(w.agents.instructor, 'POST', `/classes/${target.id}/joining`, { body: { joiningOpen }, json: true });
        expectReadable4xx(res, `joiningOpen=${JSON.stringify(joiningOpen).slice(0, 30)}`, 400);
        expect(res.body.error.message).toBe(SETTINGS_MESSAGES.JOINING_INVALID);
      }
      expect((await w.store.classes.findById(target.id))?.joiningOpen).toBe(true);
    },
  },
  'POST /classes/:classId/archive': {
    modes: BOTH,
    takes: 'a class id; archived ("yes" or "no")',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/archive', 'instructor', () => 404);
      const target = await w.store.classes.create({ name: 'Archive target', labId: LAB, instructorId: w.users.instructor.id });
      for (const archived of [undefined, '', 'true', 'YES', SCRIPT, 1, true, null, ['yes']]) {
        const res = await send(w.agents.instructor, 'POST', `/classes/${target.id}/archive`, { body: archived === undefined ? {} : { archived }, json: true });
        expectReadable4xx(res, `archived=${JSON.stringify(archived)?.slice(0, 30)}`, 400);
      }
      expect((await w.store.classes.findById(target.id))?.archivedAt).toBeNull();
    },
  },
  'POST /classes/:classId/learners/:userId/remove': {
    modes: BOTH,
    takes: 'a class id and a learner id; confirm ("yes", else a page asks)',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/learners/:userId/remove', 'instructor', () => 404);
      for (const confirm of ['', 'no', 'YES', SCRIPT, 1, true, null, ['yes']]) {
        const res = await send(w.agents.instructor, 'POST', `/classes/${w.cls.id}/learners/${w.users.learnerA.id}/remove`, { body: { confirm }, json: true });
        expectReadable4xx(res, `confirm=${JSON.stringify(confirm).slice(0, 30)}`, 400);
        expect(res.body.error.message).toBe(SETTINGS_MESSAGES.CONFIRM_INVALID);
      }
      expect(await w.store.classes.isMember(w.cls.id, w.users.learnerA.id)).toBe(true);
    },
  },
  'POST /classes/:classId/instructors': {
    modes: BOTH,
    takes: 'a class id; email of an instructor account',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/instructors', 'instructor', () => 404);
      const target = await w.store.classes.create({ name: 'Co-instructor target', labId: LAB, instructorId: w.users.instructor.id });
      for (const email of ['', '   ', 'not an email', `${'x'.repeat(400)}@example.com`, 'a\u0000b@example.com', SCRIPT, w.users.learnerA.email, 'nobody@example.com', 42, null, ['a@b.c'], { a: 1 }]) {
        expectReadable4xx(await send(w.agents.instructor, 'POST', `/classes/${target.id}/instructors`, { body: { email }, json: true }), `email=${JSON.stringify(email).slice(0, 30)}`, 400);
      }
      expect(await w.store.classes.instructors(target.id)).toHaveLength(1);
    },
  },
  'POST /classes/:classId/instructors/:userId/remove': {
    modes: BOTH,
    takes: 'a class id and a co-instructor\'s id',
    async test(w) {
      await badIds(w, 'POST', '/classes/:classId/instructors/:userId/remove', 'instructor', () => 404);
      const res = await send(w.agents.instructor, 'POST', `/classes/${w.cls.id}/instructors/${w.users.instructor.id}/remove`, { json: true });
      expectReadable4xx(res, 'the owner', 409);
      expect(res.body.error.message).toBe(SETTINGS_MESSAGES.OWNER_STAYS);
    },
  },

  'USE /join requireUser': { modes: BOTH, takes: 'nothing (a guard)', test: async () => undefined },
  'GET /join': { modes: BOTH, takes: 'nothing (junk query only)', test: async () => undefined },
  'GET /join/:code': {
    modes: BOTH,
    takes: 'a join code (spaces, dashes and case forgiven)',
    async test(w) {
      // A learner of their own, since wrong codes are limited per learner: past the limit the answer is a 429, not a 404.
      const guesser = await makeUser(w.store, 'learner');
      await badIds(w, 'GET', '/join/:code', { agent: await signedIn(w.app, guesser), user: guesser }, (_param, kind) => (kind.includes('malformed') || kind === 'lone percent' ? 400 : undefined));
      expect(await w.store.classes.listForLearner(guesser.id)).toEqual([]);
      // The forgiving part: the same code typed loosely still finds the class.
      const loose = `${w.cls.joinCode.slice(0, 4).toLowerCase()}-${w.cls.joinCode.slice(4)}`;
      const res = await send(w.agents.learnerB, 'GET', `/join/${encodeURIComponent(` ${loose} `)}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Networking 101');
    },
  },
  'POST /join': { modes: BOTH, takes: 'code (the forms section below tries it)', test: async () => undefined },
};

// ---------------------------------------------------------------------------------------------------------------------

/** A URL that reaches a route (or a mounted handler) with good values, for the sweeps. */
function reach(w: World, key: string): { method: 'GET' | 'POST'; url: string; as: 'learnerA' | 'instructor' } | undefined {
  const [method, path] = key.split(' ');
  const params = { ...goodParams(w), ...routeParams[key] };
  if (method === 'WS') return undefined;
  if (method === 'USE') {
    const mount = fill(path, params);
    if (mount === '/sandbox/aws') return undefined; // the signing proxy has its own parser and errors: tried above
    if (mount === '/static') return { method: 'GET', url: '/static/style.css', as: 'learnerA' };
    return { method: 'GET', url: mount, as: 'instructor' };
  }
  return { method: method as 'GET' | 'POST', url: fill(path, params), as: path.startsWith('/classes/') || (method === 'POST' && path === '/classes') ? 'instructor' : 'learnerA' };
}

describe.each(BOTH)('bad input, %s mode', (mode) => {
  it('the table lists every route the app serves, and no route it does not', () => {
    const served = [...routesOf(worlds[mode].app), ...(mode === 'sandbox' ? [SHELL_SOCKET_ROUTE] : [])].sort();
    const listed = Object.keys(INPUTS).filter((key) => INPUTS[key].modes.includes(mode)).sort();
    expect(served).toEqual(listed);
  });

  it.each(Object.entries(INPUTS).filter(([, r]) => r.modes.includes(mode)).map(([key, r]) => [key, r.takes, r] as const))('%s (takes %s)', (_key, _takes, input) => input.test(worlds[mode]));

  it('every route: a junk query string is never a 5xx', async () => {
    const w = worlds[mode];
    for (const key of Object.keys(INPUTS).filter((k) => INPUTS[k].modes.includes(mode))) {
      const target = reach(w, key);
      // An event stream that opens never ends by itself; its bad ids are tried in its own entry.
      if (!target || target.method !== 'GET' || key === 'GET /classes/:classId/events') continue;
      expectNot5xx(await send(w.agents[target.as], 'GET', `${target.url}?${JUNK_QUERY}`), `${mode} ${key}`);
      expectNot5xx(await send(w.agents.anonymous, 'GET', `${target.url}?${JUNK_QUERY}`, { json: true }), `${mode} anonymous ${key}`);
    }
  });

  it('every POST route: malformed JSON is a 400, a body over the limit a 413, prototype keys and control characters never a 5xx; nothing is polluted', async () => {
    const w = worlds[mode];
    for (const key of Object.keys(INPUTS).filter((k) => INPUTS[k].modes.includes(mode) && k.startsWith('POST '))) {
      const target = reach(w, key)!;
      const agent = w.agents[target.as];
      const malformed = await agent.post(target.url).set('Content-Type', 'application/json').set('Accept', 'application/json').send('{"_csrf": ');
      expectReadable4xx(malformed, `${mode} ${key} malformed`, 400);
      expect(malformed.body.error.message).toBe('What you sent could not be read.');
      const token = await csrfToken(agent, '/');
      const huge = await agent.post(target.url).type('form').set('Accept', 'application/json').send({ _csrf: token, filler: 'y'.repeat(40_000) });
      expectReadable4xx(huge, `${mode} ${key} huge`, 413);
      expect(huge.body.error.message).toBe('What you sent is too large.');
      const many = await agent.post(target.url).type('form').set('Accept', 'application/json').send(`_csrf=${encodeURIComponent(token)}&${Array.from({ length: 200 }, (_, i) => `f${i}=1`).join('&')}`);
      expectReadable4xx(many, `${mode} ${key} too many fields`);
      const junk = JUNK_JSON.replace('{', `{"_csrf":${JSON.stringify(token)},`);
      const polluting = await agent.post(`${target.url}?${JUNK_QUERY}`).set('Content-Type', 'application/json').set('Accept', 'application/json').send(junk);
      expectNot5xx(polluting, `${mode} ${key} junk JSON`);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).admin).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Forms: every field of every form, as HTML and JSON (AWS mode; the form handlers are the same in both modes).

interface Form {
  url: string;
  agent: () => request.Agent;
  valid: Record<string, string>;
  /** What the store holds that this form could change, to prove a refused post changed nothing. */
  snapshot: () => Promise<unknown>;
}

const aws = () => worlds.aws;
const forms: Record<string, Form> = {
  signup: {
    url: '/signup',
    agent: () => aws().agents.anonymous,
    valid: { name: 'Ada Lovelace', email: 'bad-input@example.com', password: 'a sturdy pass phrase 4 tests' },
    snapshot: () => aws().store.users.findByEmailWithHash('bad-input@example.com'),
  },
  login: {
    url: '/login',
    agent: () => aws().agents.anonymous,
    valid: { email: 'someone@example.com', password: 'a sturdy pass phrase 4 tests' },
    snapshot: async () => null,
  },
  createClass: {
    url: '/classes',
    agent: () => aws().agents.instructor,
    valid: { name: 'Evening class', labId: LAB },
    snapshot: () => aws().store.classes.listForInstructor(aws().users.instructor.id),
  },
  join: {
    url: '/join',
    agent: () => aws().agents.learnerB,
    valid: { code: 'ABCDEFGH' },
    snapshot: () => aws().store.classes.listForLearner(aws().users.learnerB.id),
  },
  connect: {
    url: '/connect',
    agent: () => aws().agents.learnerB,
    // A well-formed ARN that Verilab would then try to assume: every case below breaks one field, so it never gets that far.
    valid: { roleArn: 'arn:aws:iam::111111111111:role/VerilabVerifier', region: 'us-east-1' },
    snapshot: async () => (await aws().store.connections.get(aws().users.learnerB.id))?.roleArn ?? null,
  },
  reflection: {
    url: `/labs/${LAB}/steps/vpcs/reflections/what-is-vpc`,
    agent: () => aws().agents.learnerB,
    valid: { text: 'A VPC is my own private network in AWS.' },
    snapshot: () => aws().store.reflections.forLearner(aws().users.learnerB.id, LAB),
  },
  introReflection: {
    url: `/labs/${LAB}/reflections/${INTRO_PROMPT}`,
    agent: () => aws().agents.learnerB,
    valid: { text: 'I once traced a timeout with tcpdump.' },
    snapshot: () => aws().store.reflections.forLearner(aws().users.learnerB.id, LAB),
  },
};

const badStrings: Record<string, () => string> = {
  empty: () => '',
  blank: () => '   ',
  oversized: () => 'x'.repeat(5000),
  'control characters': () => 'abc\u0000def',
  'escape sequence': () => 'abc\u001b[31mdef',
  script: () => SCRIPT,
};

// Fields whose value a string check can refuse (a login password is compared, never judged). Free text (a name, a class
// name, an answer) may contain "<" and ">": it is escaped wherever it is shown, so markup there is tried separately below.
const judged: Record<string, string[]> = {
  signup: ['name', 'email', 'password'],
  login: ['email'],
  createClass: ['name', 'labId'],
  join: ['code'],
  connect: ['roleArn', 'region'],
  reflection: ['text'],
  introReflection: ['text'],
};
const freeText = new Set(['signup.name', 'signup.password', 'createClass.name', 'reflection.text', 'introReflection.text']);

const tokenPage = (name: string) => (name === 'signup' || name === 'login' ? `/${name}` : '/classes');

describe.each(Object.entries(forms))('bad input: form %s', (name, form) => {
  let before: unknown;
  beforeAll(async () => {
    before = await form.snapshot();
  });
  afterAll(async () => {
    // nothing malformed was stored by any of the refused posts
    expect(await form.snapshot()).toEqual(before);
  });

  const cases = judged[name].flatMap((field) => Object.keys(badStrings).filter((kind) => !(kind === 'script' && freeText.has(`${name}.${field}`))).map((kind) => [field, kind] as const));
  it.each(cases)('%s %s: readable 4xx, as HTML and JSON', async (field, kind) => {
    const value = badStrings[kind]();
    const agent = form.agent();
    const token = await csrfToken(agent, tokenPage(name));
    const html = await agent.post(form.url).type('form').set('Accept', 'text/html').send({ ...form.valid, [field]: value, _csrf: token }).redirects(0);
    expectReadable4xx(html, `${name}.${field} ${kind} html`);
    const json = await agent.post(form.url).set('Accept', 'application/json').send({ ...form.valid, [field]: value, _csrf: token }).redirects(0);
    expectReadable4xx(json, `${name}.${field} ${kind} json`);
  });

  it.each(Object.keys(form.valid))('%s missing, or wrongly typed (number, list, object, null, boolean): 4xx', async (field) => {
    const agent = form.agent();
    const token = await csrfToken(agent, tokenPage(name));
    const { [field]: _dropped, ...rest } = form.valid;
    expectReadable4xx(await agent.post(form.url).set('Accept', 'application/json').send({ ...rest, _csrf: token }).redirects(0), `${name}.${field} missing`);
    for (const wrong of [42, ['a', 'b'], { nested: 'x' }, null, true]) {
      const res = await agent.post(form.url).set('Accept', 'application/json').send({ ...form.valid, [field]: wrong, _csrf: token }).redirects(0);
      expectReadable4xx(res, `${name}.${field} ${JSON.stringify(wrong)}`);
    }
    const repeated = await agent.post(form.url).type('form').set('Accept', 'text/html').send(`${field}=a&${field}=b&_csrf=${encodeURIComponent(token)}`).redirects(0);
    expectReadable4xx(repeated, `${name}.${field} repeated`);
  });
});

describe('bad input: markup in free text', () => {
  // Whether "<" is refused or kept is the text rule's business; either way it is never a 5xx and never shown unescaped.
  it('a class name, an answer and a display name with markup: refused with a 4xx, or stored as typed and shown escaped', async () => {
    const w = worlds.aws;
    const instructor = await signedIn(w.app, await makeUser(w.store, 'instructor'));
    const learner = await makeUser(w.store, 'learner');
    const agent = await signedIn(w.app, learner);
    const text = `cost < budget ${SCRIPT}`;

    const cls = await send(instructor, 'POST', '/classes', { body: { name: text, labId: LAB } });
    expectNot5xx(cls, 'class name');
    if (cls.status === 303) expect((await send(instructor, 'GET', '/classes')).text).toContain('cost &lt; budget &lt;script&gt;');

    const answer = await send(agent, 'POST', `/labs/${LAB}/steps/vpcs/reflections/what-is-vpc`, { body: { text } });
    expectNot5xx(answer, 'answer');
    const stored = await w.store.reflections.forLearner(learner.id, LAB, 'vpcs');
    if (answer.status === 303) {
      expect(stored.map((r) => r.text)).toEqual([text]);
      expect((await send(agent, 'GET', `/labs/${LAB}/steps/vpcs`)).text).not.toContain(SCRIPT);
    } else expect(stored).toEqual([]);

    const signup = await send(request.agent(w.app), 'POST', '/signup', { body: { name: text, email: 'markup-name@example.com', password: 'a sturdy pass phrase 4 tests' }, from: '/signup' });
    expectNot5xx(signup, 'display name');
    const user = await w.store.users.findByEmailWithHash('markup-name@example.com');
    if (signup.status === 303) expect(user?.name).toBe(text);
    else expect(user).toBeUndefined();
  });
});

describe('bad input: specifics', () => {
  it('reflection too long: says the limit and keeps the draft in the form', async () => {
    const w = worlds.aws;
    const token = await csrfToken(w.agents.learnerB, `/labs/${LAB}/steps/vpcs`);
    const res = await w.agents.learnerB.post(`/labs/${LAB}/steps/vpcs/reflections/what-is-vpc`).type('form').send({ _csrf: token, text: 'w'.repeat(2001) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Your answer must be at most 2000 characters.');
    expect(res.text).toContain('w'.repeat(2001));
  });

  it('unknown reflection prompt: 404, nothing stored', async () => {
    const w = worlds.aws;
    const token = await csrfToken(w.agents.learnerB, `/labs/${LAB}/steps/vpcs`);
    await w.agents.learnerB.post(`/labs/${LAB}/steps/vpcs/reflections/no-such-prompt`).type('form').send({ _csrf: token, text: 'hello' }).expect(404);
    expect((await w.store.reflections.forLearner(w.users.learnerB.id, LAB, 'vpcs')).map((r) => r.promptId)).not.toContain('no-such-prompt');
  });

  it('an unknown lab for a class: 400 naming the field', async () => {
    const w = worlds.aws;
    const token = await csrfToken(w.agents.instructor, '/classes');
    const res = await w.agents.instructor.post('/classes').set('Accept', 'application/json').send({ _csrf: token, name: 'X', labId: 'no-such-lab' }).expect(400);
    expect(res.body.error.fields.labId).toBe('Choose one of the labs in the list.');
  });

  it('WS /shell/ws: a missing or empty size is the default 80x24 terminal, not the smallest one', async () => {
    const w = worlds.sandbox;
    const socket = await startShellSocket(w.app, w.store);
    try {
      const cookie = await sessionCookie(w.app, w.users.learnerA);
      for (const query of ['', '?cols=&rows=', '?cols=100', '?rows=30']) expect((await openSocket(`${socket.url}${query}`, { origin: socket.origin, cookie })).code).toBe(4503);
      expect(socket.opened.map((o) => [o.cols, o.rows])).toEqual([[80, 24], [80, 24], [100, 24], [80, 30]]);
    } finally {
      await socket.close();
    }
  });

  it('a malformed or oversized session cookie is an anonymous visitor, not an error', async () => {
    for (const w of Object.values(worlds)) {
      for (const cookie of ['verilab_session=%E0%A4%A', `verilab_session=${'s'.repeat(4000)}`, 'verilab_session=', 'verilab_session=a; verilab_session=b', 'verilab_csrf=%00; verilab_session=%00']) {
        const res = await request(w.app).get('/classes').set('Cookie', cookie).set('Accept', 'text/html').redirects(0);
        expect({ cookie: cookie.slice(0, 40), status: res.status }).toEqual({ cookie: cookie.slice(0, 40), status: 303 });
        expect(res.headers.location).toMatch(/^\/login\?next=/);
      }
    }
  });
});
