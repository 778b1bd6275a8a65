// In a real browser: an instructor's open class page follows the class without a reload: a cell changes when a learner's
// check passes in another browser, a learner who joins gets a row, and needs help and the step funnel keep up.
import type { Page } from 'playwright-core';
import type { Store } from '../../server/store';
import { labs, makeUser, TEST_PASSWORD } from '../helpers/app';
import { launchBrowser, serve } from '../helpers/browser';
import { LAB_ID, liveApp, verdictKey, type Verdicts } from '../helpers/live';
import { openTestStore } from '../helpers/store';

const STEP = labs().get(LAB_ID)!.steps[0].id;

let store: Store;
let closeStore: () => Promise<void>;
let server: Awaited<ReturnType<typeof serve>>;
const verdicts: Verdicts = new Map();
beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  server = await serve(liveApp(store, verdicts));
});
afterAll(async () => {
  await server.close();
  await closeStore();
});

it('live grid: the learner passes step 1 in their browser; the cell on the open grid turns passed, same page, no reload', async () => {
  const instructor = await makeUser(store, 'instructor');
  const learner = await makeUser(store, 'learner', 'Lia Live');
  const cls = await store.classes.create({ name: 'Live room', labId: LAB_ID, instructorId: instructor.id });
  await store.classes.enroll(cls.id, learner.id);
  await store.connections.ensure(learner.id, { mode: 'aws', region: 'us-east-1' });
  await store.connections.saveRole(learner.id, { roleArn: 'arn:aws:iam::111122223333:role/VerilabReadOnly', region: 'us-east-1', accountId: '111122223333', verifiedAt: new Date() });
  verdicts.set(verdictKey(learner.id, STEP), { passed: true });

  const teacher = await launchBrowser();
  const student = await launchBrowser();
  try {
    const grid = await teacher.browser.newPage();
    await signIn(grid, server.url, instructor.email, `/classes/${cls.id}`);
    await grid.locator('[data-live-status]', { hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await grid.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7));
    const cell = grid.locator(`tr[data-learner="${learner.id}"] td.cell`).first();
    expect(await cell.getAttribute('class')).toContain('status-not-started');

    const page = await student.browser.newPage();
    await signIn(page, server.url, learner.email, `/labs/${LAB_ID}/steps/${STEP}`);
    await page.click('.check-form button[type=submit]');
    await page.locator('.check-result .result-passed').waitFor({ timeout: 10_000 });

    await grid.locator(`tr[data-learner="${learner.id}"] td.cell.status-passed`).first().waitFor({ timeout: 2000 });
    expect(await cell.getAttribute('class')).toContain('status-passed');
    expect(await cell.textContent()).toMatch(/passed at \d\d:\d\d UTC/);
    expect(await grid.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(7);
  } finally {
    await student.close();
    await teacher.close();
  }
});

it('live class page: a learner joins an empty class and gets a row; needs help and the funnel follow their checks; time alone makes someone stuck', async () => {
  const instructor = await makeUser(store, 'instructor');
  const learner = await makeUser(store, 'learner', 'Jo Joiner');
  const cls = await store.classes.create({ name: 'Empty room', labId: LAB_ID, instructorId: instructor.id });
  await store.connections.ensure(learner.id, { mode: 'aws', region: 'us-east-1' });
  await store.connections.saveRole(learner.id, { roleArn: 'arn:aws:iam::111122223333:role/VerilabReadOnly', region: 'us-east-1', accountId: '111122223333', verifiedAt: new Date() });
  verdicts.set(verdictKey(learner.id, STEP), { passed: false, label: 'a subnet in VPC 1' });

  const teacher = await launchBrowser();
  const student = await launchBrowser();
  try {
    const grid = await teacher.browser.newPage();
    // The page's clock can be moved on: the minute between summaries passes in a moment.
    await grid.clock.install();
    await signIn(grid, server.url, instructor.email, `/classes/${cls.id}`);
    await grid.locator('[data-live-status]', { hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await grid.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7));
    expect(await grid.locator('[data-grid-empty]').isVisible()).toBe(true);
    expect(await grid.locator('.progress-grid').isVisible()).toBe(false);

    // The learner joins by the class's link: a row of "not started", and the count, with no reload.
    const page = await student.browser.newPage();
    await signIn(page, server.url, learner.email, `/join/${cls.joinCode}`);
    await page.click('form[action="/join"] button[type=submit]');
    await page.waitForURL(/\/classes\?joined=/);
    const row = grid.locator(`tr[data-learner="${learner.id}"]`);
    await row.waitFor({ timeout: 5000 });
    expect(await row.locator('th a').textContent()).toBe('Jo Joiner');
    expect(await row.locator('th a').getAttribute('href')).toBe(`/classes/${cls.id}/learners/${learner.id}`);
    expect(await row.locator('[data-col="activity"]').textContent()).toBe('never');
    expect(await grid.locator('[data-grid-empty]').isVisible()).toBe(false);
    expect(await grid.locator('.progress-grid').isVisible()).toBe(true);
    await grid.locator('[data-grid-heading]', { hasText: 'Learners (1)' }).waitFor({ timeout: 5000 });
    await grid.locator('[data-grid-count]', { hasText: '1 of 1 shown.' }).waitFor({ timeout: 5000 });

    // Three failed checks of step 1: needs help names them and the failing check, and a screen reader hears it.
    const stepPath = `/labs/${LAB_ID}/steps/${STEP}`;
    await page.goto(`${server.url}${stepPath}`);
    for (let i = 1; i <= 3; i++) {
      // The Check button's rate limit is a second here.
      if (i > 1) await page.waitForTimeout(1100);
      await page.click('.check-form button[type=submit]');
      await page.locator('.check-result', { hasText: `${i} attempt` }).or(page.locator('.check-result .result-failed')).first().waitFor({ timeout: 10_000 });
      await page.waitForLoadState();
    }
    const help = grid.locator('.needs-help');
    await help.locator('h2', { hasText: 'Needs help (1)' }).waitFor({ timeout: 10_000 });
    expect(await help.textContent()).toMatch(/Jo Joiner:\s*step 1, [^(]+\(failed 3 times\)\. Failing: a subnet in VPC 1/);
    expect(await grid.locator('[data-help-announce]').textContent()).toBe('Needs help (1)');
    expect(await row.locator('td.cell').first().getAttribute('class')).toContain('status-failed');

    // Then it passes: the funnel counts them, and nobody needs help. The instructor's keyboard is on the learner's link in
    // needs help, so that list stays until the focus leaves it; the funnel changes at once.
    await help.locator('a', { hasText: 'Jo Joiner' }).focus();
    verdicts.set(verdictKey(learner.id, STEP), { passed: true });
    await page.waitForTimeout(1100);
    await page.click('.check-form button[type=submit]');
    await page.locator('.check-result .result-passed').waitFor({ timeout: 10_000 });
    const funnelRow = grid.locator(`.funnel-table tr[data-step="${STEP}"] td`).first();
    await grid.locator(`.funnel-table tr[data-step="${STEP}"] td`, { hasText: '1' }).first().waitFor({ timeout: 10_000 });
    expect(await funnelRow.textContent()).toBe('1');
    expect(await help.locator('h2').textContent()).toBe('Needs help (1)');
    expect(await grid.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Jo Joiner');
    expect(await grid.locator('[data-help-announce]').textContent()).toBe('Needs help (0)');
    await grid.locator('#grid-filter').focus();
    await help.locator('h2', { hasText: 'Needs help (0)' }).waitFor({ timeout: 2000 });
    expect(await grid.locator('.funnel-chart desc').textContent()).toContain('Step 1: 1 of 1;');

    // Someone else has been on step 1 for 25 minutes, written straight to the store: no event, so only the clock tells.
    const slow = await makeUser(store, 'learner', 'Sam Slow');
    await store.classes.enroll(cls.id, slow.id);
    await store.progress.recordAttempt({ userId: slow.id, labId: LAB_ID, stepId: STEP, status: 'failed', checks: [{ label: 'a subnet in VPC 1', ok: false }], evidence: {}, durationMs: 10, at: new Date(Date.now() - 25 * 60_000) });
    await grid.waitForTimeout(300);
    expect(await help.locator('h2').textContent()).toBe('Needs help (0)');
    await grid.clock.fastForward(61_000);
    await help.locator('h2', { hasText: 'Needs help (1)' }).waitFor({ timeout: 5000 });
    expect(await grid.locator('.needs-help').textContent()).toMatch(/Sam Slow:\s*step 1, [^(]+\(on it for 25 minutes\)/);
    await grid.locator('[data-grid-heading]', { hasText: 'Learners (2)' }).waitFor({ timeout: 5000 });
    expect(await grid.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(7);
  } finally {
    await student.close();
    await teacher.close();
  }
});

async function signIn(page: Page, base: string, email: string, next: string) {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#email', email);
  await page.fill('#password', TEST_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}${next}`);
}
