import request from 'supertest';
import { createTestContext, csrfToken, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const STEP = '/labs/vpc-flow-logs/steps/ping';
const POST = `${STEP}/reflections/first-ping-failed`;

describe('reflections', () => {
  it('form post: saved, redirected back to the prompt, shown (escaped) in the text box', async () => {
    const learner = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, learner);
    const token = await csrfToken(agent, STEP);
    const text = 'No route: 10.2.0.0/16 & "quotes" went to the igw > nowhere';
    const res = await agent.post(POST).type('form').send({ _csrf: token, text }).expect(303);
    expect(res.headers.location).toBe(`${STEP}?saved=first-ping-failed#reflection-first-ping-failed`);
    const page = await agent.get(`${STEP}?saved=first-ping-failed`).expect(200);
    expect(page.text).toContain('No route: 10.2.0.0/16 &amp; &#34;quotes&#34; went to the igw &gt; nowhere</textarea>');
    expect(page.text).toContain('Saved.');
  });

  it('JSON post (the in-place save): returns the saved reflection; saving again replaces it', async () => {
    const learner = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, learner);
    const token = await csrfToken(agent, STEP);
    await agent.post(POST).set('Accept', 'application/json').type('form').send({ _csrf: token, text: 'first' }).expect(200);
    const res = await agent.post(POST).set('Accept', 'application/json').type('form').send({ _csrf: token, text: '  second\r\nline  ' }).expect(200);
    expect(res.body.reflection).toMatchObject({ stepId: 'ping', promptId: 'first-ping-failed', text: 'second\nline' });
    const stored = await ctx.store.reflections.forLearner(learner.id, 'vpc-flow-logs');
    expect(stored.map((r) => r.text)).toEqual(['second\nline']);
  });

  it('anonymous step page: prompts without text boxes and a sign-in link back to the step', async () => {
    const page = await request(ctx.app).get(STEP).expect(200);
    expect(page.text).not.toContain('<textarea');
    expect(page.text).toContain('href="/login?next=%2Flabs%2Fvpc-flow-logs%2Fsteps%2Fping"');
    expect(page.text).toContain('What did you expect the ping to instance 2&#39;s private address to do');
  });
});

describe('classes', () => {
  it('instructor creates a class, learner joins by link, instructor sees the learner and their reflection', async () => {
    const teacher = await makeUser(ctx.store, 'instructor', 'Teacher T');
    const learner = await makeUser(ctx.store, 'learner', 'Learner L');
    const teacherAgent = await signedIn(ctx.app, teacher);
    let token = await csrfToken(teacherAgent, '/classes');
    const created = await teacherAgent.post('/classes').type('form').send({ _csrf: token, name: 'Cloud Ops <2026>'.replace(/[<>]/g, ''), labId: 'vpc-flow-logs' }).expect(303);
    const classPage = await teacherAgent.get(created.headers.location).expect(200);
    const code = /class="join-code">([A-Z0-9]{8})</.exec(classPage.text)![1];
    expect(classPage.text).toContain(`http://localhost:3000/join/${code}`);

    const learnerAgent = await signedIn(ctx.app, learner);
    const joinPage = await learnerAgent.get(`/join/${code.toLowerCase()}`).expect(200);
    expect(joinPage.text).toContain('Join Cloud Ops 2026');
    token = await csrfToken(learnerAgent, `/join/${code}`);
    const joined = await learnerAgent.post('/join').type('form').send({ _csrf: token, code: ` ${code.slice(0, 4)}-${code.slice(4)} ` }).expect(303);
    const mine = await learnerAgent.get(joined.headers.location).expect(200);
    expect(mine.text).toContain('You joined <strong>Cloud Ops 2026</strong>');

    token = await csrfToken(learnerAgent, STEP);
    await learnerAgent.post(POST).type('form').send({ _csrf: token, text: 'Because there was no route.' }).expect(303);
    const roster = await teacherAgent.get(created.headers.location).expect(200);
    expect(roster.text).toContain('Learner L');
    const learnerUrl = /href="(\/classes\/[^"]+\/learners\/[^"]+)"/.exec(roster.text)![1];
    const detail = await teacherAgent.get(learnerUrl).expect(200);
    expect(detail.text).toContain('Because there was no route.');
  });

  it('a learner can be in several classes', async () => {
    const t = await makeUser(ctx.store, 'instructor');
    const l = await makeUser(ctx.store);
    const a = await ctx.store.classes.create({ name: 'A', labId: 'vpc-flow-logs', instructorId: t.id });
    const b = await ctx.store.classes.create({ name: 'B', labId: 'vpc-flow-logs', instructorId: t.id });
    const agent = await signedIn(ctx.app, l);
    for (const c of [a, b]) {
      const token = await csrfToken(agent, '/classes');
      await agent.post('/join').type('form').send({ _csrf: token, code: c.joinCode }).expect(303);
    }
    expect((await ctx.store.classes.listForLearner(l.id)).map((c) => c.name).sort()).toEqual(['A', 'B']);
  });

  it('joining with an unknown code: 404 with a clear message, the code kept in the form', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const token = await csrfToken(agent, '/join');
    const res = await agent.post('/join').type('form').send({ _csrf: token, code: 'QQQQQQQQ' }).expect(404);
    expect(res.text).toContain('No class has that join code.');
    expect(res.text).toContain('value="QQQQQQQQ"');
  });
});
