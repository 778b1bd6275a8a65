// CSRF tokens bound to the session: a planted cookie and token do not verify, sign-in and sign-out rotate the token, __Host- on https.
import request from 'supertest';
import { TEST_PASSWORD, createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const STEP = '/labs/vpc-flow-logs/steps/ping';
const REFLECTION = `${STEP}/reflections/first-ping-failed`;

function setCookies(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

/** name=value of each cookie the response sets (attributes dropped), for a Cookie header. */
function cookiePairs(res: request.Response): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const c of setCookies(res)) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    pairs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return pairs;
}

const header = (pairs: Record<string, string>) => Object.entries(pairs).map(([k, v]) => `${k}=${v}`).join('; ');
const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1];

describe('CSRF: a visitor gets a token, and its cookie, only with a form', () => {
  it('the lab pages a visitor reads set no cookie and carry no token; the sign-in form does both, and its token verifies', async () => {
    for (const page of ['/', '/labs/vpc-flow-logs', STEP, '/labs/vpc-flow-logs/finish']) {
      const res = await request(ctx.app).get(page).expect(200);
      expect({ page, cookies: setCookies(res), token: tokenIn(res.text) }).toEqual({ page, cookies: [], token: undefined });
    }
    // The step page is kept once rendered: the next visitor still gets no cookie, and a signed-in learner gets their token.
    expect(setCookies(await request(ctx.app).get(STEP).expect(200))).toEqual([]);
    const agent = request.agent(ctx.app);
    const login = await agent.get('/login').expect(200);
    expect(Object.keys(cookiePairs(login))).toEqual(['verilab_csrf']);
    const learner = await makeUser(ctx.store);
    await agent.post('/login').type('form').send({ _csrf: tokenIn(login.text)!, email: learner.email, password: TEST_PASSWORD }).expect(303);
    expect(tokenIn((await agent.get(STEP).expect(200)).text)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('CSRF: bound to the session', () => {
  it('a cookie and token pair from another visitor (planted by a sibling site) does not verify for a signed-in learner', async () => {
    const learner = await makeUser(ctx.store);
    const session = Object.fromEntries(Object.entries(cookiePairs(await signInResponse(learner.email))).filter(([name]) => name.includes('session')));
    const own = tokenIn((await request(ctx.app).get(STEP).set('Cookie', header(session)).expect(200)).text)!;
    // The attacker gets a valid pair of their own from the sign-in page, and the victim's browser sends it with the victim's session.
    const attackerPage = await request(ctx.app).get('/login').expect(200);
    const planted = cookiePairs(attackerPage);
    const res = await request(ctx.app).post(REFLECTION).set('Cookie', header({ ...session, ...planted })).type('form').send({ _csrf: tokenIn(attackerPage.text)!, text: 'planted' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired or was not sent from Verilab');
    expect(await ctx.store.reflections.forLearner(learner.id, 'vpc-flow-logs')).toEqual([]);
    // the learner's own token verifies whatever pre-session cookie rides along
    await request(ctx.app).post(REFLECTION).set('Cookie', header({ ...session, ...planted })).type('form').send({ _csrf: own, text: 'mine' }).expect(303);
  });

  it('another signed-in learner\'s token does not verify for this session', async () => {
    const a = await signedIn(ctx.app, await makeUser(ctx.store));
    const b = await signedIn(ctx.app, await makeUser(ctx.store));
    const tokenOfB = await csrfToken(b, STEP);
    const res = await a.post(REFLECTION).type('form').send({ _csrf: tokenOfB, text: 'not mine' });
    expect(res.status).toBe(403);
  });

  it('sign-in rotates the token: the token from the sign-in page no longer verifies once signed in', async () => {
    const learner = await makeUser(ctx.store);
    const agent = request.agent(ctx.app);
    const before = await csrfToken(agent, '/login');
    await agent.post('/login').type('form').send({ _csrf: before, email: learner.email, password: TEST_PASSWORD }).expect(303);
    const after = await csrfToken(agent, STEP);
    expect(after).not.toBe(before);
    await agent.post(REFLECTION).type('form').send({ _csrf: before, text: 'old token' }).expect(403);
    await agent.post(REFLECTION).type('form').send({ _csrf: after, text: 'new token' }).expect(303);
  });

  it('sign-out rotates the token: neither the signed-in token nor the one from before sign-in verifies afterwards', async () => {
    const learner = await makeUser(ctx.store);
    const agent = request.agent(ctx.app);
    const anonymousToken = await csrfToken(agent, '/login');
    await agent.post('/login').type('form').send({ _csrf: anonymousToken, email: learner.email, password: TEST_PASSWORD }).expect(303);
    const signedInToken = await csrfToken(agent, STEP);
    await agent.post('/logout').type('form').send({ _csrf: signedInToken }).expect(303);
    for (const stale of [signedInToken, anonymousToken]) {
      await agent.post('/login').type('form').send({ _csrf: stale, email: learner.email, password: TEST_PASSWORD }).expect(403);
    }
    const fresh = await csrfToken(agent, '/login');
    expect([signedInToken, anonymousToken]).not.toContain(fresh);
    await agent.post('/login').type('form').send({ _csrf: fresh, email: learner.email, password: TEST_PASSWORD }).expect(303);
  });

  it('the header form (X-CSRF-Token, as fetch clients send it) works with the session token, and only with it', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const page = await agent.get(STEP).expect(200);
    const meta = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)![1];
    await agent.post(REFLECTION).set('Accept', 'application/json').set('X-CSRF-Token', meta).type('form').send({ text: 'by header' }).expect(200);
    await agent.post(REFLECTION).set('Accept', 'application/json').set('X-CSRF-Token', `${meta}x`).type('form').send({ text: 'by header' }).expect(403);
  });
});

describe('CSRF: the __Host- prefix on https', () => {
  let https: TestContext;
  beforeAll(async () => {
    https = await createTestContext({ PUBLIC_URL: 'https://labs.example.com' });
  });
  afterAll(() => https.close());

  it('the pre-session cookie is __Host-verilab_csrf: Secure, Path=/, no Domain', async () => {
    const res = await request(https.app).get('/login').expect(200);
    const cookie = setCookies(res).find((c) => c.startsWith('__Host-verilab_csrf='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(setCookies(res).some((c) => c.startsWith('verilab_csrf='))).toBe(false);
  });

  it('a cookie without the prefix (what a sibling subdomain can set) is ignored; the __Host- one verifies', async () => {
    const page = await request(https.app).get('/login').expect(200);
    const value = cookiePairs(page)['__Host-verilab_csrf'];
    const token = tokenIn(page.text)!;
    const form = { _csrf: token, email: 'nobody@example.com', password: 'not the password' };
    await request(https.app).post('/login').set('Cookie', `verilab_csrf=${value}`).type('form').send(form).expect(403);
    await request(https.app).post('/login').set('Cookie', `__Host-verilab_csrf=${value}`).type('form').send(form).expect(401);
  });

  it('the session cookie is __Host- too: sign-in sets it; a planted unprefixed session cookie signs nobody in', async () => {
    const user = await makeUser(https.store);
    const page = await request(https.app).get('/login').expect(200);
    const pre = cookiePairs(page)['__Host-verilab_csrf'];
    const res = await request(https.app)
      .post('/login')
      .set('Cookie', `__Host-verilab_csrf=${pre}`)
      .type('form')
      .send({ _csrf: tokenIn(page.text)!, email: user.email, password: TEST_PASSWORD })
      .expect(303);
    const session = setCookies(res).find((c) => c.startsWith('__Host-verilab_session='));
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/Domain=/i);
    expect(setCookies(res).some((c) => c.startsWith('verilab_session='))).toBe(false);
    const token = cookiePairs(res)['__Host-verilab_session'];
    expect((await request(https.app).get('/connect').set('Cookie', `__Host-verilab_session=${token}`)).status).toBe(200);
    expect((await request(https.app).get('/connect').set('Cookie', `verilab_session=${token}`).set('Accept', 'application/json')).status).toBe(401);
  });

  it('http stays unprefixed (a browser refuses __Host- cookies without Secure)', async () => {
    const res = await request(ctx.app).get('/login').expect(200);
    expect(setCookies(res).some((c) => c.startsWith('verilab_csrf='))).toBe(true);
  });
});

async function signInResponse(email: string): Promise<request.Response> {
  const agent = request.agent(ctx.app);
  const token = await csrfToken(agent);
  return agent.post('/login').type('form').send({ _csrf: token, email, password: TEST_PASSWORD }).expect(303);
}
