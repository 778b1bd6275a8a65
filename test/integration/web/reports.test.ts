// Completion reports on the web: the learner's page and PDF, sharing and revoking, the shared page (no email, the account
// masked), the progress-so-far view, the instructor's view, and bad input that never shows anything it should not.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestContext, makeUser, signedIn, type TestContext } from '../../helpers/app';
import { REPORT_ACCOUNT, storeFixtureReport } from '../../helpers/reports';
import { send } from '../../helpers/routes';

const LAB = 'vpc-flow-logs';
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ VERILAB_MODE: 'aws', PUBLIC_URL: 'http://verilab.example' });
});
afterAll(() => ctx.close());

/** The text of a PDF, as a reader copying it would get it. */
function pdfText(body: Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-report-')), 'report.pdf');
  fs.writeFileSync(file, body);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('the learner\'s report', () => {
  it('shows the report with its diagram, records and top 10, the reflections escaped, and the account masked', async () => {
    const learner = await makeUser(ctx.store, 'learner', 'Zoë Ångström');
    await storeFixtureReport(ctx.store, learner);
    const page = await (await signedIn(ctx.app, learner)).get(`/reports/${LAB}`).expect(200);
    expect(page.text).toContain('<h1>VPC Monitoring with Flow Logs</h1>');
    expect(page.text).toContain('Zoë Ångström');
    expect(page.text).toContain(learner.email);
    expect(page.text).toContain('VPC 1 (vpc-0aaa, 10.1.0.0/16) has public subnet subnet-0aaa (10.1.0.0/24) whose route table rtb-0aaa sends 0.0.0.0/0 to igw-0aaa.');
    expect(page.text).toContain('1 packet, 44 bytes of TCP to port 22 from 143.42.1.191 to 10.1.0.12 was REJECTED');
    expect(page.text).toMatch(/<tr><td>1<\/td><td>10\.1\.0\.12<\/td><td>10\.2\.0\.7<\/td><td>4,200<\/td><\/tr>/);
    expect(page.text).toMatch(/<svg[^>]+role="img"/);
    expect(page.text).toContain('Checked by Verilab against AWS account ••••9012 on 2026-03-05');
    expect(page.text).toContain('2 h 05 min');
    expect(page.text).toContain('(skipped: passed by Verilab');
    // Learner-written text is text; the record's account field is masked like the verification line.
    expect(page.text).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain(REPORT_ACCOUNT);
    // ARNs in the sentences too.
    expect(page.text).toContain('(arn:aws:iam::••••9012:role/VerilabFlowLogsRole)');
  });

  it('downloads as a PDF in A4 or Letter, with the name, the title and the top 10 in its text', async () => {
    const learner = await makeUser(ctx.store, 'learner', 'Zoë Ångström');
    await storeFixtureReport(ctx.store, learner);
    const agent = await signedIn(ctx.app, learner);
    const a4 = await agent.get(`/reports/${LAB}.pdf`).buffer(true).parse(binary).expect(200);
    expect(a4.headers['content-type']).toBe('application/pdf');
    expect(a4.headers['content-disposition']).toContain('vpc-flow-logs-report.pdf');
    const body = a4.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(body);
    for (const expected of ['Zoë Ångström', 'VPC Monitoring with Flow Logs', '10.1.0.12', '10.2.0.7', '4,200', '4,100', '••••9012']) expect(text).toContain(expected);
    expect(text).toContain('<script>alert("x")</script>');
    expect(text).not.toContain(REPORT_ACCOUNT);
    const letter = await agent.get(`/reports/${LAB}.pdf?paper=letter`).buffer(true).parse(binary).expect(200);
    // A4 is 595.28 × 841.89 points, US Letter 612 × 792.
    expect((a4.body as Buffer).toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    expect((letter.body as Buffer).toString('latin1')).toMatch(/\/MediaBox \[0 0 612 792\]/);
    await agent.get(`/reports/${LAB}.pdf?paper=tabloid`).expect(400);
  });

  it('an unfinished lab offers no report but the progress so far; its PDF is 404', async () => {
    const learner = await makeUser(ctx.store, 'learner');
    await ctx.store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [], evidence: { vpcA: { vpcId: 'vpc-0zzz', cidr: '10.1.0.0/16' } }, durationMs: 5 });
    const agent = await signedIn(ctx.app, learner);
    const page = await agent.get(`/reports/${LAB}`).expect(200);
    expect(page.text).toContain('Progress so far');
    expect(page.text).toContain('1 of 8 so far');
    expect(page.text).toContain('VPC 1 (vpc-0zzz, 10.1.0.0/16) exists.');
    expect(page.text).not.toContain('Download PDF');
    await agent.get(`/reports/${LAB}.pdf`).expect(404);
    const json = await agent.get(`/reports/${LAB}`).set('Accept', 'application/json').expect(404);
    expect(json.body.error.code).toBe('REPORT_NOT_FOUND');
    // Nothing to share, nothing to write yet.
    expect((await send(agent, 'POST', `/reports/${LAB}/share`, { json: true })).status).toBe(404);
    expect((await send(agent, 'POST', `/reports/${LAB}/regenerate`, { json: true })).status).toBe(409);
  });

  it('unknown labs and anonymous visitors get 404 and the sign-in page', async () => {
    const learner = await makeUser(ctx.store, 'learner');
    await (await signedIn(ctx.app, learner)).get('/reports/no-such-lab').expect(404);
    await (await signedIn(ctx.app, learner)).get('/reports/no-such-lab.pdf').expect(404);
    const anonymous = await request(ctx.app).get(`/reports/${LAB}`).expect(303);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
  });
});

