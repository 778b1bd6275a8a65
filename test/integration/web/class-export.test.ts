// The class's progress CSV: parsed back and compared cell by cell; names that break naive CSV or run in a spreadsheet survive as text.
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { CSV_COLUMNS, csvFilename, neutraliseFormula } from '../../../server/web/class-export';
import { createTestContext, makeUser, signedIn, type TestContext } from '../../helpers/app';

const LAB = 'vpc-flow-logs';
const STEPS = ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights'];
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe('class CSV export', () => {
  it('one row per learner and step, every cell as stored; formulas neutralised; commas, quotes and newlines survive', async () => {
    const instructor = await makeUser(ctx.store, 'instructor');
    const cls = await ctx.store.classes.create({ name: 'Networking, "101"', labId: LAB, instructorId: instructor.id });
    const names = ['=HYPERLINK("x"), "Bob"', 'Smith, Jane', 'Ann "the Ace" Lee', 'Two\nLines', '+plus', '-minus', '@at', '=1+2', 'Zoë Plain'];
    const learners = [];
    for (const name of names) {
      const learner = await makeUser(ctx.store, 'learner', name);
      await ctx.store.classes.enroll(cls.id, learner.id);
      learners.push(learner);
    }
    const bob = learners[0];
    const t0 = new Date('2025-03-01T09:00:00.000Z');
    await ctx.store.progress.recordAttempt({ userId: bob.id, labId: LAB, stepId: 'vpcs', status: 'failed', checks: [], evidence: {}, durationMs: 5, at: t0 });
    await ctx.store.progress.recordAttempt({ userId: bob.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [], evidence: {}, durationMs: 5, at: new Date(t0.getTime() + 12 * 60_000) });
    await ctx.store.progress.recordAttempt({ userId: bob.id, labId: LAB, stepId: 'instances', status: 'failed', checks: [], evidence: {}, durationMs: 5, at: new Date(t0.getTime() + 20 * 60_000) });

    const res = await (await signedIn(ctx.app, instructor)).get(`/classes/${cls.id}/export.csv`).expect(200);

    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename=networking-101-progress.csv');
    expect(res.headers['cache-control']).toBe('no-store');
    const rows = parse(res.text, { bom: true }) as string[][];
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + names.length * STEPS.length);
    const byName = (name: string) => rows.slice(1).filter((r) => r[0] === name);
    expect(byName(`'=HYPERLINK("x"), "Bob"`).map((r) => r.slice(1))).toEqual(
      STEPS.map((step) =>
        step === 'vpcs'
          ? [bob.email, 'vpcs', 'passed', '2', '2025-03-01T09:00:00.000Z', '2025-03-01T09:12:00.000Z', '12']
          : step === 'instances'
            ? [bob.email, 'instances', 'failed', '1', '2025-03-01T09:20:00.000Z', '', '0']
            : [bob.email, step, 'not-started', '0', '', '', ''],
      ),
    );
    for (const [name, shown] of [['Smith, Jane', 'Smith, Jane'], ['Ann "the Ace" Lee', 'Ann "the Ace" Lee'], ['Two\nLines', 'Two\nLines'], ['+plus', "'+plus"], ['-minus', "'-minus"], ['@at', "'@at"], ['=1+2', "'=1+2"], ['Zoë Plain', 'Zoë Plain']]) {
      const learner = learners[names.indexOf(name)];
      expect({ name, rows: byName(shown).map((r) => r.slice(1, 4)) }).toEqual({ name, rows: STEPS.map((s) => [learner.email, s, 'not-started']) });
    }
    // No cell of the file starts a formula.
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('neutralises every formula-leading character, and leaves other text alone', () => {
    expect(['=1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', 'plain', '', "'quoted"].map(neutraliseFormula)).toEqual(["'=1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\r=1", 'plain', '', "'quoted"]);
  });

  it('filenames are lower-case ASCII words whatever the class is called', () => {
    expect(csvFilename('Réseaux / "Évening" ../../etc')).toBe('reseaux-evening-etc-progress.csv');
    expect(csvFilename('日本語')).toBe('class-progress.csv');
  });

  it('another instructor gets 404, a learner 403, an anonymous visitor the sign-in page; none gets a file', async () => {
    const instructor = await makeUser(ctx.store, 'instructor');
    const learner = await makeUser(ctx.store, 'learner', 'Secret Sam');
    const cls = await ctx.store.classes.create({ name: 'Private', labId: LAB, instructorId: instructor.id });
    await ctx.store.classes.enroll(cls.id, learner.id);
    const url = `/classes/${cls.id}/export.csv`;
    const other = await (await signedIn(ctx.app, await makeUser(ctx.store, 'instructor'))).get(url).expect(404);
    const self = await (await signedIn(ctx.app, learner)).get(url).expect(403);
    const anonymous = await request(ctx.app).get(url).set('Accept', 'text/html').redirects(0).expect(303);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
    for (const res of [other, self, anonymous]) {
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).not.toContain(CSV_COLUMNS.join(','));
    }
  });
});
