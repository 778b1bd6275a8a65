// Screen readers hear every tick, cross and status: each CSS-drawn mark is hidden from them and has its words in visually hidden text.
import type { Express } from 'express';
import request from 'supertest';
import { createTestContext, makeUser, signedIn, type TestContext } from '../../helpers/app';

let ctx: TestContext;
let app: Express;
beforeAll(async () => {
  ctx = await createTestContext();
  app = ctx.app;
});
afterAll(() => ctx.close());

/** The text of every visually hidden span, in page order. */
function hiddenTexts(html: string): string[] {
  return [...html.matchAll(/<span class="visually-hidden[^"]*">([^<]*)<\/span>/g)].map((m) => m[1]);
}

async function learnerWithAttempt() {
  const user = await makeUser(ctx.store, 'learner');
  await ctx.store.progress.recordAttempt({
    userId: user.id,
    labId: 'vpc-flow-logs',
    stepId: 'vpcs',
    status: 'unknown',
    checks: [
      { label: 'VPC 1 exists', ok: true },
      { label: 'VPC 2 exists', ok: false, hint: 'Create VPC 2.' },
      { label: 'Subnets', ok: 'unknown', detail: 'the role lacks ec2:DescribeSubnets' },
    ],
    evidence: {},
    durationMs: 5,
  });
  return user;
}

describe('status marks for screen readers', () => {
  it('step page, a check with a pass, a failure and an unknown: each line says so in hidden text; the marks are aria-hidden', async () => {
    const agent = await signedIn(app, await learnerWithAttempt());
    const res = await agent.get('/labs/vpc-flow-logs/steps/vpcs').expect(200);
    expect(res.text).toContain('<span class="visually-hidden">Passed: </span>VPC 1 exists');
    expect(res.text).toContain('<span class="visually-hidden">Failed: </span>VPC 2 exists');
    expect(res.text).toContain('<span class="visually-hidden">Could not check: </span>Subnets');
    expect(res.text.match(/<span class="check-mark"[^>]*>/g)).toEqual(Array(3).fill('<span class="check-mark" aria-hidden="true">'));
    expect(res.text).not.toMatch(/<span[^>]*class="(check|status)-mark"[^>]*aria-label/);
  });

  it('step list: each step link ends with its status in hidden text', async () => {
    const agent = await signedIn(app, await learnerWithAttempt());
    const res = await agent.get('/labs/vpc-flow-logs/steps/instances').expect(200);
    const statuses = hiddenTexts(res.text).filter((t) => t.startsWith(', '));
    expect(statuses[0]).toBe(', unknown');
    expect(statuses.slice(1).every((t) => t === ', not started')).toBe(true);
    expect(statuses.length).toBeGreaterThan(1);
  });

  it('class grid: each cell has its status in hidden text, not only a title on an empty span', async () => {
    const instructor = await makeUser(ctx.store, 'instructor');
    const learner = await learnerWithAttempt();
    const cls = await ctx.store.classes.create({ name: 'Screen reader class', labId: 'vpc-flow-logs', instructorId: instructor.id });
    await ctx.store.classes.enroll(cls.id, learner.id);
    const agent = await signedIn(app, instructor);
    const res = await agent.get(`/classes/${cls.id}`).expect(200);
    const body = /<tbody>[\s\S]*?<\/tbody>/.exec(res.text)![0];
    const cells = hiddenTexts(body);
    expect(cells[0]).toMatch(/^could not be checked after 1 attempt/);
    expect(cells.slice(1).every((t) => t === 'not started')).toBe(true);
    expect(res.text).not.toMatch(/<span class="status-mark" title="[^"]*"><\/span>/);
  });

  it('style sheet: the visually-hidden class keeps the text off screen but in the page', async () => {
    const res = await request(app).get('/static/style.css').expect(200);
    expect(res.text).toMatch(/\.visually-hidden \{[^}]*clip: rect\(0, 0, 0, 0\)/);
  });
});