describe('sharing', () => {
  it('makes an unguessable public link that hides the email and masks the account, says who issued it, and 404s once revoked', async () => {
    const learner = await makeUser(ctx.store, 'learner', 'Sam Sharer');
    await storeFixtureReport(ctx.store, learner);
    const agent = await signedIn(ctx.app, learner);
    const shared = await send(agent, 'POST', `/reports/${LAB}/share`, { json: true });
    expect(shared.status).toBe(200);
    const url = shared.body.url as string;
    expect(url).toMatch(/^http:\/\/verilab\.example\/r\/[A-Za-z0-9_-]{43}$/);
    // Sharing again keeps the same link.
    expect((await send(agent, 'POST', `/reports/${LAB}/share`, { json: true })).body.url).toBe(url);
    const token = url.split('/r/')[1];

    const visitor = await request(ctx.app).get(`/r/${token}`).expect(200);
    expect(visitor.text).toContain('Sam Sharer');
    expect(visitor.text).toContain('••••9012');
    expect(visitor.text).not.toContain(learner.email);
    expect(visitor.text).not.toContain(REPORT_ACCOUNT);
    expect(visitor.text).toContain('Verify: Verilab issued this report on <time datetime="2026-03-05T14:03:00.000Z">2026-03-05 14:03 UTC</time> and its owner shared it on');
    expect(visitor.text).toContain(`<a href="${url}">${url}</a>`);
    expect(visitor.text).toContain('&lt;script&gt;');
    expect(visitor.headers['x-robots-tag']).toBe('noindex');
    const pdf = await request(ctx.app).get(`/r/${token}.pdf`).buffer(true).parse(binary).expect(200);
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('Sam Sharer');
    expect(text).not.toContain(learner.email);
    expect(text).not.toContain(REPORT_ACCOUNT);

    // The owner's page shows the link and offers to revoke it.
    expect((await agent.get(`/reports/${LAB}`).expect(200)).text).toContain(`value="${url}"`);
    const revoked = await send(agent, 'POST', `/reports/${LAB}/share/revoke`, { json: true });
    expect(revoked.body).toEqual({ revoked: true });
    await request(ctx.app).get(`/r/${token}`).expect(404);
    await request(ctx.app).get(`/r/${token}.pdf`).expect(404);
    // A new share is a new link; the old one stays dead.
    const again = (await send(agent, 'POST', `/reports/${LAB}/share`, { json: true })).body.url as string;
    expect(again).not.toBe(url);
    await request(ctx.app).get(`/r/${token}`).expect(404);
  });

  it('made-up, malformed and overlong tokens are 404 with nothing of anyone\'s report', async () => {
    const learner = await makeUser(ctx.store, 'learner', 'Nobody Guessed');
    await storeFixtureReport(ctx.store, learner);
    for (const token of ['x', 'A'.repeat(43), 'A'.repeat(2000), '..%2f..%2fetc', '%00', 'null']) {
      const res = await request(ctx.app).get(`/r/${token}`);
      expect({ token, status: res.status }).toEqual({ token, status: 404 });
      expect(res.text).not.toContain('Nobody Guessed');
    }
  });

  it('another learner never reaches someone else\'s report: their /reports page is their own', async () => {
    const alice = await makeUser(ctx.store, 'learner', 'Alice Reporter');
    const bob = await makeUser(ctx.store, 'learner', 'Bob Nosy');
    await storeFixtureReport(ctx.store, alice);
    const bobAgent = await signedIn(ctx.app, bob);
    const page = await bobAgent.get(`/reports/${LAB}`).expect(200);
    expect(page.text).not.toContain('Alice Reporter');
    await bobAgent.get(`/reports/${LAB}.pdf`).expect(404);
    // Bob's revoke and share touch only Bob's (missing) report.
    expect((await send(bobAgent, 'POST', `/reports/${LAB}/share/revoke`, { json: true })).status).toBe(404);
    const aliceAgent = await signedIn(ctx.app, alice);
    const url = (await send(aliceAgent, 'POST', `/reports/${LAB}/share`, { json: true })).body.url as string;
    await send(bobAgent, 'POST', `/reports/${LAB}/share/revoke`, { json: true });
    await request(ctx.app).get(`/r/${url.split('/r/')[1]}`).expect(200);
  });
});

