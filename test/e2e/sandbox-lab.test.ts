// The newcomer's path in sandbox mode, in Chromium against Verilab as `npm start` runs it: sign up, open the cloud shell on
// step 1, run the step's CLI block unchanged, press Check, and see every check turn green.
import fs from 'node:fs';
import path from 'node:path';
import type { Running } from '../../server/main';
import { LABS_DIR } from '../../server/paths';
import { launchBrowser } from '../helpers/browser';
import { startSandboxVerilab, type SandboxVerilab } from '../helpers/verilab';

let verilab: SandboxVerilab | undefined;
let running: Running;
let base: string;

beforeAll(async () => {
  // The embedded defaults, as on a fresh clone: sandbox mode, SQLite in DATA_DIR, moto started by Verilab.
  verilab = await startSandboxVerilab('sandbox', { CHECK_RATE_LIMIT_SECONDS: '1' });
  ({ base, running } = verilab);
}, 60_000);

afterAll(() => verilab?.stop());

/** The step's own CLI solution, exactly as the page shows it. */
function solutionLines(stepFile: string): string[] {
  const text = fs.readFileSync(path.join(LABS_DIR, 'vpc-flow-logs', 'steps', stepFile), 'utf8');
  const block = /::: solution[^\n]*\n```bash\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`no solution block in ${stepFile}`);
  return block[1].split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

it('a new learner does step 1 in the cloud shell and Check turns every line green', async () => {
  const shell = await running.sandbox!.shell.available();
  expect(shell).toEqual({ ok: true });
  const { browser, close } = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/signup?next=%2Flabs%2Fvpc-flow-logs%2Fsteps%2Fvpcs`);
    await page.fill('#name', 'Nia Newcomer');
    await page.fill('#email', 'nia@example.com');
    await page.fill('#password', 'a long enough password');
    await page.click('form button[type=submit]');
    await page.goto(`${base}/labs/vpc-flow-logs/steps/vpcs`);

    // Before: Check runs in the learner's brand-new, empty sandbox and fails.
    await page.click('.check-form button[type=submit]');
    await page.locator('.check-result .check-line').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.check-result .result-passed').count()).toBe(0);

    await page.locator('details[data-shell-panel] > summary').click();
    const rows = page.locator('.shell-terminal .xterm-rows');
    await rows.getByText('learner@cloudshell').first().waitFor({ timeout: 20_000 });
    await page.locator('.shell-terminal').click();
    // The shell's CLI is already set up for the learner's own sandbox account, through the signing proxy.
    const account = await page.evaluate(async () => ((await (await fetch('/connect/sandbox/credentials', { headers: { Accept: 'application/json' } })).json()) as { accountId: string }).accountId);
    expect(account).toMatch(/^\d{12}$/);
    await page.keyboard.insertText('aws sts get-caller-identity --query Account --output text');
    await page.keyboard.press('Enter');
    await rows.getByText(new RegExp(`^${account}\\s*$`)).waitFor({ timeout: 30_000 });
    for (const line of solutionLines('01-vpcs.md')) {
      await page.keyboard.insertText(line);
      await page.keyboard.press('Enter');
    }
    await page.keyboard.insertText('echo "finished-$((40+2))"');
    await page.keyboard.press('Enter');
    await rows.getByText(/^finished-42\s*$/).waitFor({ timeout: 120_000 });
    // The block ends by printing the ids it looked up: both VPCs and subnets exist.
    await rows.getByText(/^vpc-\w+ subnet-\w+ vpc-\w+ subnet-\w+\s*$/).waitFor({ timeout: 5_000 });

    await new Promise((r) => setTimeout(r, 1100));
    await page.click('.check-form button[type=submit]');
    await page.locator('.check-result .result-passed').waitFor({ timeout: 30_000 });
    const lines = await page.locator('.check-result .check-line').count();
    expect(lines).toBeGreaterThan(0);
    expect(await page.locator('.check-result .check-line.check-ok').count()).toBe(lines);
    expect(errors).toEqual([]);
  } finally {
    await close();
  }
}, 240_000);
