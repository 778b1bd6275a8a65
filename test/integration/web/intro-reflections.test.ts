// The introduction's reflection prompts on a lab's page: shown, saved by form and by JSON, escaped, refused clearly, and private to each learner.
import request from 'supertest';
import { INTRO_STEP } from '../../../server/labs/types';
import { SECURITY_MESSAGES } from '../../../server/web/security';
import { REFLECTION_MESSAGES } from '../../../server/web/lab-router';
import { createTestContext, csrfToken, labs, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { escapeHtml } from '../../helpers/html';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const LAB = 'vpc-flow-logs';
const PAGE = `/labs/${LAB}`;
const [SEEING, REFUSED] = labs().get(LAB)!.reflections;
const post = (promptId: string) => `${PAGE}/reflections/${promptId}`;

async function learner() {
  const user = await makeUser(ctx.store);
  const agent = await signedIn(ctx.app, user);
  return { user, agent, token: await csrfToken(agent, PAGE) };
}

const introAnswers = async (userId: string) => (await ctx.store.reflections.forLearner(userId, LAB, INTRO_STEP)).map((r) => [r.promptId, r.text]);

describe("introduction's reflections", () => {
  it('signed-in learner: both prompts under Reflect, each with its own form and empty text box', async () => {
    const { agent } = await learner();

    const page = await agent.get(PAGE).expect(200);

    expect(page.text).toContain('<h2 id="reflections-heading">Reflect</h2>');
    for (const prompt of [SEEING, REFUSED]) {
      expect(page.text).toContain(`<form method="post" action="${post(prompt.id)}" class="reflection-form" data-enhance="reflection">`);
      expect(page.text).toContain(`<label for="answer-${prompt.id}" class="reflection-prompt">${escapeHtml(prompt.prompt)}</label>`);
      expect(page.text).toMatch(new RegExp(`<textarea id="answer-${prompt.id}" name="text" maxlength="2000" rows="4"></textarea>`));
    }
  });

  it('form post: stored under the introduction, redirected back to the prompt, shown again with Saved.', async () => {
    const { user, agent, token } = await learner();
    const text = 'A service timed out & "nothing" in the app log > useful';

    const res = await agent.post(post(SEEING.id)).type('form').send({ _csrf: token, text }).expect(303);

    expect(res.headers.location).toBe(`${PAGE}?saved=${SEEING.id}#reflection-${SEEING.id}`);
    expect(await introAnswers(user.id)).toEqual([[SEEING.id, text]]);
    const page = await agent.get(`${PAGE}?saved=${SEEING.id}`).expect(200);
    expect(page.text).toContain(`>${escapeHtml(text)}</textarea>`);
    expect(page.text).toContain('<span class="save-status" aria-live="polite">Saved.</span>');
    // Not on the step pages: the introduction's answers are its own.
    expect((await agent.get(`${PAGE}/steps/vpcs`).expect(200)).text).not.toContain(escapeHtml(text));
  });

  it('JSON post (the in-place save): returns the saved answer; saving again replaces it; the page shows the latest', async () => {
    const { user, agent, token } = await learner();

    await agent.post(post(REFUSED.id)).set('Accept', 'application/json').send({ _csrf: token, text: 'first guess' }).expect(200);
    const res = await agent.post(post(REFUSED.id)).set('Accept', 'application/json').send({ _csrf: token, text: '  REJECT records\r\nfrom instance 1  ' }).expect(200);

    expect(res.body.reflection).toMatchObject({ labId: LAB, stepId: INTRO_STEP, promptId: REFUSED.id, text: 'REJECT records\nfrom instance 1' });
    expect(await introAnswers(user.id)).toEqual([[REFUSED.id, 'REJECT records\nfrom instance 1']]);
    const page = await agent.get(PAGE).expect(200);
    expect(page.text).toContain('>REJECT records\nfrom instance 1</textarea>');
    expect(page.text).not.toContain('first guess');
  });

  it('an answer with <script>: stored as typed, shown escaped', async () => {
    const { user, agent, token } = await learner();
    const text = 'I expect REJECT <script>alert("x")</script> records';

    await agent.post(post(SEEING.id)).type('form').send({ _csrf: token, text }).expect(303);

    expect(await introAnswers(user.id)).toEqual([[SEEING.id, text]]);
    const page = await agent.get(PAGE).expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('I expect REJECT &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; records</textarea>');
  });

  it('an unknown prompt, or a step\'s prompt on the introduction: 404 saying so, as a page and as JSON; nothing stored', async () => {
    const { user, agent, token } = await learner();

    for (const promptId of ['no-such-prompt', 'what-is-vpc']) {
      const html = await agent.post(post(promptId)).type('form').send({ _csrf: token, text: 'hello' }).expect(404);
      expect(html.text).toContain(escapeHtml(REFLECTION_MESSAGES.INTRO_PROMPT_UNKNOWN));
      const json = await agent.post(post(promptId)).set('Accept', 'application/json').send({ _csrf: token, text: 'hello' }).expect(404);
      expect(json.body.error).toMatchObject({ code: 'NOT_FOUND', message: REFLECTION_MESSAGES.INTRO_PROMPT_UNKNOWN });
    }
    expect(await ctx.store.reflections.forLearner(user.id, LAB)).toEqual([]);
  });

  it('an empty or too long answer: 400, the lab page again with the error on that prompt and the draft kept; JSON names the field', async () => {
    const { user, agent, token } = await learner();
    const long = 'w'.repeat(2001);

    const page = await agent.post(post(REFUSED.id)).type('form').send({ _csrf: token, text: long }).expect(400);

    expect(page.text).toContain('<h1>VPC Monitoring with Flow Logs</h1>');
    expect(page.text).toContain(`aria-invalid="true" aria-describedby="answer-${REFUSED.id}-error">${long}</textarea>`);
    expect(page.text).toContain(`<p class="field-error" id="answer-${REFUSED.id}-error" role="alert">Your answer must be at most 2000 characters.</p>`);
    expect(page.text).not.toContain(`answer-${SEEING.id}-error`);
    const json = await agent.post(post(REFUSED.id)).set('Accept', 'application/json').send({ _csrf: token, text: '   ' }).expect(400);
    expect(json.body.error.fields.text).toEqual(expect.any(String));
    expect(await introAnswers(user.id)).toEqual([]);
  });

  it('anonymous: the prompts with a sign-in link back to the introduction and no text boxes; saving is 401, as a page and as JSON', async () => {
    const agent = request.agent(ctx.app);

    const page = await agent.get(PAGE).expect(200);
    expect(page.text).toContain('<a href="/login?next=%2Flabs%2Fvpc-flow-logs">Sign in</a> to save your answers.');
    expect(page.text).toContain(`<p class="reflection-prompt">${escapeHtml(SEEING.prompt)}</p>`);
    expect(page.text).not.toContain('<textarea');

    const token = await csrfToken(agent, PAGE);
    const html = await agent.post(post(SEEING.id)).type('form').set('Accept', 'text/html').send({ _csrf: token, text: 'anonymous' }).redirects(0).expect(401);
    expect(html.text).toContain(SECURITY_MESSAGES.SIGN_IN);
    const json = await agent.post(post(SEEING.id)).set('Accept', 'application/json').send({ _csrf: token, text: 'anonymous' }).expect(401);
    expect(json.body.error.code).toBe('SIGN_IN_REQUIRED');
  });

  it("another learner sees only their own answers, never the first learner's", async () => {
    const a = await learner();
    const b = await learner();
    await a.agent.post(post(SEEING.id)).type('form').send({ _csrf: a.token, text: 'Alice on seeing traffic' }).expect(303);
    await b.agent.post(post(SEEING.id)).type('form').send({ _csrf: b.token, text: 'Bob on seeing traffic' }).expect(303);

    const pageA = await a.agent.get(PAGE).expect(200);
    const pageB = await b.agent.get(PAGE).expect(200);
    const anonymous = await request(ctx.app).get(PAGE).expect(200);

    expect([pageA.text.includes('Alice on seeing traffic'), pageA.text.includes('Bob on seeing traffic')]).toEqual([true, false]);
    expect([pageB.text.includes('Alice on seeing traffic'), pageB.text.includes('Bob on seeing traffic')]).toEqual([false, true]);
    expect(anonymous.text).not.toMatch(/(Alice|Bob) on seeing traffic/);
    expect(await introAnswers(b.user.id)).toEqual([[SEEING.id, 'Bob on seeing traffic']]);
  });

  it('?saved= naming no prompt of the introduction shows no Saved. notice', async () => {
    const { agent } = await learner();
    for (const saved of ['what-is-vpc', 'no-such-prompt', '<script>']) {
      const page = await agent.get(`${PAGE}?saved=${encodeURIComponent(saved)}`).expect(200);
      expect(page.text).not.toContain('Saved.');
    }
  });
});
