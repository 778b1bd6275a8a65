// Text fields take what people write ("cost < budget", the lab's own <instance 2 private IP>), store it as typed and show it escaped.
import request from 'supertest';
import { TEST_PASSWORD, createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const STEP = '/labs/vpc-flow-logs/steps/ping';
const REFLECTION = `${STEP}/reflections/first-ping-failed`;

describe('plain text with angle brackets', () => {
  it('reflection: "cost < budget" and <instance 2 private IP> are saved as typed and shown escaped, to the learner and the instructor', async () => {
    const teacher = await makeUser(ctx.store, 'instructor');
    const learner = await makeUser(ctx.store);
    const cls = await ctx.store.classes.create({ name: 'Networking', labId: 'vpc-flow-logs', instructorId: teacher.id });
    await ctx.store.classes.enroll(cls.id, learner.id);
    const agent = await signedIn(ctx.app, learner);
    const token = await csrfToken(agent, STEP);
    const text = 'I pinged <instance 2 private IP> and it failed: cost < budget, <b>no route</b>.';
    await agent.post(REFLECTION).type('form').send({ _csrf: token, text }).expect(303);
    expect((await ctx.store.reflections.forLearner(learner.id, 'vpc-flow-logs')).map((r) => r.text)).toEqual([text]);

    const escaped = 'I pinged &lt;instance 2 private IP&gt; and it failed: cost &lt; budget, &lt;b&gt;no route&lt;/b&gt;.';
    const page = await agent.get(STEP).expect(200);
    expect(page.text).toContain(`${escaped}</textarea>`);
    expect(page.text).not.toContain('<b>no route</b>');
    const detail = await (await signedIn(ctx.app, teacher)).get(`/classes/${cls.id}/learners/${learner.id}`).expect(200);
    expect(detail.text).toContain(escaped);
    expect(detail.text).not.toContain('<instance 2 private IP>');

    const json = await agent.post(REFLECTION).set('Accept', 'application/json').type('form').send({ _csrf: token, text: 'a < b' }).expect(200);
    expect(json.body.reflection.text).toBe('a < b');
  });

  it('class name: "Cloud <Ops> 2026" is created and shown escaped', async () => {
    const teacher = await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'));
    const token = await csrfToken(teacher, '/classes');
    const created = await teacher.post('/classes').type('form').send({ _csrf: token, name: 'Cloud <Ops> 2026', labId: 'vpc-flow-logs' }).expect(303);
    const page = await teacher.get(created.headers.location).expect(200);
    expect(page.text).toContain('Cloud &lt;Ops&gt; 2026');
    expect(page.text).not.toContain('<Ops>');
  });

  it('sign-up name: "<script>Ada</script>" makes an account whose name is shown escaped in the header', async () => {
    const agent = request.agent(ctx.app);
    const token = await csrfToken(agent, '/signup');
    await agent.post('/signup').type('form').send({ _csrf: token, name: '<script>Ada</script>', email: 'angle@example.com', password: TEST_PASSWORD }).expect(303);
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('&lt;script&gt;Ada&lt;/script&gt;');
    expect(page.text).not.toContain('<script>Ada');
  });

  it('control characters are still refused, with the field named', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, STEP);
    const res = await agent.post(REFLECTION).set('Accept', 'application/json').type('form').send({ _csrf: token, text: 'bell\u0007 < here' }).expect(400);
    expect(res.body.error.message).toBe('Your answer contains characters that are not allowed.');
  });
});
