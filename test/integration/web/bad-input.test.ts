// Posts oversized, empty, wrongly typed and script-carrying values to every form: always a readable 4xx, nothing stored.
import request from 'supertest';
import type { User } from '../../../server/store/users';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
let learner: User;
let instructor: User;
let learnerAgent: request.Agent;
let instructorAgent: request.Agent;
let anonymous: request.Agent;

beforeAll(async () => {
  ctx = await createTestContext();
  learner = await makeUser(ctx.store, 'learner');
  instructor = await makeUser(ctx.store, 'instructor');
  learnerAgent = await signedIn(ctx.app, learner);
  instructorAgent = await signedIn(ctx.app, instructor);
  anonymous = request.agent(ctx.app);
});
afterAll(() => ctx.close());

interface Form {
  url: string;
  agent: () => request.Agent;
  valid: Record<string, string>;
  /** What the store holds that this form could change, to prove a refused post changed nothing. */
  snapshot: () => Promise<unknown>;
}

const forms: Record<string, Form> = {
  signup: {
    url: '/signup',
    agent: () => anonymous,
    valid: { name: 'Ada Lovelace', email: 'bad-input@example.com', password: 'a long enough password' },
    snapshot: () => ctx.store.users.findByEmailWithHash('bad-input@example.com'),
  },
  login: {
    url: '/login',
    agent: () => anonymous,
    valid: { email: 'someone@example.com', password: 'a long enough password' },
    snapshot: async () => null,
  },
  createClass: {
    url: '/classes',
    agent: () => instructorAgent,
    valid: { name: 'Evening class', labId: 'vpc-flow-logs' },
    snapshot: () => ctx.store.classes.listForInstructor(instructor.id),
  },
  join: {
    url: '/join',
    agent: () => learnerAgent,
    valid: { code: 'ABCDEFGH' },
    snapshot: () => ctx.store.classes.listForLearner(learner.id),
  },
  connect: {
    url: '/connect',
    agent: () => learnerAgent,
    // A well-formed ARN that Verilab will then try (and, with no AWS here, fail to assume): still a 4xx, nothing stored.
    valid: { roleArn: 'arn:aws:iam::111111111111:role/VerilabVerifier', region: 'us-east-1' },
    snapshot: async () => (await ctx.store.connections.get(learner.id))?.roleArn ?? null,
  },
  reflection: {
    url: '/labs/vpc-flow-logs/steps/vpcs/reflections/what-is-vpc',
    agent: () => learnerAgent,
    valid: { text: 'A VPC is my own private network in AWS.' },
    snapshot: () => ctx.store.reflections.forLearner(learner.id, 'vpc-flow-logs'),
  },
};

const SCRIPT = '<script>alert("x")</script>';
const badStrings: Record<string, (field: string) => string> = {
  empty: () => '',
  blank: () => '   ',
  oversized: () => 'x'.repeat(5000),
  script: () => SCRIPT,
  'control characters': () => 'abc\u0000def',
};

// Fields whose value a string check can refuse (a login password is compared, never judged). A new password may
// contain "<script>": it is hashed and never shown, and refusing characters would only weaken passwords.
const judged: Record<string, string[]> = {
  signup: ['name', 'email', 'password'],
  login: ['email'],
  createClass: ['name', 'labId'],
  join: ['code'],
  connect: ['roleArn', 'region'],
  reflection: ['text'],
};

function expectReadable4xx(res: request.Response, label: string) {
  expect({ label, client: res.status >= 400 && res.status < 500 }).toEqual({ label, client: true });
  const message = res.type === 'application/json' ? (res.body as { error?: { message?: string } }).error?.message : res.text;
  expect(message && message.length > 0).toBe(true);
  expect(res.text).not.toContain(SCRIPT);
  expect(res.text).not.toMatch(/Something went wrong on our side/);
}

