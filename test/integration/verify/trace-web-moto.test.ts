// A failed routes check in AWS mode, against moto server: the trace of the ping reaches the learner in JSON, the step page and the stored attempt.
import { solve } from '../../../labs/vpc-flow-logs/solve';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { REGION, createVerifierRole, learnerClients, motoForThisFile } from '../../helpers/moto';

const moto = motoForThisFile();
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ VERILAB_MODE: 'aws' }, { awsEndpoint: moto().url });
});
afterAll(() => ctx.close());

const THERE = "VPC 1's route table sends instance 2's private IP through the peering connection";

it('routes checked before peering: the first failed line explains where the ping stops, on the page and in JSON', async () => {
  const user = await makeUser(ctx.store);
  const agent = await signedIn(ctx.app, user);
  const connect = await agent.get('/connect?lab=vpc-flow-logs').expect(200);
  const externalId = /class="external-id">([^<]+)</.exec(connect.text)![1];
  const learner = learnerClients(moto());
  const roleArn = await createVerifierRole(learner, externalId);
  await agent.post('/connect').type('form').send({ _csrf: await csrfToken(agent, '/connect'), roleArn, region: REGION }).expect(200);
  await solve(learner, ['vpcs', 'instances']);

  const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/routes');
  const res = await agent.post('/labs/vpc-flow-logs/steps/routes/check').set('Accept', 'application/json').type('form').send({ _csrf: token }).expect(200);

  expect(res.body).toMatchObject({ step: 'routes', passed: false });
  const line = res.body.checks.find((c: { label: string }) => c.label === THERE);
  expect(line.ok).toBe(false);
  expect(line.explanation).toMatch(/^Verilab traced a ping from instance 1 \(10\.1\.\d+\.\d+\) to instance 2's private IP \(10\.2\.\d+\.\d+\)/);
  expect(line.explanation).toMatch(/match 0\.0\.0\.0\/0 → igw-\w+ in rtb-\w+; an internet gateway cannot deliver to a private address\./);
  expect(res.body.html).toContain('class="check-detail check-explanation">Verilab traced a ping from instance 1');
  const [attempt] = await ctx.store.progress.attempts(user.id, 'vpc-flow-logs');
  expect(attempt.checks.find((c) => c.label === THERE)?.explanation).toBe(line.explanation);
});
