// In a real browser against moto: Check shows a spinner, then the result in place, and the side list's mark changes.
import { solve } from '../../labs/vpc-flow-logs/solve';
import { TEST_PASSWORD, createTestContext, makeUser, type TestContext } from '../helpers/app';
import { launchBrowser, serve } from '../helpers/browser';
import { LEARNER_ACCOUNT, REGION, createVerifierRole, learnerClients, startMoto, type Moto } from '../helpers/moto';

let moto: Moto;
let ctx: TestContext;
let server: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  moto = await startMoto();
  ctx = await createTestContext({ VERILAB_MODE: 'aws', CHECK_RATE_LIMIT_SECONDS: '1' }, { awsEndpoint: moto.url });
  server = await serve(ctx.app);
});
afterAll(async () => {
  await server.close();
  await ctx.close();
  await moto.stop();
});

it('Check with JavaScript: spinner, result in place without a reload, step marked passed in the side list', async () => {
  const user = await makeUser(ctx.store, 'learner', 'Bea Browser');
  const connection = await ctx.store.connections.ensure(user.id, { mode: 'aws', region: REGION });
  const learner = learnerClients(moto);
  const roleArn = await createVerifierRole(learner, connection.externalId);
  await ctx.store.connections.saveRole(user.id, { roleArn, region: REGION, accountId: LEARNER_ACCOUNT, verifiedAt: new Date() });
  await solve(learner, ['vpcs']);

  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/login?next=%2Flabs%2Fvpc-flow-logs%2Fsteps%2Fvpcs`);
    await page.fill('#email', user.email);
    await page.fill('#password', TEST_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/labs/vpc-flow-logs/steps/vpcs`);
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 7));

    const item = page.locator('.step-list li', { has: page.locator('a[href="/labs/vpc-flow-logs/steps/vpcs"]') });
    expect(await item.getAttribute('class')).toContain('status-not-started');
    await page.click('.check-form button[type=submit]');
    await page.locator('.check-result .result-passed').waitFor({ timeout: 20_000 });
    expect(await page.locator('.check-result .check-line.check-ok').count()).toBe(4);
    expect(await page.locator('.spinner').isHidden()).toBe(true);
    expect(await item.getAttribute('class')).toContain('status-passed');
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(7);
  } finally {
    await close();
  }
});
