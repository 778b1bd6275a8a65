// Limits on what costs: connecting a role (each attempt calls STS) and joining a class by code (each attempt is a guess).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

const contexts: TestContext[] = [];
afterAll(async () => {
  for (const ctx of contexts) await ctx.close();
});

/** A stand-in for STS at the edge: counts AssumeRole calls and denies them, as AWS does for a role that does not trust Verilab. */
async function startSts() {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      calls.push(action);
      res.setHeader('Content-Type', 'text/xml');
      if (action === 'GetCallerIdentity') {
        res.end('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::999999999999:user/verilab</Arn><UserId>AIDAEXAMPLE</UserId><Account>999999999999</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>');
        return;
      }
      res.statusCode = 403;
      res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r2</RequestId></ErrorResponse>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    assumeRoleCalls: () => calls.filter((a) => a === 'AssumeRole').length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('POST /connect: attempts per learner', () => {
  let sts: Awaited<ReturnType<typeof startSts>>;
  let ctx: TestContext;
  beforeAll(async () => {
    sts = await startSts();
    ctx = await createTestContext({ VERILAB_MODE: 'aws', AWS_MAX_ATTEMPTS: '1', CONNECT_RATE_LIMIT_PER_15_MIN: '3' }, { awsEndpoint: sts.url });
    contexts.push(ctx);
  });
  afterAll(() => sts.close());

  const form = (token: string) => ({ _csrf: token, roleArn: 'arn:aws:iam::111111111111:role/VerilabVerifier', region: 'us-east-1' });

  it('beyond the limit: 429 with Retry-After and a readable message on the Connect page, and no call to STS', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    // a form that does not validate costs nothing and is not counted
    for (let i = 0; i < 5; i++) await agent.post('/connect').type('form').send({ ...form(token), roleArn: 'not an arn' }).expect(400);
    const before = sts.assumeRoleCalls();
    for (let i = 0; i < 3; i++) await agent.post('/connect').type('form').send(form(token)).expect(422);
    expect(sts.assumeRoleCalls()).toBe(before + 3);

    const html = await agent.post('/connect').type('form').send(form(token)).expect(429);
    expect(Number(html.headers['retry-after'])).toBeGreaterThan(0);
    expect(html.text).toContain('You have tried to connect a role many times');
    expect(html.text).toContain('name="roleArn"');
    const json = await agent.post('/connect').set('Accept', 'application/json').send(form(token)).expect(429);
    expect(json.body.error).toMatchObject({ code: 'CONNECT_RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(sts.assumeRoleCalls()).toBe(before + 3);
  });

  it('the limit is per learner: another learner on the same address still reaches STS', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    const before = sts.assumeRoleCalls();
    await agent.post('/connect').type('form').send(form(token)).expect(422);
    expect(sts.assumeRoleCalls()).toBe(before + 1);
  });
});

describe('joining a class by code: wrong codes per learner', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    contexts.push(ctx);
  });

  const WRONG_CODES_ALLOWED = 10; // per learner per 15 minutes

  it('guessing: after the allowed wrong codes (by form or by link), 429 with Retry-After, even for the right code', async () => {
    const teacher = await makeUser(ctx.store, 'instructor');
    const cls = await ctx.store.classes.create({ name: 'Evening class', labId: 'vpc-flow-logs', instructorId: teacher.id });
    const guesser = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, guesser);
    const token = await csrfToken(agent, '/join');
    for (let i = 0; i < WRONG_CODES_ALLOWED; i++) {
      const guess = `QQQQQQ${String(i).padStart(2, '0')}`;
      if (i % 2 === 0) await agent.post('/join').type('form').send({ _csrf: token, code: guess }).expect(404);
      else await agent.get(`/join/${guess}`).expect(404);
    }
    const html = await agent.post('/join').type('form').send({ _csrf: token, code: 'QQQQQQ99' }).expect(429);
    expect(Number(html.headers['retry-after'])).toBeGreaterThan(0);
    expect(html.text).toContain('Too many wrong join codes');
    expect(html.text).toContain('action="/join"');
    const json = await agent.post('/join').set('Accept', 'application/json').send({ _csrf: token, code: cls.joinCode }).expect(429);
    expect(json.body.error).toMatchObject({ code: 'JOIN_RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    await agent.get(`/join/${cls.joinCode}`).expect(429);
    expect(await ctx.store.classes.listForLearner(guesser.id)).toEqual([]);

    // another learner on the same address joins with the code
    const classmate = await signedIn(ctx.app, await makeUser(ctx.store));
    const theirs = await csrfToken(classmate, '/join');
    await classmate.post('/join').type('form').send({ _csrf: theirs, code: cls.joinCode }).expect(303);
  });

  it('joins that succeed are not counted', async () => {
    const teacher = await makeUser(ctx.store, 'instructor');
    const learner = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, learner);
    const token = await csrfToken(agent, '/join');
    for (let i = 0; i < WRONG_CODES_ALLOWED + 5; i++) {
      const cls = await ctx.store.classes.create({ name: `Class ${i}`, labId: 'vpc-flow-logs', instructorId: teacher.id });
      await agent.get(`/join/${cls.joinCode}`).expect(200);
      await agent.post('/join').type('form').send({ _csrf: token, code: cls.joinCode }).expect(303);
    }
    await agent.post('/join').type('form').send({ _csrf: token, code: 'QQQQQQQQ' }).expect(404);
  });
});
