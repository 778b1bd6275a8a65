// In a real browser: an instructor's open class grid changes a cell, without a reload, when a learner's check passes in another browser.
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

async function signIn(page: Page, base: string, email: string, next: string) {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#email', email);
  await page.fill('#password', TEST_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}${next}`);
}
