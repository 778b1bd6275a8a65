// Skip this step and Rebuild to where I was, end to end in sandbox mode: the step's solution runs in the learner's own sandbox account, then the real check.
import { DescribeFlowLogsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import request from 'supertest';
import { labStepIds, motoLabClients, solve, type SolveStepId } from '../../../labs/vpc-flow-logs/solve';
import { SANDBOX_MESSAGES } from '../../../server/sandbox/sandbox';
import { SOLUTION_MESSAGES } from '../../../server/sandbox/solutions';
import type { User } from '../../../server/store/users';
import { csrfToken, makeUser, signedIn } from '../../helpers/app';
import { motoForThisFile } from '../../helpers/moto';
import { createSandboxContext, type SandboxTestContext } from '../../helpers/sandbox';

jest.setTimeout(120_000);

const moto = motoForThisFile();
const LAB = 'vpc-flow-logs';
let ctx: SandboxTestContext;

beforeEach(async () => {
  ctx = await createSandboxContext(moto(), { CHECK_RATE_LIMIT_SECONDS: '1' });
});
afterEach(() => ctx.close());

/** Checks and skips wait a second apart here (the smallest rate limit). */
const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** A learner in a class for the lab, signed in; the class allows Skip unless told otherwise. */
async function learnerInClass(options: { allowSkip?: boolean; enrolled?: boolean } = {}) {
  const instructor = await makeUser(ctx.store, 'instructor');
  const learner = await makeUser(ctx.store, 'learner');
  const cls = await ctx.store.classes.create({ name: 'Networking 101', labId: LAB, instructorId: instructor.id });
  if (options.enrolled ?? true) await ctx.store.classes.enroll(cls.id, learner.id);
  await ctx.store.classes.setAllowSkip(cls.id, options.allowSkip ?? true);
  return { learner, instructor, cls, agent: await signedIn(ctx.app, learner) };
}

async function post(agent: request.Agent, url: string, json = true, from = `/labs/${LAB}/steps/vpcs`) {
  const token = await csrfToken(agent, from);
  const req = agent.post(url).type('form').redirects(0);
  if (json) req.set('Accept', 'application/json');
  return req.send({ _csrf: token });
}

const skip = (agent: request.Agent, step: string, json = true) => post(agent, `/labs/${LAB}/steps/${step}/skip`, json, `/labs/${LAB}/steps/${step}`);
const rebuild = (agent: request.Agent, json = true) => post(agent, '/connect/sandbox/rebuild', json, '/connect');

/** The learner's own sandbox account, worked in directly: the learner doing steps by hand. */
async function byHand(user: User, steps: SolveStepId[]) {
  const c = await ctx.sandbox.credentials(user.id);
  // The learner's own Logs Insights query reaches Verilab's engine (through the endpoint, in real life), where the checks look.
  return solve(ctx.labClients(c.accountId, c.region), steps);
}

async function passedSteps(user: User): Promise<string[]> {
  return (await ctx.store.progress.forLearner(user.id, LAB)).filter((p) => p.status === 'passed').map((p) => p.stepId).sort();
}

describe('Skip this step', () => {
  it('allowed: the page offers it; Skip runs the solution and the real check, and the step shows passed and skipped, to the learner and the instructor', async () => {
    const { learner, instructor, cls, agent } = await learnerInClass();
    const before = await agent.get(`/labs/${LAB}/steps/vpcs`).expect(200);
    expect(before.text).toContain(`action="/labs/${LAB}/steps/vpcs/skip"`);
    expect(before.text).toContain('Skip this step');

    const res = await skip(agent, 'vpcs', false);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/labs/${LAB}/steps/vpcs#check`);

    const after = await agent.get(`/labs/${LAB}/steps/vpcs`).expect(200);
    expect(after.text).toContain('Step complete.');
    expect(after.text).toContain('<strong>Skipped.</strong>');
    expect(after.text).not.toContain('Skip this step');
    const [progress] = await ctx.store.progress.forLearner(learner.id, LAB);
    expect(progress).toMatchObject({ stepId: 'vpcs', status: 'passed', skippedAt: expect.any(String), attemptsCount: 1 });
    const [attempt] = await ctx.store.progress.attempts(learner.id, LAB);
    expect(attempt).toMatchObject({ stepId: 'vpcs', status: 'passed', skipped: true });
    // The solution ran in the learner's own account, not anywhere else.
    const c = await ctx.sandbox.credentials(learner.id);
    const vpcs = (await motoLabClients(moto().url, c.accountId, c.region).ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs.map((v) => v.CidrBlock)).toEqual(expect.arrayContaining(['10.1.0.0/16', '10.2.0.0/16']));

    const teacher = await signedIn(ctx.app, instructor);
    // The class grid's cell for the step says so, in words and by its class (the old learners table said "passed (skipped)").
    const grid = (await teacher.get(`/classes/${cls.id}`).expect(200)).text;
    expect(grid).toMatch(/<td class="cell status-passed skipped">[^]*?passed at \d\d:\d\d UTC \(skipped\)/);
    expect((await teacher.get(`/classes/${cls.id}/learners/${learner.id}`).expect(200)).text).toContain('(after Skip)');
  });

  it('after steps 1 to 3 done by hand: Skip of step 4 finds them, adds the role and flow log, and the check passes (JSON)', async () => {
    const { learner, agent } = await learnerInClass();
    const made = await byHand(learner, ['vpcs', 'instances', 'flow-logs']);
    const res = await skip(agent, 'iam-role');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ step: 'iam-role', skipped: true, status: 'passed', passed: true });
    // Built on the learner's VPC 1, not a new one.
    const c = await ctx.sandbox.credentials(learner.id);
    const flowLogs = (await motoLabClients(moto().url, c.accountId, c.region).ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    expect(flowLogs.map((f) => [f.ResourceId, f.LogGroupName])).toEqual([[made.a!.vpcId, 'vpc-flow-logs-lab']]);
    expect(await passedSteps(learner)).toEqual(['iam-role']);
  });

  it('refused when the learner is in no class for the lab: 403 with the reason, and no button', async () => {
    const { agent } = await learnerInClass({ enrolled: false });
    expect((await agent.get(`/labs/${LAB}/steps/vpcs`).expect(200)).text).not.toContain('Skip this step');
    const res = await skip(agent, 'vpcs');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'SKIP_NO_CLASS', message: SOLUTION_MESSAGES.SKIP_NO_CLASS });
  });

  it('refused when the class does not allow it: 403 with the reason shown on a page, never a 500; nothing recorded', async () => {
    const { learner, agent } = await learnerInClass({ allowSkip: false });
    expect((await agent.get(`/labs/${LAB}/steps/vpcs`).expect(200)).text).not.toContain('Skip this step');
    const res = await skip(agent, 'vpcs', false);
    expect(res.status).toBe(403);
    expect(res.text).toContain(SOLUTION_MESSAGES.SKIP_NOT_ALLOWED.replace("'", '&#39;'));
    expect(await ctx.store.progress.attempts(learner.id, LAB)).toEqual([]);
  });

  it('refused when the step is already passed: 409', async () => {
    const { agent } = await learnerInClass();
    expect((await skip(agent, 'flow-logs')).status).toBe(200);
    await pause();
    const again = await skip(agent, 'flow-logs');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'SKIP_ALREADY_PASSED', message: SOLUTION_MESSAGES.SKIP_ALREADY_PASSED });
  });

  it('refused when an earlier step the solution needs is missing: 409 naming the step to finish or skip first, and nothing is made', async () => {
    const { learner, agent } = await learnerInClass();
    const res = await skip(agent, 'ping');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SKIP_NEEDS_STEP');
    expect(res.body.error.message).toBe('Skipping step 5 needs what step 1 (Create two VPCs with public subnets) builds, and your sandbox account does not have it yet. Finish or skip step 1 first.');
    expect(res.body.error.step).toBe('vpcs');
    const c = await ctx.sandbox.credentials(learner.id);
    const vpcs = (await motoLabClients(moto().url, c.accountId, c.region).ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs.filter((v) => v.CidrBlock?.startsWith('10.'))).toEqual([]);
    expect(await ctx.store.progress.attempts(learner.id, LAB)).toEqual([]);
  });

  it('refused from the page: the step page again, with the reason where a Check refusal goes, not an error page', async () => {
    const { agent } = await learnerInClass();
    const res = await skip(agent, 'ping', false);
    expect(res.status).toBe(409);
    expect(res.text).toMatch(/<h1><span class="step-number">Step 5\.<\/span>/);
    expect(res.text).toMatch(/<div class="flash-error" role="alert">\s*<p><strong>Skipping step 5 needs what step 1 \(Create two VPCs with public subnets\) builds/);
    // Both ways on are still there: Check, and Skip once step 1 is done.
    expect(res.text).toContain(`action="/labs/${LAB}/steps/ping/check"`);
    expect(res.text).toContain('Skip this step');
    // Unknown steps are still a plain 404.
    expect((await skip(agent, 'no-such-step', false)).status).toBe(404);
  });

  it('a passed step whose work is gone: the refusal points to Rebuild', async () => {
    const { learner, agent } = await learnerInClass();
    await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [], evidence: {}, durationMs: 1 });
    await pause();
    const res = await skip(agent, 'instances');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('your sandbox account no longer has it');
    expect(res.body.error.message).toContain('Rebuild to where I was');
  });

  it('rate-limited like a check: right after a check, 429 with the wait', async () => {
    await ctx.close();
    ctx = await createSandboxContext(moto(), { CHECK_RATE_LIMIT_SECONDS: '60' });
    const { agent } = await learnerInClass();
    expect((await post(agent, `/labs/${LAB}/steps/vpcs/check`)).status).toBe(200);
    const res = await skip(agent, 'vpcs');
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('SKIP_RATE_LIMITED');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('two Skips at once: one runs, the other is refused with 409 while the account is being changed', async () => {
    const { learner, agent } = await learnerInClass();
    const [first, second] = await Promise.all([skip(agent, 'vpcs'), skip(agent, 'flow-logs')]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect([first, second].find((r) => r.status === 409)!.body.error).toMatchObject({ code: 'SANDBOX_BUSY', message: SOLUTION_MESSAGES.BUSY });
    expect(await passedSteps(learner)).toHaveLength(1);
  });

  it('anonymous visitors and requests without a CSRF token are refused', async () => {
    const { learner, agent } = await learnerInClass();
    const anonymous = await skip(request.agent(ctx.app), 'vpcs');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('SIGN_IN_REQUIRED');
    expect((await agent.post(`/labs/${LAB}/steps/vpcs/skip`).set('Accept', 'application/json').type('form').send({})).status).toBe(403);
    expect(await ctx.store.progress.attempts(learner.id, LAB)).toEqual([]);
  });

  it('an unknown step: 404', async () => {
    const { agent } = await learnerInClass();
    expect((await skip(agent, 'no-such-step')).status).toBe(404);
  });
});

describe('Rebuild to where I was', () => {
  async function passEverything(user: User, agent: request.Agent) {
    await byHand(user, labStepIds());
    const res = await post(agent, `/labs/${LAB}/check`);
    expect(res.status).toBe(200);
    expect(res.body.steps.filter((s: { passed: boolean }) => !s.passed)).toEqual([]);
  }

  it('after a reset: the passed steps are rebuilt in the new, empty account, and every check passes there again', async () => {
    const { learner, agent } = await learnerInClass();
    await passEverything(learner, agent);
    const old = await ctx.sandbox.credentials(learner.id);
    const token = await csrfToken(agent, '/connect');
    const reset = await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token, confirm: 'yes' }).expect(200);
    expect(reset.text).toContain('action="/connect/sandbox/rebuild"');

    const res = await rebuild(agent);
    expect(res.status).toBe(200);
    expect(res.body.accountId).not.toBe(old.accountId);
    expect(res.body.labs).toEqual([{ lab: LAB, rebuilt: labStepIds(), notRebuilt: [] }]);

    await pause();
    const check = await post(agent, `/labs/${LAB}/check`);
    expect(check.body.account).toBe(res.body.accountId);
    expect(check.body.steps.map((s: { id: string; passed: boolean }) => [s.id, s.passed])).toEqual(labStepIds().map((id) => [id, true]));
  });

  it('after moto lost the sandbox: the notice offers the button, and the page lists what was rebuilt', async () => {
    const { learner, agent } = await learnerInClass();
    await byHand(learner, ['vpcs', 'instances']);
    expect((await post(agent, `/labs/${LAB}/check`)).status).toBe(200);
    expect(await passedSteps(learner)).toEqual(['instances', 'vpcs']);
    await moto().reset();
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain(SANDBOX_MESSAGES.LOST);
    expect(page.text).toContain('action="/connect/sandbox/rebuild"');

    const res = await rebuild(agent, false);
    expect(res.status).toBe(200);
    expect(res.text).toContain(SOLUTION_MESSAGES.REBUILT);
    expect(res.text).toContain('Step 1. Create two VPCs with public subnets</a>: rebuilt');
    expect(res.text).toMatch(/Step 2\. [^<]+<\/a>: rebuilt/);
    await pause();
    const check = await post(agent, `/labs/${LAB}/steps/instances/check`);
    expect(check.body).toMatchObject({ step: 'instances', passed: true });
  });

  it('a passed step whose earlier step was never passed: the others are rebuilt, and the page says why that one was not', async () => {
    const { learner, agent } = await learnerInClass();
    for (const stepId of ['vpcs', 'ping']) await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId, status: 'passed', checks: [], evidence: {}, durationMs: 1 });
    const res = await rebuild(agent);
    expect(res.body.labs).toEqual([
      { lab: LAB, rebuilt: ['vpcs'], notRebuilt: [{ step: 'ping', reason: expect.stringMatching(/^It needs what step 2 \(.+\) builds, and you had not passed that step\.$/) }] },
    ]);
  });

  it('nothing passed: nothing to rebuild, said plainly', async () => {
    const { agent } = await learnerInClass();
    const res = await rebuild(agent, false);
    expect(res.status).toBe(200);
    expect(res.text).toContain(SOLUTION_MESSAGES.NOTHING_TO_REBUILD);
  });

  it('anonymous visitors are refused', async () => {
    const anonymous = await post(request.agent(ctx.app), '/connect/sandbox/rebuild', true, '/login');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('SIGN_IN_REQUIRED');
  });
});

describe('Check in the sandbox', () => {
  it('before the ping: the hint says flow records come within seconds and to ping again, not to wait minutes', async () => {
    const { learner, agent } = await learnerInClass();
    await byHand(learner, ['vpcs', 'instances', 'flow-logs', 'iam-role']);
    const res = await post(agent, `/labs/${LAB}/steps/ping/check`, true, `/labs/${LAB}/steps/ping`);
    expect(res.status).toBe(200);
    expect(res.body.passed).toBe(false);
    const hints: string[] = res.body.checks.filter((l: { ok: unknown }) => l.ok === false).map((l: { hint: string }) => l.hint);
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) {
      expect(hint).toContain('In the sandbox, flow records reach the log group within seconds');
      expect(hint).not.toContain('minute');
    }
  });
});
