// Request logging: one access line per request under a request id that the response echoes; no cookies, signatures or query strings in the log.
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { buildApp } from '../../../server/app';
import { loadCheckRegistry } from '../../../server/labs/registry';
import type { Sandbox } from '../../../server/sandbox/sandbox';
import { sandboxProxy } from '../../../server/sandbox/proxy';
import { createTestContext, labs, makeUser, signedIn, testConfig, TEST_SECRET, type TestContext } from '../../helpers/app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A logger at debug level whose lines the test reads back, parsed. */
function capturingLogger() {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** pino-http writes the access line when the response finishes, which can be just after supertest resolves. */
const settle = () => new Promise((r) => setImmediate(r));

let ctx: TestContext;
let log: ReturnType<typeof capturingLogger>;
beforeEach(async () => {
  log = capturingLogger();
  ctx = await createTestContext({}, { logger: log.logger });
});
afterEach(() => ctx.close());

describe('request log', () => {
  it('a page: one access line with method, path (no query), status and a generated id that the response echoes', async () => {
    const res = await request(ctx.app).get('/labs/vpc-flow-logs?utm=secret-campaign').expect(200);
    await settle();
    const id = res.headers['x-request-id'];
    expect(id).toMatch(UUID);
    const access = log.lines().filter((l) => l.msg === 'request completed');
    expect(access).toEqual([expect.objectContaining({ level: 30, reqId: id, req: { method: 'GET', url: '/labs/vpc-flow-logs' }, res: { statusCode: 200 } })]);
    expect(log.raw.join('')).not.toContain('secret-campaign');
  });

  it('a sane incoming X-Request-Id is kept and echoed; a malformed one is replaced', async () => {
    const kept = await request(ctx.app).get('/').set('X-Request-Id', 'edge-7f3a9c21.trace:42').expect(200);
    expect(kept.headers['x-request-id']).toBe('edge-7f3a9c21.trace:42');
    const replaced = await request(ctx.app).get('/').set('X-Request-Id', 'bad id\twith "quotes" and spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(UUID);
    await settle();
    expect(log.lines().map((l) => l.reqId)).toEqual(['edge-7f3a9c21.trace:42', replaced.headers['x-request-id']]);
  });

  it('a signed-in request: the line names the user; the session cookie, CSRF token and Authorization header are nowhere in the log', async () => {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    log.raw.length = 0;
    await agent.get('/classes').set('Authorization', 'Bearer top-secret-token').set('X-CSRF-Token', 'csrf-secret-value').expect(200);
    await settle();
    const [line] = log.lines();
    expect(line).toMatchObject({ userId: user.id, req: { method: 'GET', url: '/classes' } });
    const written = log.raw.join('');
    expect(written).not.toContain('top-secret-token');
    expect(written).not.toContain('csrf-secret-value');
    expect(written).not.toContain('verilab_session');
  });

  it('/healthz and /static are quiet, but still get a request id', async () => {
    const health = await request(ctx.app).get('/healthz').expect(200);
    await request(ctx.app).get('/static/style.css').expect(200);
    await settle();
    expect(health.headers['x-request-id']).toMatch(UUID);
    expect(log.raw).toEqual([]);
  });

  it('an unexpected error: the 500 handler logs the error under the request id the client was given', async () => {
    ctx.store.ping = async () => {
      throw new Error('database went away');
    };
    const res = await request(ctx.app).get('/healthz').set('Accept', 'application/json').expect(500);
    await settle();
    const id = res.headers['x-request-id'];
    expect(res.body.error.message).not.toContain('database');
    const [failure] = log.lines().filter((l) => l.msg === 'unhandled error');
    expect(failure).toMatchObject({ level: 50, reqId: id, url: '/healthz', err: expect.objectContaining({ message: 'database went away' }) });
  });
  it('a page that fails: its access line is an error naming the status, under the id the error line carries', async () => {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    ctx.store.progress.statuses = async () => {
      throw new Error('progress table went away');
    };
    log.raw.length = 0;
    const res = await agent.get('/labs/vpc-flow-logs/steps/vpcs?from=somewhere').expect(500);
    await settle();
    const id = res.headers['x-request-id'];
    const access = log.lines().filter((l) => l.req);
    expect(access).toEqual([expect.objectContaining({ level: 50, reqId: id, msg: 'request failed with status 500', req: { method: 'GET', url: '/labs/vpc-flow-logs/steps/vpcs' }, res: { statusCode: 500 }, userId: user.id })]);
    expect(log.lines().filter((l) => l.msg === 'unhandled error')).toEqual([expect.objectContaining({ reqId: id })]);
  });
});

describe('request log, sandbox signing proxy', () => {
  it('/sandbox/aws: the access line is debug, and neither it nor the proxy own line holds the SigV4 Authorization header', async () => {
    const { logger, raw, lines } = capturingLogger();
    const signature = 'f'.repeat(12) + '0123456789abcdef'.repeat(3) + 'e'.repeat(4);
    const config = testConfig();
    const app = buildApp({
      config,
      logger,
      labs: labs(),
      store: ctx.store,
      sessionSecret: TEST_SECRET,
      checks: loadCheckRegistry(labs()),
      aws: ctx.aws,
      engine: ctx.engine,
      sandbox: {
        accounts: {} as Sandbox,
        proxy: sandboxProxy({ lookupKey: async () => undefined, motoUrl: () => undefined, logger }),
        shell: { available: async () => ({ ok: false, reason: 'not in this test' }) },
      },
    });
    const res = await request(app)
      .post('/sandbox/aws/')
      .set('Authorization', `AWS4-HMAC-SHA256 Credential=AKIAUNKNOWNKEY000000/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`)
      .set('X-Amz-Date', new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''))
      .set('X-Amz-Security-Token', 'session-token-secret')
      .type('form')
      .send('Action=DescribeVpcs&Version=2016-11-15')
      .expect(401);
    await settle();
    expect(res.headers['x-request-id']).toMatch(UUID);
    const access = lines().find((l) => l.msg === 'request completed');
    expect(access).toMatchObject({ level: 20, reqId: res.headers['x-request-id'], req: { method: 'POST', url: '/sandbox/aws/' }, res: { statusCode: 401 } });
    expect(lines().some((l) => l.msg === 'sandbox request')).toBe(true);
    const written = raw.join('');
    expect(written).not.toContain(signature);
    expect(written).not.toContain('AWS4-HMAC-SHA256');
    expect(written).not.toContain('session-token-secret');
  });
});
