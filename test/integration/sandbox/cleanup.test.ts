// Check clean-up in a sandbox: the finished lab is listed with its hourly cost; after the closing page's CLI block, all clean.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { labStepIds, motoLabClients, solve } from '../../../labs/vpc-flow-logs/solve';
import { LABS_DIR } from '../../../server/paths';
import { csrfToken, makeUser, signedIn } from '../../helpers/app';
import { motoForThisFile } from '../../helpers/moto';
import { createSandboxContext, runAsLearner, type SandboxTestContext } from '../../helpers/sandbox';

jest.setTimeout(240_000);
const moto = motoForThisFile();
let ctx: SandboxTestContext;
beforeEach(async () => {
  ctx = await createSandboxContext(moto(), { CHECK_RATE_LIMIT_SECONDS: '1' });
});
afterEach(() => ctx.close());

/** The AWS CLI tab's block of the closing page, as the learner would paste it. */
function cleanupBlock(): string {
  const text = fs.readFileSync(path.join(LABS_DIR, 'vpc-flow-logs', 'finish.md'), 'utf8');
  const block = /::: tab AWS CLI\n```bash\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('no AWS CLI block in finish.md');
  return block[1];
}

async function checkCleanup(agent: request.Agent) {
  const token = await csrfToken(agent, '/labs/vpc-flow-logs/finish');
  return agent.post('/labs/vpc-flow-logs/cleanup').set('Accept', 'application/json').type('form').send({ _csrf: token });
}

it('finished lab: Check clean-up lists what is left with a cost; the closing page\'s CLI block removes it all and the check passes', async () => {
  const agent = await signedIn(ctx.app, await makeUser(ctx.store));
  const credentials = (await agent.get('/connect/sandbox/credentials').set('Accept', 'application/json').expect(200)).body;
  await solve(motoLabClients(moto().url, credentials.accountId, credentials.region), labStepIds());

  const before = await checkCleanup(agent);
  expect(before.status).toBe(200);
  expect(before.body.clean).toBe(false);
  expect(before.body.remaining.map((l: { kind: string }) => l.kind).sort()).toEqual(['flow log', 'instance', 'instance', 'log group', 'peering', 'role', 'vpc', 'vpc']);
  expect(before.body.totalHourlyUsd).toBeGreaterThan(0);
  // The page shows the same, with the hourly total in words.
  const token = await csrfToken(agent, '/labs/vpc-flow-logs/finish');
  await new Promise((r) => setTimeout(r, 1100));
  const page = await agent.post('/labs/vpc-flow-logs/cleanup').type('form').send({ _csrf: token });
  expect(page.status).toBe(200);
  expect(page.text).toContain('Still running in us-east-1: about $');
  expect(page.text).toContain('Terminate both instances');

  const run = await runAsLearner(credentials, 'bash', ['-e', '-o', 'pipefail', '-c', cleanupBlock()]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  await new Promise((r) => setTimeout(r, 1100));
  const after = await checkCleanup(agent);
  expect(after.status).toBe(200);
  expect(after.body.checks.filter((c: { ok: unknown }) => c.ok !== true)).toEqual([]);
  expect(after.body.clean).toBe(true);
  expect(after.body.totalHourlyUsd).toBe(0);
});

it('Check clean-up needs a signed-in learner and keeps to the check rate limit', async () => {
  const anonymous = request.agent(ctx.app);
  const anonymousToken = await csrfToken(anonymous, '/labs/vpc-flow-logs/finish');
  await anonymous.post('/labs/vpc-flow-logs/cleanup').set('Accept', 'application/json').type('form').send({ _csrf: anonymousToken }).expect(401);
  const agent = await signedIn(ctx.app, await makeUser(ctx.store));
  expect((await checkCleanup(agent)).status).toBe(200);
  const again = await checkCleanup(agent);
  expect(again.status).toBe(429);
});
