import type { Express } from 'express';
import request from 'supertest';
import { createTestContext, labs, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { escapeHtml } from '../../helpers/html';

const lab = labs().get('vpc-flow-logs')!;
let ctx: TestContext;
let app: Express;
beforeAll(async () => {
  ctx = await createTestContext();
  app = ctx.app;
});
afterAll(() => ctx.close());

describe('lab pages', () => {
  it('catalogue: lists the VPC Flow Logs lab', async () => {
    const res = await request(app).get('/').expect(200).expect('Content-Type', /html/);
    expect(res.text).toContain('href="/labs/vpc-flow-logs"');
    expect(res.text).toContain(escapeHtml(lab.title));
  });

  it('lab introduction: renders the intro, the step list and a start link', async () => {
    const res = await request(app).get('/labs/vpc-flow-logs').expect(200);
    expect(res.text).toContain(lab.introHtml);
    for (const step of lab.steps) expect(res.text).toContain(`href="/labs/vpc-flow-logs/steps/${step.id}"`);
    expect(res.text).toContain('Start with step 1');
  });

  it.each(lab.steps.map((s) => [s.id, s] as const))('step %s: title, goal, body, hints, reflection prompts and navigation', async (_id, step) => {
    const res = await request(app).get(`/labs/vpc-flow-logs/steps/${step.id}`).expect(200);
    expect(res.text).toContain(escapeHtml(step.title));
    expect(res.text).toContain(step.goalHtml);
    expect(res.text).toContain(step.html);
    expect(step.hintsHtml.length).toBeGreaterThanOrEqual(2);
    step.hintsHtml.forEach((hint, i) => {
      expect(res.text).toContain(`<summary>Hint ${i + 1}</summary><p>${hint}</p>`);
    });
    expect(step.reflections.length).toBeGreaterThanOrEqual(1);
    for (const r of step.reflections) expect(res.text).toContain(escapeHtml(r.prompt));
    // the current step is marked in the side list
    expect(res.text).toMatch(new RegExp(`href="/labs/vpc-flow-logs/steps/${step.id}" aria-current="step"`));
    const next = lab.steps[step.number];
    if (next) expect(res.text).toContain(`class="pager-next" href="/labs/vpc-flow-logs/steps/${next.id}"`);
    else expect(res.text).toContain('class="pager-next" href="/labs/vpc-flow-logs/finish"');
  });

  it('step pages: Console and AWS CLI tabs and a collapsed solution on every step', () => {
    for (const step of lab.steps) {
      expect(step.html).toContain('>Console</label>');
      expect(step.html).toContain('>AWS CLI</label>');
      expect(step.html).toContain('<details class="solution">');
    }
  });

  it('finish page: what was learned and how to delete everything', async () => {
    const res = await request(app).get('/labs/vpc-flow-logs/finish').expect(200);
    expect(res.text).toContain(lab.finish!.html);
    expect(res.text).toMatch(/delete/i);
  });

  it('lab content: matches what the checks demand', () => {
    const all = lab.steps.map((s) => s.html).join('\n');
    for (const needle of ['10.1.0.0/16', '10.2.0.0/16', 'vpc-flow-logs.amazonaws.com', 'logs:CreateLogStream', 'logs:PutLogEvents',
      'logs:DescribeLogGroups', 'logs:DescribeLogStreams', '--traffic-type ALL', '--max-aggregation-interval 60',
      'accept-vpc-peering-connection', 'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 10']) {
      expect(all).toContain(escapeHtml(needle));
    }
  });

  it('healthz: reports ok as JSON', async () => {
    const res = await request(app).get('/healthz').expect(200).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: 'ok', labs: 1 });
  });

  it('static files: the stylesheet is served', async () => {
    const res = await request(app).get('/static/style.css').expect(200).expect('Content-Type', /css/);
    expect(res.text).toContain('prefers-color-scheme: dark');
  });
});

describe('not found', () => {
  it.each(['/labs/nope', '/labs/vpc-flow-logs/steps/nope', '/labs/nope/steps/vpcs', '/nothing/here'])('%s: HTML 404 page', async (url) => {
    const res = await request(app).get(url).set('Accept', 'text/html').expect(404).expect('Content-Type', /html/);
    expect(res.text).toContain('Page not found');
  });

  it('unknown lab: JSON 404 when JSON is asked for', async () => {
    const res = await request(app).get('/labs/nope').set('Accept', 'application/json').expect(404).expect('Content-Type', /json/);
    expect(res.body).toEqual({ error: { code: 'LAB_NOT_FOUND', message: 'There is no lab with that name.' } });
  });

  it('unknown step: JSON 404 names the problem', async () => {
    const res = await request(app).get('/labs/vpc-flow-logs/steps/nope').set('Accept', 'application/json').expect(404);
    expect(res.body.error.code).toBe('STEP_NOT_FOUND');
  });
});

describe('odd addresses', () => {
  it.each(['/labs/%E0%A4%A', '/join/%', '/labs/vpc-flow-logs/steps/%ZZ'])('%s: a malformed escape is a 400, not a 500', async (url) => {
    const res = await request(app).get(url).set('Accept', 'application/json').expect(400);
    expect(res.body.error.message).toBe('That address is not valid.');
  });

  it.each(['/classes/%00', `/classes/${'x'.repeat(3000)}`, '/classes/00000000-0000-0000-0000-000000000000/learners/%00'])('%s: unknown class ids are a 404 on every database', async (url) => {
    const agent = await signedIn(app, await makeUser(ctx.store, 'instructor'));
    await agent.get(url).set('Accept', 'application/json').expect(404);
  });
});
