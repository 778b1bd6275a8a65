// The class's Skip setting: only the class's instructor may change it; outside sandbox mode Skip is refused with a reason.
import request from 'supertest';
import { SOLUTION_MESSAGES } from '../../../server/sandbox/solutions';
import { CLASS_MESSAGES } from '../../../server/web/class-router';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function classWithLearner() {
  const instructor = await makeUser(ctx.store, 'instructor');
  const learner = await makeUser(ctx.store, 'learner');
  const cls = await ctx.store.classes.create({ name: 'Networking 101', labId: 'vpc-flow-logs', instructorId: instructor.id });
  await ctx.store.classes.enroll(cls.id, learner.id);
  return { instructor, learner, cls };
}

async function setSkip(agent: request.Agent, classId: string, body: Record<string, string>, accept = 'text/html') {
  const token = await csrfToken(agent, '/');
  return agent.post(`/classes/${classId}/skip`).type('form').set('Accept', accept).send({ _csrf: token, ...body }).redirects(0);
}

describe('class Skip setting', () => {
  it('the instructor allows Skip: saved, shown ticked on the class page, and the policy of its learners follows; unticking refuses it again', async () => {
    const { instructor, learner, cls } = await classWithLearner();
    const agent = await signedIn(ctx.app, instructor);
    const page = await agent.get(`/classes/${cls.id}`).expect(200);
    expect(page.text).toContain(`action="/classes/${cls.id}/skip"`);
    expect(page.text).not.toMatch(/id="allow-skip"[^>]*checked/);
    expect(await ctx.store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('not-allowed');

    const on = await setSkip(agent, cls.id, { allowSkip: 'yes' });
    expect(on.status).toBe(303);
    expect(on.headers.location).toBe(`/classes/${cls.id}?saved=skip#skip`);
    expect((await ctx.store.classes.findById(cls.id))?.allowSkip).toBe(true);
    expect(await ctx.store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('allowed');
    const saved = await agent.get(on.headers.location).expect(200);
    expect(saved.text).toMatch(/id="allow-skip"[^>]*checked/);
    expect(saved.text).toContain('Saved.');

    const off = await setSkip(agent, cls.id, {}, 'application/json');
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ classId: cls.id, allowSkip: false });
    expect(await ctx.store.classes.skipPolicy(learner.id, 'vpc-flow-logs')).toBe('not-allowed');
  });

  it('a value other than the ticked box: 400 with the reason, nothing changed', async () => {
    const { instructor, cls } = await classWithLearner();
    const res = await setSkip(await signedIn(ctx.app, instructor), cls.id, { allowSkip: 'true' }, 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(CLASS_MESSAGES.ALLOW_SKIP_INVALID);
    expect((await ctx.store.classes.findById(cls.id))?.allowSkip).toBe(false);
  });

  it('another instructor gets 404, a learner of the class 403, anonymous visitors must sign in; the setting stays off', async () => {
    const { learner, cls } = await classWithLearner();
    const other = await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'));
    expect((await setSkip(other, cls.id, { allowSkip: 'yes' })).status).toBe(404);
    expect((await setSkip(await signedIn(ctx.app, learner), cls.id, { allowSkip: 'yes' })).status).toBe(403);
    const anonymous = request.agent(ctx.app);
    expect((await setSkip(anonymous, cls.id, { allowSkip: 'yes' })).status).toBe(401);
    expect((await setSkip(anonymous, cls.id, { allowSkip: 'yes' }, 'application/json')).body.error.code).toBe('SIGN_IN_REQUIRED');
    const page = await anonymous.get(`/classes/${cls.id}`).redirects(0);
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/login\?next=/);
    expect((await ctx.store.classes.findById(cls.id))?.allowSkip).toBe(false);
  });

  it('without a CSRF token the change is refused', async () => {
    const { instructor, cls } = await classWithLearner();
    const agent = await signedIn(ctx.app, instructor);
    const res = await agent.post(`/classes/${cls.id}/skip`).type('form').send({ allowSkip: 'yes' }).redirects(0);
    expect(res.status).toBe(403);
    expect((await ctx.store.classes.findById(cls.id))?.allowSkip).toBe(false);
  });
});

describe('Skip outside sandbox mode', () => {
  let aws: TestContext;
  beforeAll(async () => {
    aws = await createTestContext({ VERILAB_MODE: 'aws' });
  });
  afterAll(() => aws.close());

  it('refused with 404 and the reason, even in a class that allows it; the step page offers no Skip and the class page no setting', async () => {
    const instructor = await makeUser(aws.store, 'instructor');
    const learner = await makeUser(aws.store, 'learner');
    const cls = await aws.store.classes.create({ name: 'Real AWS', labId: 'vpc-flow-logs', instructorId: instructor.id });
    await aws.store.classes.enroll(cls.id, learner.id);
    await aws.store.classes.setAllowSkip(cls.id, true);
    const agent = await signedIn(aws.app, learner);
    const token = await csrfToken(agent, '/labs/vpc-flow-logs/steps/vpcs');
    const res = await agent.post('/labs/vpc-flow-logs/steps/vpcs/skip').type('form').set('Accept', 'application/json').send({ _csrf: token });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'SKIP_UNAVAILABLE', message: SOLUTION_MESSAGES.SKIP_UNAVAILABLE });
    const html = await agent.post('/labs/vpc-flow-logs/steps/vpcs/skip').type('form').send({ _csrf: token });
    expect(html.status).toBe(404);
    expect(html.text).toContain('Skipping a step is offered only in sandbox mode');
    expect((await agent.get('/labs/vpc-flow-logs/steps/vpcs').expect(200)).text).not.toContain('Skip this step');
    expect((await (await signedIn(aws.app, instructor)).get(`/classes/${cls.id}`).expect(200)).text).not.toContain('Learners may skip steps');
    expect(await aws.store.progress.forLearner(learner.id, 'vpc-flow-logs')).toEqual([]);
  });
});
