// On a phone-sized viewport (390×844): the step list folds away under its summary so the step comes first, and the cloud
// shell opens and runs a command. Chromium against Verilab in sandbox mode, shells included.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../helpers/browser';
import { startSandboxVerilab, type SandboxVerilab } from '../helpers/verilab';

const LAB = 'vpc-flow-logs';
const ARTIFACTS = path.join(__dirname, 'artifacts');

let verilab: SandboxVerilab | undefined;
let base: string;

beforeAll(async () => {
  verilab = await startSandboxVerilab('phone');
  ({ base } = verilab);
}, 60_000);

afterAll(() => verilab?.stop());

it('a phone shows the step first with the step list folded, and the cloud shell is usable', async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/signup?next=%2Flabs%2F${LAB}%2Fsteps%2Fvpcs`);
    await page.fill('#name', 'Pat Phone');
    await page.fill('#email', 'pat@example.com');
    await page.fill('#password', 'a long enough password');
    await Promise.all([page.waitForURL(`${base}/labs/${LAB}/steps/vpcs`), page.click('form button[type=submit]')]);

    // Folded: the summary says where the learner is, the links are hidden, the step's heading is on the first screen.
    const fold = page.locator('details[data-fold-narrow]');
    expect(await fold.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    expect((await page.locator('.step-list-summary').innerText()).trim()).toBe('Steps: 0 of 8 passed');
    expect(await page.locator('.step-list a[href$="/steps/instances"]').isVisible()).toBe(false);
    const heading = (await page.locator('h1').boundingBox())!;
    expect(heading.y + heading.height).toBeLessThan(844);
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.locator('.step-list-summary').click();
    expect(await page.locator('.step-list a[href$="/steps/instances"]').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-step.png') });

    // The cloud shell opens in the page and runs what is typed.
    await page.locator('details[data-shell-panel] > summary').click();
    await page.locator('.shell-terminal[data-shell-state="Connected."]').waitFor({ timeout: 30_000 });
    const terminal = page.locator('.shell-terminal');
    const box = (await terminal.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    await terminal.click();
    await page.keyboard.insertText('echo "phone-$((6*7))"');
    await page.keyboard.press('Enter');
    await page.locator('.shell-terminal .xterm-rows', { hasText: 'phone-42' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-shell.png') });
  } finally {
    await close();
  }
}, 120_000);
