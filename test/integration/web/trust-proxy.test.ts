// TRUST_PROXY: X-Forwarded-For is believed only from the proxies the operator names, so a client cannot choose its own address and escape a limit.
import type { Express } from 'express';
import request from 'supertest';
import { createTestContext, makeUser, type TestContext } from '../../helpers/app';

const LIMIT = 3;

let ctx: TestContext | undefined;
afterEach(async () => {
  await ctx?.close();
  ctx = undefined;
});

async function appWith(env: Record<string, string>): Promise<TestContext> {
  ctx = await createTestContext({ AUTH_RATE_LIMIT_PER_15_MIN: String(LIMIT), ...env });
  return ctx;
}

/**
 * A failed sign-in claiming to come from `forwardedFor`. Cookies are carried by hand: with an https PUBLIC_URL they are
 * Secure, and supertest's agent would not send them back over plain http.
 */
async function failedSignIn(app: Express, email: string, forwardedFor: string): Promise<number> {
  const page = await request(app).get('/login').set('Accept', 'text/html').set('X-Forwarded-For', forwardedFor);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';', 1)[0]);
  const res = await request(app).post('/login').set('Cookie', cookies.join('; ')).set('X-Forwarded-For', forwardedFor).type('form').send({ _csrf: token, email, password: 'not the password' });
  return res.status;
}

/** LIMIT failed sign-ins, each claiming another address, then one more from yet another. */
async function statusesFromSpoofedAddresses(c: TestContext): Promise<number[]> {
  const user = await makeUser(c.store);
  const statuses: number[] = [];
  for (let i = 1; i <= LIMIT + 1; i++) statuses.push(await failedSignIn(c.app, user.email, `203.0.113.${i}`));
  return statuses;
}

const LIMITED = [...Array(LIMIT).fill(401), 429];
const NOT_LIMITED = Array(LIMIT + 1).fill(401);

describe('TRUST_PROXY', () => {
  it('unset: a spoofed X-Forwarded-For does not change the address, so it does not reset the sign-in limit', async () => {
    expect(await statusesFromSpoofedAddresses(await appWith({}))).toEqual(LIMITED);
  });

  it('unset with an https PUBLIC_URL: still off, so the limit holds', async () => {
    expect(await statusesFromSpoofedAddresses(await appWith({ PUBLIC_URL: 'https://labs.example.com' }))).toEqual(LIMITED);
  });

  it('1 (one load balancer): the address it forwards is the client\'s, and each client has its own limit', async () => {
    expect(await statusesFromSpoofedAddresses(await appWith({ TRUST_PROXY: '1' }))).toEqual(NOT_LIMITED);
  });

  it('a list of addresses: X-Forwarded-For is believed from a proxy on the list, and not from one off it', async () => {
    // supertest connects from loopback.
    expect(await statusesFromSpoofedAddresses(await appWith({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }))).toEqual(NOT_LIMITED);
    await ctx!.close();
    expect(await statusesFromSpoofedAddresses(await appWith({ TRUST_PROXY: '10.0.0.0/8' }))).toEqual(LIMITED);
  });
});
