// Walks every route as five actors and asserts who may see and do what.
import type { Express } from 'express';
import request from 'supertest';
import type { ClassInfo } from '../../../server/store/classes';
import type { User } from '../../../server/store/users';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

type Actor = 'anonymous' | 'learnerA' | 'learnerB' | 'instructor' | 'otherInstructor';
const ACTORS: Actor[] = ['anonymous', 'learnerA', 'learnerB', 'instructor', 'otherInstructor'];

let ctx: TestContext;
let app: Express;
const users = {} as Record<Exclude<Actor, 'anonymous'>, User>;
const agents = {} as Record<Actor, request.Agent>;
let cls: ClassInfo;
const SECRET_A = 'Learner A reflection: the first ping had no route.';
const SECRET_B = 'Learner B thinks about CIDR overlap.';

beforeAll(async () => {
  ctx = await createTestContext();
  app = ctx.app;
  users.learnerA = await makeUser(ctx.store, 'learner', 'Alice Learner');
  users.learnerB = await makeUser(ctx.store, 'learner', 'Bob Learner');
  users.instructor = await makeUser(ctx.store, 'instructor', 'Ines Instructor');
  users.otherInstructor = await makeUser(ctx.store, 'instructor', 'Otto Instructor');
  agents.anonymous = request.agent(app);
  for (const actor of ACTORS.filter((a) => a !== 'anonymous') as Exclude<Actor, 'anonymous'>[]) agents[actor] = await signedIn(app, users[actor]);

  cls = await ctx.store.classes.create({ name: 'Networking 101', labId: 'vpc-flow-logs', instructorId: users.instructor.id });
  await ctx.store.classes.enroll(cls.id, users.learnerA.id);
  await ctx.store.reflections.save({ userId: users.learnerA.id, labId: 'vpc-flow-logs', stepId: 'ping', promptId: 'first-ping-failed', text: SECRET_A });
  await ctx.store.reflections.save({ userId: users.learnerB.id, labId: 'vpc-flow-logs', stepId: 'ping', promptId: 'first-ping-failed', text: SECRET_B });
  await ctx.store.progress.recordAttempt({ userId: users.learnerA.id, labId: 'vpc-flow-logs', stepId: 'vpcs', status: 'passed', checks: [], evidence: {}, durationMs: 5 });
});
afterAll(() => ctx.close());

interface Expectation {
  status: number;
  location?: RegExp;
  contains?: string[];
  lacks?: string[];
}

type Table = Record<Actor, Expectation>;

async function get(actor: Actor, url: string) {
  return agents[actor].get(url).set('Accept', 'text/html').redirects(0);
}

async function post(actor: Actor, url: string, body: Record<string, string>) {
  const token = await csrfToken(agents[actor], '/');
  return agents[actor].post(url).type('form').set('Accept', 'text/html').send({ _csrf: token, ...body }).redirects(0);
}

function check(res: request.Response, want: Expectation, label: string) {
  expect({ label, status: res.status }).toEqual({ label, status: want.status });
  if (want.location) expect(res.headers.location).toMatch(want.location);
  for (const text of want.contains ?? []) expect(res.text).toContain(text);
  for (const text of want.lacks ?? []) expect(res.text).not.toContain(text);
}

const toLogin = { status: 303, location: /^\/login\?next=/ };
const ok = (extra: Omit<Expectation, 'status'> = {}) => ({ status: 200, ...extra });
const notFound = { status: 404, contains: ['There is no class here, or it is not one of yours.'] };

