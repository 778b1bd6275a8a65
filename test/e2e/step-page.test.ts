// In a real browser: tabs switch without JavaScript, and a reflection saves in place when JavaScript is on.
import { createTestContext, type TestContext } from '../helpers/app';
import { launchBrowser, serve } from '../helpers/browser';

let ctx: TestContext;
let server: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  ctx = await createTestContext();
  server = await serve(ctx.app);
});
afterAll(async () => {
  await server.close();
  await ctx.close();
});

describe('step page in Chromium', () => {
  it('without JavaScript: the Console tab shows first, clicking "AWS CLI" shows the CLI; the solution opens', async () => {
    const { browser, close } = await launchBrowser({ javaScriptEnabled: false });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/labs/vpc-flow-logs/steps/vpcs`);
      const consolePanel = page.locator('.tabs').first().locator('.tab-panel[data-tab="Console"]');
      const cliPanel = page.locator('.tabs').first().locator('.tab-panel[data-tab="AWS CLI"]');
      expect(await consolePanel.isVisible()).toBe(true);
      expect(await cliPanel.isVisible()).toBe(false);
      await page.locator('.tabs').first().locator('label', { hasText: 'AWS CLI' }).click();
      expect(await cliPanel.isVisible()).toBe(true);
      expect(await consolePanel.isVisible()).toBe(false);
      // copy buttons stay hidden without the script that makes them work
      expect(await page.locator('.copy-button').first().isVisible()).toBe(false);
      const solution = page.locator('details.solution').first();
      expect(await solution.locator('pre').first().isVisible()).toBe(false);
      await solution.locator('summary').click();
      expect(await solution.locator('pre').first().isVisible()).toBe(true);
    } finally {
      await close();
    }
  });

  it('with JavaScript: sign up, answer a reflection, save without a reload, and the answer is stored', async () => {
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${server.url}/labs/vpc-flow-logs/steps/ping`);
      await page.getByRole('link', { name: 'Sign in' }).last().click();
      await page.getByRole('link', { name: 'Sign up' }).last().click();
      await page.fill('#name', 'Edith Browser');
      await page.fill('#email', 'edith@example.com');
      await page.fill('#password', 'a long browser password');
      await page.click('button[type=submit]');
      await page.waitForURL(`${server.url}/labs/vpc-flow-logs/steps/ping`);

      await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
      await page.fill('#answer-first-ping-failed', 'There was no route to 10.2.0.0/16.');
      await page.locator('#reflection-first-ping-failed button[type=submit]').click();
      await page.locator('#reflection-first-ping-failed .save-status', { hasText: 'Saved.' }).waitFor();
      // the same document: no reload happened
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);

      const user = await ctx.store.users.findByEmailWithHash('edith@example.com');
      const stored = await ctx.store.reflections.forLearner(user!.id, 'vpc-flow-logs', 'ping');
      expect(stored.map((r) => [r.promptId, r.text])).toEqual([['first-ping-failed', 'There was no route to 10.2.0.0/16.']]);

      // angle brackets are text like any other: saved as typed, never turned into markup
      await page.fill('#answer-first-ping-failed', 'Ping <instance 2 private IP>: <b>no</b> route, cost < budget.');
      await page.locator('#reflection-first-ping-failed button[type=submit]').click();
      await page.locator('#reflection-first-ping-failed .save-status', { hasText: 'Saved.' }).waitFor();
      expect((await ctx.store.reflections.forLearner(user!.id, 'vpc-flow-logs', 'ping')).map((r) => r.text)).toEqual(['Ping <instance 2 private IP>: <b>no</b> route, cost < budget.']);
      await page.reload();
      expect(await page.inputValue('#answer-first-ping-failed')).toBe('Ping <instance 2 private IP>: <b>no</b> route, cost < budget.');
      expect(await page.locator('#reflection-first-ping-failed b').count()).toBe(0);

      await page.fill('#answer-first-ping-failed', '   ');
      await page.locator('#reflection-first-ping-failed button[type=submit]').click();
      await page.locator('#reflection-first-ping-failed .save-status', { hasText: 'Your answer is required.' }).waitFor();
      expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await close();
    }
  });
});
