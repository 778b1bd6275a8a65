// Sign-in and sign-up limits as a classroom behind one address meets them: failures count, successes do not.
import request from 'supertest';
import { TEST_PASSWORD, createTestContext, csrfToken, makeUser, type TestContext } from '../../helpers/app';

jest.setTimeout(120_000);

const contexts: TestContext[] = [];
/** An app with its own limits; every request from supertest comes from the same address (loopback). */
async function app(overrides: Record<string, string> = {}): Promise<TestContext> {
  const ctx = await createTestContext(overrides);
  contexts.push(ctx);
  return ctx;
}
afterAll(async () => {
  for (const ctx of contexts) await ctx.close();
});

async function signIn(ctx: TestContext, email: string, password: string) {
  const agent = request.agent(ctx.app);
  const token = await csrfToken(agent);
  return agent.post('/login').type('form').send({ _csrf: token, email, password });
}

describe('sign-up: a class of 60 behind one address', () => {
  it('60 learners sign up from one address with the default limits: every one is signed in, and each can sign in again', async () => {
    const ctx = await app({ AUTH_RATE_LIMIT_PER_15_MIN: '20' });
    const statuses: number[] = [];
    for (let i = 1; i <= 60; i++) {
      const agent = request.agent(ctx.app);
      const token = await csrfToken(agent, '/signup');
      const res = await agent.post('/signup').type('form').send({ _csrf: token, name: `Learner ${i}`, email: `class-${i}@school.example`, password: TEST_PASSWORD });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(60).fill(303));
    expect(await ctx.store.users.findByEmailWithHash('class-60@school.example')).toMatchObject({ name: 'Learner 60' });
    const again: number[] = [];
    for (let i = 1; i <= 60; i++) again.push((await signIn(ctx, `class-${i}@school.example`, TEST_PASSWORD)).status);
    expect(again).toEqual(Array(60).fill(303));
  });

  it('a script creating accounts from one address meets the per-address ceiling: 429 with Retry-After and a readable message', async () => {
    const ctx = await app({ AUTH_RATE_LIMIT_PER_15_MIN: '20' });
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    // Refused forms cost no hash, so the test is quick; they count towards the ceiling like any attempt.
    for (let i = 0; i < 200; i++) await agent.post('/signup').type('form').send({ _csrf: token, name: 'Bot', email: `bot-${i}@spam.example`, password: 'short' }).expect(400);
    const html = await agent.post('/signup').type('form').send({ _csrf: token, name: 'Bot', email: 'bot-last@spam.example', password: TEST_PASSWORD }).expect(429);
    expect(Number(html.headers['retry-after'])).toBeGreaterThan(0);
    expect(html.text).toContain('Too many accounts were created from your network');
    expect(html.text).toContain('action="/signup"');
    const json = await agent.post('/signup').set('Accept', 'application/json').send({ _csrf: token, name: 'Bot', email: 'bot-json@spam.example', password: TEST_PASSWORD }).expect(429);
    expect(json.body.error).toMatchObject({ code: 'SIGNUP_RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(await ctx.store.users.findByEmailWithHash('bot-last@spam.example')).toBeUndefined();
  });

  it('SIGNUP_RATE_LIMIT_PER_HOUR sets the per-address ceiling: with 3, the fourth attempt is refused', async () => {
    const ctx = await app({ SIGNUP_RATE_LIMIT_PER_HOUR: '3' });
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    for (let i = 0; i < 3; i++) await agent.post('/signup').type('form').send({ _csrf: token, name: 'Bot', email: `bot-${i}@spam.example`, password: 'short' }).expect(400);
    await agent.post('/signup').type('form').send({ _csrf: token, name: 'Bot', email: 'bot-4@spam.example', password: TEST_PASSWORD }).expect(429);
  });
});

describe('sign-in: keyed on the email and the address', () => {
  it('failed sign-ins for one email are limited; another email from the same address still signs in, and still gets its own 401', async () => {
    const ctx = await app({ AUTH_RATE_LIMIT_PER_15_MIN: '3' });
    const victim = await makeUser(ctx.store);
    const classmate = await makeUser(ctx.store);
    for (let i = 0; i < 3; i++) expect((await signIn(ctx, victim.email, 'not the password')).status).toBe(401);
    const limited = await signIn(ctx, victim.email.toUpperCase(), 'not the password');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.text).toContain('Too many failed sign-ins for this email');
    // even the right password waits: the limit is what stops guessing
    expect((await signIn(ctx, victim.email, TEST_PASSWORD)).status).toBe(429);

    expect((await signIn(ctx, classmate.email, 'not the password')).status).toBe(401);
    expect((await signIn(ctx, classmate.email, TEST_PASSWORD)).status).toBe(303);
  });

  it('successful sign-ins are not counted: one email signs in many times from one address', async () => {
    const ctx = await app({ AUTH_RATE_LIMIT_PER_15_MIN: '3' });
    const user = await makeUser(ctx.store);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await signIn(ctx, user.email, TEST_PASSWORD)).status);
    expect(statuses).toEqual(Array(10).fill(303));
    expect((await signIn(ctx, user.email, 'not the password')).status).toBe(401);
  });

  it('failed sign-ins over many emails from one address meet a looser per-address ceiling (ten times the per-email limit)', async () => {
    const ctx = await app({ AUTH_RATE_LIMIT_PER_15_MIN: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await signIn(ctx, `spray-${i}@example.com`, 'Summer2026!!')).status);
    expect(statuses).toEqual(Array(20).fill(401));
    const res = await signIn(ctx, 'spray-last@example.com', 'Summer2026!!');
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many failed sign-ins from your network');
  });
});
