import request from 'supertest';
import { SESSION_COOKIE, csrfCookieName } from '../../../server/web/security';
import { TEST_PASSWORD, createTestContext, csrfToken, makeUser, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

function cookieHeader(res: request.Response, name: string): string | undefined {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith(`${name}=`));
}

describe('sign up', () => {
  it('new learner: stored with an argon2id hash, signed in with an httpOnly SameSite=Lax cookie, sent to next', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    const res = await agent
      .post('/signup')
      .type('form')
      .send({ _csrf: token, name: 'Grace Hopper', email: 'Grace@Example.com', password: TEST_PASSWORD, next: '/labs/vpc-flow-logs/steps/ping' })
      .expect(303);
    expect(res.headers.location).toBe('/labs/vpc-flow-logs/steps/ping');
    const cookie = cookieHeader(res, SESSION_COOKIE)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const stored = await ctx.store.users.findByEmailWithHash('grace@example.com');
    expect(stored).toMatchObject({ name: 'Grace Hopper', role: 'learner' });
    expect(stored!.passwordHash).toMatch(/^\$argon2id\$/);
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('Grace Hopper');
    expect(page.text).toContain('Sign out');
  });

  it('email taken: 409, says so, keeps the name and email filled', async () => {
    const existing = await makeUser(ctx.store);
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: token, name: 'Someone', email: existing.email, password: TEST_PASSWORD }).expect(409);
    expect(res.text).toContain('An account with this email already exists');
    expect(res.text).toContain(`value="${existing.email}"`);
    expect(res.text).toContain('value="Someone"');
    expect(cookieHeader(res, SESSION_COOKIE)).toBeUndefined();
  });

  it('password too short: 400 with the rule, form kept, password not echoed', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: token, name: 'Short', email: 'short@example.com', password: 'abc12' }).expect(400);
    expect(res.text).toContain('Password must be at least 10 characters.');
    expect(res.text).toContain('value="short@example.com"');
    expect(res.text).not.toContain('abc12');
    expect(await ctx.store.users.findByEmailWithHash('short@example.com')).toBeUndefined();
  });

  it('Secure cookies when served over https', async () => {
    const https = await createTestContext({ PUBLIC_URL: 'https://labs.example.com' });
    try {
      const agent = request.agent(https.app);
      const res = await agent.get('/login').expect(200);
      expect(cookieHeader(res, csrfCookieName(true))).toMatch(/Secure/);
      expect(res.headers['strict-transport-security']).toBeDefined();
    } finally {
      await https.close();
    }
  });
});

describe('sign in and out', () => {
  it('wrong password: 401, clear message, email kept', async () => {
    const user = await makeUser(ctx.store);
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: token, email: user.email, password: 'not the password' }).expect(401);
    expect(res.text).toContain('That email and password do not match an account.');
    expect(res.text).toContain(`value="${user.email}"`);
  });

  it('unknown email: the same message as a wrong password', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: token, email: 'nobody@example.com', password: TEST_PASSWORD }).expect(401);
    expect(res.text).toContain('That email and password do not match an account.');
  });

  it('right password: signed in; sign out ends the session in the database too', async () => {
    const user = await makeUser(ctx.store, 'learner', 'Katherine');
    const agent = request.agent(ctx.app);
    let token = await csrfToken(agent);
    const login = await agent.post('/login').type('form').send({ _csrf: token, email: user.email.toUpperCase(), password: TEST_PASSWORD }).expect(303);
    const sessionToken = /verilab_session=([^;]+)/.exec(cookieHeader(login, SESSION_COOKIE)!)![1];
    expect((await ctx.store.sessions.findUser(sessionToken))?.id).toBe(user.id);
    token = await csrfToken(agent, '/');
    await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
    expect(await ctx.store.sessions.findUser(sessionToken)).toBeUndefined();
    const page = await agent.get('/').expect(200);
    expect(page.text).not.toContain('Katherine');
  });

  it('next: only same-site paths are followed after sign-in', async () => {
    const user = await makeUser(ctx.store);
    for (const next of ['https://evil.example.com/', '//evil.example.com', '/\\evil.example.com']) {
      const agent = request.agent(ctx.app);
      const token = await csrfToken(agent);
      const res = await agent.post('/login').type('form').send({ _csrf: token, email: user.email, password: TEST_PASSWORD, next }).expect(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('rate limit: too many failed sign-ins for one email get 429 with a readable message', async () => {
    const limited = await createTestContext({ AUTH_RATE_LIMIT_PER_15_MIN: '3' });
    try {
      const agent = request.agent(limited.app);
      const token = await csrfToken(agent);
      for (let i = 0; i < 3; i++) await agent.post('/login').type('form').send({ _csrf: token, email: 'x@example.com', password: 'wrong password' }).expect(401);
      const res = await agent.post('/login').type('form').send({ _csrf: token, email: 'x@example.com', password: 'wrong password' }).expect(429);
      expect(res.text).toContain('Too many failed sign-ins for this email');
    } finally {
      await limited.close();
    }
  });
});

describe('security headers', () => {
  it('strict CSP without inline script, no powered-by, no HSTS on plain http', async () => {
    const res = await request(ctx.app).get('/').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/);
  });
});
