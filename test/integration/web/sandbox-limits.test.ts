// Limits on what costs in the sandbox: Reset my sandbox (a new account and role each time) and Rebuild to where I was, per learner.
import request from 'supertest';
import { csrfToken, makeUser, signedIn } from '../../helpers/app';
import { motoForThisFile } from '../../helpers/moto';
import { createSandboxContext, type SandboxTestContext } from '../../helpers/sandbox';

jest.setTimeout(180_000);

const moto = motoForThisFile();
let ctx: SandboxTestContext;
beforeEach(async () => {
  ctx = await createSandboxContext(moto(), { CHECK_RATE_LIMIT_SECONDS: '1' });
});
afterEach(() => ctx.close());

const PER_HOUR = 5; // resets, and rebuilds, per learner per hour
const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

async function accountOf(agent: request.Agent): Promise<string> {
  return (await agent.get('/connect/sandbox/credentials').expect(200)).body.accountId as string;
}

describe('sandbox: Reset my sandbox', () => {
  it('beyond the limit: 429 with Retry-After and the reason on the Connect page; the account is kept', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    // a reset without the confirmation does nothing and is not counted
    for (let i = 0; i < 3; i++) await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token }).expect(400);
    for (let i = 0; i < PER_HOUR; i++) await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token, confirm: 'yes' }).expect(200);
    const account = await accountOf(agent);

    const html = await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token, confirm: 'yes' }).expect(429);
    expect(Number(html.headers['retry-after'])).toBeGreaterThan(0);
    expect(html.text).toContain('You have reset your sandbox 5 times in the last hour');
    expect(html.text).toContain('action="/connect/sandbox/reset"');
    const json = await agent.post('/connect/sandbox/reset').set('Accept', 'application/json').send({ _csrf: token, confirm: 'yes' }).expect(429);
    expect(json.body.error).toMatchObject({ code: 'SANDBOX_RESET_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(await accountOf(agent)).toBe(account);

    // another learner is not affected
    const other = await signedIn(ctx.app, await makeUser(ctx.store));
    const theirs = await csrfToken(other, '/connect');
    await other.post('/connect/sandbox/reset').type('form').send({ _csrf: theirs, confirm: 'yes' }).expect(200);
  });
});

describe('sandbox: Rebuild to where I was', () => {
  it('beyond the limit: 429 with Retry-After; a rebuild refused for being too soon after another is not counted', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/connect');
    const rebuild = () => agent.post('/connect/sandbox/rebuild').set('Accept', 'application/json').send({ _csrf: token });
    for (let i = 0; i < PER_HOUR; i++) {
      await rebuild().expect(200);
      // straight away: refused by the one-at-a-time rate, which does not use up the hourly allowance
      if (i < PER_HOUR - 1) expect((await rebuild().expect(429)).body.error.code).toBe('REBUILD_RATE_LIMITED');
      await pause();
    }
    const json = await rebuild().expect(429);
    expect(json.body.error).toMatchObject({ code: 'SANDBOX_REBUILD_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    const html = await agent.post('/connect/sandbox/rebuild').type('form').send({ _csrf: token }).expect(429);
    expect(html.text).toContain('You have rebuilt your sandbox 5 times in the last hour');
  });
});