describe('authorization: GET routes', () => {
  const publicPages = ['/', '/labs/vpc-flow-logs', '/labs/vpc-flow-logs/finish', '/login', '/signup', '/healthz', '/labs/vpc-flow-logs/verifier-role.yaml'];
  it.each(publicPages)('%s: open to everyone', async (url) => {
    for (const actor of ACTORS) check(await get(actor, url), ok(), `${actor} ${url}`);
  });

  it('step page: each learner sees only their own reflection; anonymous sees the prompts and a sign-in link', async () => {
    const url = '/labs/vpc-flow-logs/steps/ping';
    const table: Table = {
      anonymous: ok({ contains: ['Sign in</a> to save your answers', 'next=%2Flabs%2Fvpc-flow-logs%2Fsteps%2Fping'], lacks: [SECRET_A, SECRET_B] }),
      learnerA: ok({ contains: [SECRET_A], lacks: [SECRET_B] }),
      learnerB: ok({ contains: [SECRET_B], lacks: [SECRET_A] }),
      instructor: ok({ lacks: [SECRET_A, SECRET_B] }),
      otherInstructor: ok({ lacks: [SECRET_A, SECRET_B] }),
    };
    for (const actor of ACTORS) check(await get(actor, url), table[actor], `${actor} ${url}`);
  });

  it('step list status: a learner sees only their own progress', async () => {
    const a = await get('learnerA', '/labs/vpc-flow-logs');
    const b = await get('learnerB', '/labs/vpc-flow-logs');
    expect(a.text).toMatch(/step-item status-passed[^"]*">\s*<a href="\/labs\/vpc-flow-logs\/steps\/vpcs"/);
    expect(b.text).not.toContain('status-passed');
  });

  it('/classes: sign-in required; each user sees only their own classes', async () => {
    const table: Table = {
      anonymous: toLogin,
      learnerA: ok({ contains: ['Networking 101'] }),
      learnerB: ok({ lacks: ['Networking 101'] }),
      instructor: ok({ contains: ['Networking 101', cls.joinCode] }),
      otherInstructor: ok({ lacks: ['Networking 101', cls.joinCode] }),
    };
    for (const actor of ACTORS) check(await get(actor, '/classes'), table[actor], actor);
  });

  it('/classes/:id: only the class instructor; learners are refused, other instructors see a 404', async () => {
    const url = `/classes/${cls.id}`;
    const table: Table = {
      anonymous: toLogin,
      learnerA: { status: 403, contains: ['Only instructors can do that.'] },
      learnerB: { status: 403 },
      instructor: ok({ contains: ['Networking 101', cls.joinCode, `/join/${cls.joinCode}`, 'Alice Learner'], lacks: ['Bob Learner'] }),
      otherInstructor: notFound,
    };
    for (const actor of ACTORS) check(await get(actor, url), table[actor], actor);
  });

  it('/classes/:id/learners/:id: only the class instructor sees a learner\'s work', async () => {
    const url = `/classes/${cls.id}/learners/${users.learnerA.id}`;
    const table: Table = {
      anonymous: toLogin,
      learnerA: { status: 403, lacks: [SECRET_A] },
      learnerB: { status: 403, lacks: [SECRET_A] },
      instructor: ok({ contains: ['Alice Learner', SECRET_A], lacks: [SECRET_B] }),
      otherInstructor: { ...notFound, lacks: [SECRET_A] },
    };
    for (const actor of ACTORS) check(await get(actor, url), table[actor], actor);
  });

  it('an instructor cannot open a learner of their class who is not enrolled (learner B)', async () => {
    check(await get('instructor', `/classes/${cls.id}/learners/${users.learnerB.id}`), { status: 404, lacks: [SECRET_B] }, 'instructor');
  });

  it('/connect: sign-in required; each learner sees only their own ExternalId', async () => {
    const a = await get('learnerA', '/connect');
    const b = await get('learnerB', '/connect');
    const idA = (await ctx.store.connections.get(users.learnerA.id))!.externalId;
    const idB = (await ctx.store.connections.get(users.learnerB.id))!.externalId;
    expect(idA).not.toBe(idB);
    check(a, ok({ contains: [idA], lacks: [idB] }), 'learnerA');
    check(b, ok({ contains: [idB], lacks: [idA] }), 'learnerB');
    check(await get('anonymous', '/connect'), toLogin, 'anonymous');
    check(await get('instructor', '/connect'), ok({ lacks: [idA, idB] }), 'instructor');
  });

  it('/join and /join/:code: sign-in required; unknown code is a 404', async () => {
    for (const url of ['/join', `/join/${cls.joinCode}`]) {
      check(await get('anonymous', url), toLogin, `anonymous ${url}`);
      check(await get('learnerB', url), ok(), `learnerB ${url}`);
    }
    check(await get('learnerA', `/join/${cls.joinCode}`), ok({ contains: ['You are already in this class.'] }), 'learnerA');
    check(await get('learnerB', '/join/ZZZZZZZZ'), { status: 404, contains: ['No class has that join code.'] }, 'unknown code');
  });
});

describe('authorization: POST routes', () => {
  it('POST /classes: only instructors create classes', async () => {
    const table: Table = {
      anonymous: { status: 401 },
      learnerA: { status: 403 },
      learnerB: { status: 403 },
      instructor: { status: 303, location: /^\/classes\/[0-9a-f-]{36}$/ },
      otherInstructor: { status: 303, location: /^\/classes\/[0-9a-f-]{36}$/ },
    };
    for (const actor of ACTORS) check(await post(actor, '/classes', { name: `Class by ${actor}`, labId: 'vpc-flow-logs' }), table[actor], actor);
    const mine = await ctx.store.classes.listForInstructor(users.instructor.id);
    expect(mine.map((c) => c.name).sort()).toEqual(['Class by instructor', 'Networking 101']);
  });

  it('POST /join: learners join; instructors and anonymous cannot', async () => {
    const extra = await ctx.store.classes.create({ name: 'Join target', labId: 'vpc-flow-logs', instructorId: users.otherInstructor.id });
    const table: Table = {
      anonymous: { status: 401 },
      learnerA: { status: 303, location: new RegExp(`^/classes\\?joined=${extra.id}$`) },
      learnerB: { status: 303, location: new RegExp(`^/classes\\?joined=${extra.id}$`) },
      instructor: { status: 403, contains: ['Instructors cannot join classes as learners'] },
      otherInstructor: { status: 403 },
    };
    for (const actor of ACTORS) check(await post(actor, '/join', { code: extra.joinCode }), table[actor], actor);
    expect((await ctx.store.classes.members(extra.id)).map((m) => m.name).sort()).toEqual(['Alice Learner', 'Bob Learner']);
  });

  it('POST reflections: signed-in users save their own; anonymous is refused', async () => {
    const url = '/labs/vpc-flow-logs/steps/vpcs/reflections/what-is-vpc';
    check(await post('anonymous', url, { text: 'anon' }), { status: 401 }, 'anonymous');
    check(await post('learnerB', url, { text: 'Bob on VPCs' }), { status: 303, location: /\?saved=what-is-vpc#reflection-what-is-vpc$/ }, 'learnerB');
    const a = await ctx.store.reflections.forLearner(users.learnerA.id, 'vpc-flow-logs', 'vpcs');
    const b = await ctx.store.reflections.forLearner(users.learnerB.id, 'vpc-flow-logs', 'vpcs');
    expect(a).toEqual([]);
    expect(b.map((r) => r.text)).toEqual(['Bob on VPCs']);
  });

  it('POST check routes: sign-in required; a signed-in user without a connection is told to connect', async () => {
    for (const url of ['/labs/vpc-flow-logs/steps/vpcs/check', '/labs/vpc-flow-logs/check', '/labs/vpc-flow-logs/cleanup']) {
      check(await post('anonymous', url, {}), { status: 401 }, `anonymous ${url}`);
      check(await post('learnerB', url, {}), { status: 409, contains: ['Connect your AWS account first'] }, `learnerB ${url}`);
    }
    expect(await ctx.store.progress.attempts(users.learnerB.id, 'vpc-flow-logs')).toEqual([]);
  });

  it('POST /connect: sign-in required; a learner only ever changes their own connection', async () => {
    check(await post('anonymous', '/connect', { roleArn: 'arn:aws:iam::111111111111:role/X', region: 'us-east-1' }), { status: 401 }, 'anonymous');
    const before = await ctx.store.connections.get(users.learnerA.id);
    check(await post('learnerB', '/connect', { roleArn: 'not an arn', region: 'us-east-1' }), { status: 400 }, 'learnerB');
    expect(await ctx.store.connections.get(users.learnerA.id)).toEqual(before);
  });

  it('POST /logout works for everyone', async () => {
    const fresh = request.agent(app);
    const token = await csrfToken(fresh, '/');
    await fresh.post('/logout').type('form').send({ _csrf: token }).expect(303);
  });
});

describe('CSRF', () => {
  const posts: [string, Record<string, string>][] = [
    ['/signup', { name: 'X', email: 'csrf@example.com', password: 'long enough password' }],
    ['/login', { email: 'csrf@example.com', password: 'long enough password' }],
    ['/logout', {}],
    ['/classes', { name: 'Sneaky', labId: 'vpc-flow-logs' }],
    ['/join', { code: 'ABCDEFGH' }],
    ['/labs/vpc-flow-logs/steps/vpcs/reflections/what-is-vpc', { text: 'forged' }],
    ['/connect', { roleArn: 'arn:aws:iam::111111111111:role/Forged', region: 'us-east-1' }],
    ['/labs/vpc-flow-logs/steps/vpcs/check', {}],
    ['/labs/vpc-flow-logs/check', {}],
    ['/labs/vpc-flow-logs/cleanup', {}],
  ];

  it.each(posts)('POST %s without the token: 403 for every actor, nothing changes', async (url, body) => {
    for (const actor of ACTORS) {
      const res = await agents[actor].post(url).type('form').set('Accept', 'text/html').send(body).redirects(0);
      expect({ actor, status: res.status }).toEqual({ actor, status: 403 });
      expect(res.text).toContain('This form has expired or was not sent from Verilab');
    }
    expect(await ctx.store.users.findByEmailWithHash('csrf@example.com')).toBeUndefined();
    expect((await ctx.store.classes.listForInstructor(users.instructor.id)).some((c) => c.name === 'Sneaky')).toBe(false);
  });

  it('a token from another browser (another cookie) is refused', async () => {
    const other = await csrfToken(agents.learnerB, '/');
    const res = await agents.learnerA.post('/labs/vpc-flow-logs/steps/vpcs/reflections/what-is-vpc').type('form').send({ _csrf: other, text: 'forged' });
    expect(res.status).toBe(403);
    expect(await ctx.store.reflections.forLearner(users.learnerA.id, 'vpc-flow-logs', 'vpcs')).toEqual([]);
  });
});