describe('instructors', () => {
  it('open a learner\'s report from the learner page of their class; other instructors and learners get 404 or 403', async () => {
    const instructor = await makeUser(ctx.store, 'instructor');
    const learner = await makeUser(ctx.store, 'learner', 'Rita Reported');
    const cls = await ctx.store.classes.create({ name: 'Reports class', labId: LAB, instructorId: instructor.id });
    await ctx.store.classes.enroll(cls.id, learner.id);
    const agent = await signedIn(ctx.app, instructor);
    const url = `/classes/${cls.id}/learners/${learner.id}/report`;
    // No report yet: the learner page has no link and the report is 404.
    expect((await agent.get(`/classes/${cls.id}/learners/${learner.id}`).expect(200)).text).not.toContain(url);
    await agent.get(url).expect(404);
    expect((await agent.get(`/classes/${cls.id}`).expect(200)).text).not.toContain(url);
    await storeFixtureReport(ctx.store, learner);
    expect((await agent.get(`/classes/${cls.id}/learners/${learner.id}`).expect(200)).text).toContain(`<a href="${url}">`);
    // The class grid links to it beside the learner's name.
    expect((await agent.get(`/classes/${cls.id}`).expect(200)).text).toContain(`<a class="report-link" href="${url}">report<span class="visually-hidden"> of Rita Reported</span></a>`);
    const page = await agent.get(url).expect(200);
    expect(page.text).toContain('Rita Reported');
    expect(page.text).toContain('whose route table rtb-0aaa');
    expect(page.text).toContain('&lt;script&gt;');
    await (await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'))).get(url).expect(404);
    await (await signedIn(ctx.app, learner)).get(url).expect(403);
    expect((await request(ctx.app).get(url).expect(303)).headers.location).toMatch(/^\/login/);
  });
});