describe.each(Object.entries(forms))('bad input: %s', (name, form) => {
  let before: unknown;
  beforeAll(async () => {
    before = await form.snapshot();
  });
  afterAll(async () => {
    // nothing malformed was stored by any of the refused posts
    expect(await form.snapshot()).toEqual(before);
  });

  it.each(judged[name].flatMap((field) => Object.keys(badStrings).filter((kind) => !(field === 'password' && kind === 'script')).map((kind) => [field, kind] as const)))('%s %s: readable 4xx, as HTML and JSON', async (field, kind) => {
    const value = badStrings[kind](field);
    const agent = form.agent();
    const token = await csrfToken(agent, name === 'signup' || name === 'login' ? `/${name}` : '/classes');
    const html = await agent.post(form.url).type('form').set('Accept', 'text/html').send({ ...form.valid, [field]: value, _csrf: token }).redirects(0);
    expectReadable4xx(html, `${name}.${field} ${kind} html`);
    const json = await agent.post(form.url).set('Accept', 'application/json').send({ ...form.valid, [field]: value, _csrf: token }).redirects(0);
    expectReadable4xx(json, `${name}.${field} ${kind} json`);
  });

  it.each(Object.keys(form.valid))('%s wrongly typed (number, list, object): 4xx', async (field) => {
    const agent = form.agent();
    const token = await csrfToken(agent, name === 'signup' || name === 'login' ? `/${name}` : '/classes');
    for (const wrong of [42, ['a', 'b'], { nested: 'x' }, null, true]) {
      const res = await agent.post(form.url).set('Accept', 'application/json').send({ ...form.valid, [field]: wrong, _csrf: token }).redirects(0);
      expectReadable4xx(res, `${name}.${field} ${JSON.stringify(wrong)}`);
    }
    const repeated = await agent.post(form.url).type('form').set('Accept', 'text/html').send(`${field}=a&${field}=b&_csrf=${encodeURIComponent(token)}`).redirects(0);
    expectReadable4xx(repeated, `${name}.${field} repeated`);
  });

  it('a body over the size limit: 413 with a readable message', async () => {
    const agent = form.agent();
    const token = await csrfToken(agent, name === 'signup' || name === 'login' ? `/${name}` : '/classes');
    const res = await agent.post(form.url).type('form').set('Accept', 'application/json').send({ ...form.valid, _csrf: token, filler: 'y'.repeat(40_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe('What you sent is too large.');
  });

  it('malformed JSON: 400 with a readable message', async () => {
    const res = await form.agent().post(form.url).set('Content-Type', 'application/json').set('Accept', 'application/json').send('{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('What you sent could not be read.');
  });
});

describe('bad input: specifics', () => {
  it('reflection too long: says the limit and keeps the draft in the form', async () => {
    const token = await csrfToken(learnerAgent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await learnerAgent.post('/labs/vpc-flow-logs/steps/vpcs/reflections/what-is-vpc').type('form').send({ _csrf: token, text: 'w'.repeat(2001) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Your answer must be at most 2000 characters.');
    expect(res.text).toContain('w'.repeat(2001));
  });

  it('unknown reflection prompt: 404, nothing stored', async () => {
    const token = await csrfToken(learnerAgent, '/labs/vpc-flow-logs/steps/vpcs');
    await learnerAgent.post('/labs/vpc-flow-logs/steps/vpcs/reflections/no-such-prompt').type('form').send({ _csrf: token, text: 'hello' }).expect(404);
    expect(await ctx.store.reflections.forLearner(learner.id, 'vpc-flow-logs', 'vpcs')).toEqual([]);
  });

  it('an unknown lab for a class: 400 naming the field', async () => {
    const token = await csrfToken(instructorAgent, '/classes');
    const res = await instructorAgent.post('/classes').set('Accept', 'application/json').send({ _csrf: token, name: 'X', labId: 'no-such-lab' }).expect(400);
    expect(res.body.error.fields.labId).toBe('Choose one of the labs in the list.');
  });
});
