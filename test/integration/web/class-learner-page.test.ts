// The instructor's page of one learner: every attempt with its checks and evidence, the learner's reflections, and nobody else's.
import request from 'supertest';
import { escapeHtml } from '../../helpers/html';
import { createTestContext, makeUser, signedIn, type TestContext } from '../../helpers/app';

const LAB = 'vpc-flow-logs';
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function classWithLearner() {
  const instructor = await makeUser(ctx.store, 'instructor');
  const learner = await makeUser(ctx.store, 'learner', 'Lena Learner');
  const cls = await ctx.store.classes.create({ name: 'Networking 101', labId: LAB, instructorId: instructor.id });
  await ctx.store.classes.enroll(cls.id, learner.id);
  return { instructor, learner, cls };
}

describe('learner page', () => {
  it('shows every attempt with its time, duration, check lines and evidence, and the learner\'s reflections', async () => {
    const { instructor, learner, cls } = await classWithLearner();
    await ctx.store.progress.recordAttempt({
      userId: learner.id,
      labId: LAB,
      stepId: 'vpcs',
      status: 'failed',
      checks: [{ label: 'VPC 10.2.0.0/16 exists', ok: false, detail: 'Found only vpc-0aaa (10.1.0.0/16).', hint: 'Create the second VPC.', explanation: 'Without it there is nothing to peer with.' }],
      evidence: { vpcs: ['vpc-0aaa'], note: '<b>not markup</b>' },
      durationMs: 1234,
      at: new Date('2025-01-02T10:00:00.000Z'),
    });
    await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [{ label: 'VPC 10.2.0.0/16 exists', ok: true }], evidence: { vpcs: ['vpc-0aaa', 'vpc-0bbb'] }, durationMs: 87, at: new Date('2025-01-02T10:05:00.000Z') });
    await ctx.store.reflections.save({ userId: learner.id, labId: LAB, stepId: 'ping', promptId: 'first-ping-failed', text: 'There was no route between them.' });
    await ctx.store.reflections.save({ userId: learner.id, labId: LAB, stepId: '_intro', promptId: 'seeing-traffic', text: 'I once chased a firewall rule for a day.' });

    const res = await (await signedIn(ctx.app, instructor)).get(`/classes/${cls.id}/learners/${learner.id}`).expect(200);

    expect(res.text).toContain('Attempts (2)');
    expect(res.text).toContain('2025-01-02 10:00:00 UTC');
    expect(res.text).toContain('2025-01-02 10:05:00 UTC');
    expect(res.text).toContain('took 1.2 s');
    expect(res.text).toContain('took 87 ms');
    expect(res.text).toMatch(/<p class="reflection-prompt">Introduction When have you needed to see the traffic[^<]*<\/p><p class="answer-text">I once chased a firewall rule for a day\.<\/p>/);
    for (const text of ['VPC 10.2.0.0/16 exists', 'Found only vpc-0aaa (10.1.0.0/16).', 'Create the second VPC.', 'Without it there is nothing to peer with.', 'There was no route between them.']) expect(res.text).toContain(escapeHtml(text));
    // Evidence is shown as escaped JSON inside a collapsed section.
    expect(res.text).toContain('<summary>Evidence</summary>');
    expect(res.text).toContain('&#34;vpc-0bbb&#34;');
    expect(res.text).toContain('&lt;b&gt;not markup&lt;/b&gt;');
    expect(res.text).not.toContain('<b>not markup</b>');
    // The newest attempt comes first.
    expect(res.text.indexOf('10:05:00')).toBeLessThan(res.text.indexOf('10:00:00 UTC</time>'));
    // No report exists yet (issue 12): the hook renders nothing.
    expect(res.text).not.toContain('Completion report');
  });

  it('ends with the button that removes the learner from the class (after a confirmation), but not in an archived class', async () => {
    const { instructor, learner, cls } = await classWithLearner();
    const agent = await signedIn(ctx.app, instructor);
    const url = `/classes/${cls.id}/learners/${learner.id}`;
    const page = await agent.get(url).expect(200);
    expect(page.text).toMatch(new RegExp(`<form class="form" method="post" action="${url}/remove">\\s*<input type="hidden" name="_csrf" value="[^"]+">`));
    expect(page.text).toContain('Remove from this class…');
    // The class page no longer lists a form per learner: the grid links to the learner, whose page has the button.
    const classPage = await agent.get(`/classes/${cls.id}`).expect(200);
    expect(classPage.text).not.toContain(`${url}/remove`);
    await ctx.store.classes.setArchived(cls.id, true);
    expect((await agent.get(url).expect(200)).text).not.toContain(`${url}/remove`);
  });

  it('another instructor gets 404, a learner 403, an anonymous visitor the sign-in page; nothing of the learner shows', async () => {
    const { learner, cls } = await classWithLearner();
    await ctx.store.reflections.save({ userId: learner.id, labId: LAB, stepId: 'ping', promptId: 'first-ping-failed', text: 'A private thought.' });
    const url = `/classes/${cls.id}/learners/${learner.id}`;
    const other = await (await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'))).get(url).expect(404);
    const self = await (await signedIn(ctx.app, learner)).get(url).expect(403);
    for (const res of [other, self]) expect(res.text).not.toContain('A private thought.');
    const res = await request(ctx.app).get(url).set('Accept', 'text/html').redirects(0);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?next=/);
  });
});
