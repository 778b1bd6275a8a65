// Connect and Check through the web app, against moto server: the learner's account in one moto account, Verilab in another.
import { solve } from '../../../labs/vpc-flow-logs/solve';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { LEARNER_ACCOUNT, REGION, createVerifierRole, learnerClients, motoForThisFile } from '../../helpers/moto';

const moto = motoForThisFile();
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ VERILAB_MODE: 'aws', CHECK_RATE_LIMIT_SECONDS: '30' }, { awsEndpoint: moto().url });
});
afterAll(() => ctx.close());

async function connectedLearner() {
  const user = await makeUser(ctx.store);
  const agent = await signedIn(ctx.app, user);
  const page = await agent.get('/connect?lab=vpc-flow-logs').expect(200);
  const externalId = /class="external-id">([^<]+)</.exec(page.text)![1];
  expect(page.text).toContain(`ExternalId=${externalId}`);
  expect(page.text).toContain('TrustedAccountId=123456789012');
  expect(page.text).toContain('--capabilities CAPABILITY_NAMED_IAM');
  const learner = learnerClients(moto());
  const roleArn = await createVerifierRole(learner, externalId);
  const token = await csrfToken(agent, '/connect');
  const res = await agent.post('/connect').type('form').send({ _csrf: token, roleArn, region: REGION }).expect(200);
  expect(res.text).toContain(`Verilab can read account <strong>${LEARNER_ACCOUNT}</strong>`);
  const stored = await ctx.store.connections.get(user.id);
  expect(stored).toMatchObject({ roleArn, region: REGION, accountId: LEARNER_ACCOUNT, externalId });
  return { user, agent, learner };
}

describe('checking through the web app', () => {
  it('connect, then Check (form post): the attempt is stored and the step page shows ticks', async () => {
    const { user, agent, learner } = await connectedLearner();
    await solve(learner, ['vpcs']);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').type('form').send({ _csrf: token }).expect(303);
    expect(res.headers.location).toBe('/labs/vpc-flow-logs/steps/vpcs#check');
    const page = await agent.get('/labs/vpc-flow-logs/steps/vpcs').expect(200);
    expect(page.text).toContain('Step complete.');
    expect(page.text.match(/check-line check-ok/g)).toHaveLength(4);
    expect(page.text).toMatch(/step-item status-passed current/);
    const [progress] = await ctx.store.progress.forLearner(user.id, 'vpc-flow-logs');
    expect(progress).toMatchObject({ stepId: 'vpcs', status: 'passed', attemptsCount: 1 });
    const [attempt] = await ctx.store.progress.attempts(user.id, 'vpc-flow-logs');
    expect(attempt.evidence).toEqual(expect.objectContaining({}));
    expect(attempt.checks).toHaveLength(4);
  });

  it('JSON check of an unfinished step: crosses with hints, an HTML fragment, then the rate limit says when to retry', async () => {
    const { agent, learner } = await connectedLearner();
    await solve(learner, ['vpcs', 'instances']);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/peering');
    const res = await agent.post('/labs/vpc-flow-logs/steps/peering/check').set('Accept', 'application/json').type('form').send({ _csrf: token }).expect(200);
    expect(res.body).toMatchObject({ step: 'peering', status: 'failed', passed: false });
    expect(res.body.checks.find((c: { ok: unknown }) => c.ok === false).hint).toMatch(/peering/i);
    expect(res.body.html).toContain('check-line check-bad');
    expect(res.body.openEarlier).toEqual(['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping']);

    const again = await agent.post('/labs/vpc-flow-logs/steps/peering/check').set('Accept', 'application/json').type('form').send({ _csrf: token }).expect(429);
    expect(again.body.error.message).toMatch(/^You checked a moment ago\. Try again in \d+ seconds?\.$/);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a step passing out of order says which earlier steps are open', async () => {
    const { agent, learner } = await connectedLearner();
    await solve(learner, ['vpcs', 'instances', 'peering']);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/peering');
    await agent.post('/labs/vpc-flow-logs/steps/peering/check').type('form').send({ _csrf: token }).expect(303);
    const page = await agent.get('/labs/vpc-flow-logs/steps/peering').expect(200);
    expect(page.text).toContain('This step passed, but earlier steps are still open');
    expect(page.text).toContain('href="/labs/vpc-flow-logs/steps/vpcs">1. ');
  });

  it('Check all steps: one run records every step; the lab page lists what is missing', async () => {
    const { user, agent, learner } = await connectedLearner();
    await solve(learner, ['vpcs', 'instances']);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs');
    await agent.post('/labs/vpc-flow-logs/check').type('form').send({ _csrf: token }).expect(303);
    const statuses = Object.fromEntries((await ctx.store.progress.forLearner(user.id, 'vpc-flow-logs')).map((p) => [p.stepId, p.status]));
    expect(statuses).toEqual({ vpcs: 'passed', instances: 'passed', 'flow-logs': 'failed', 'iam-role': 'failed', ping: 'failed', peering: 'failed', routes: 'failed', insights: 'failed' });
    const page = await agent.get('/labs/vpc-flow-logs').expect(200);
    expect(page.text).toContain('Check all steps');
    expect(page.text.match(/<tr class="status-failed">/g)).toHaveLength(6);
  });

  it('two checks at once by the same learner share one run', async () => {
    const { user, agent, learner } = await connectedLearner();
    await solve(learner, ['vpcs']);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const [a, b] = await Promise.all([
      agent.post('/labs/vpc-flow-logs/steps/vpcs/check').set('Accept', 'application/json').type('form').send({ _csrf: token }),
      agent.post('/labs/vpc-flow-logs/steps/vpcs/check').set('Accept', 'application/json').type('form').send({ _csrf: token }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.checks).toEqual(b.body.checks);
    expect(await ctx.store.progress.attempts(user.id, 'vpc-flow-logs')).toHaveLength(1);
  });

  it('not connected: the Check answer says to connect first, with a link', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const page = await agent.get('/labs/vpc-flow-logs/steps/vpcs').expect(200);
    expect(page.text).toContain('Connect your AWS account</a> first');
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/check').type('form').send({ _csrf: token }).expect(409);
    expect(res.text).toContain('Connect your AWS account first');
    expect(res.text).toContain('href="/connect?lab=vpc-flow-logs');
  });

  it('connect with a malformed ARN: 400 naming the expected form; nothing stored', async () => {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    const token = await csrfToken(agent, '/connect');
    for (const roleArn of ['arn:aws:iam::12345:role/X', 'arn:aws:iam::123456789012:user/X', 'arn:aws:s3:::bucket', '<script>x</script>', '']) {
      const res = await agent.post('/connect').type('form').send({ _csrf: token, roleArn, region: REGION }).expect(400);
      expect(res.text).toMatch(/role ARN/);
    }
    const bad = await agent.post('/connect').type('form').send({ _csrf: token, roleArn: 'arn:aws:iam::123456789012:role/path/to/X', region: 'mars-1' }).expect(400);
    expect(bad.text).toContain('Choose a region from the list');
    expect((await ctx.store.connections.get(user.id))?.roleArn).toBeNull();
  });

  it('the template downloads as a file', async () => {
    const res = await signedIn(ctx.app, await makeUser(ctx.store)).then((a) => a.get('/labs/vpc-flow-logs/verifier-role.yaml').expect(200));
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?verifier-role\.yaml"?$/);
    expect(res.text).toContain('sts:ExternalId');
  });
});
