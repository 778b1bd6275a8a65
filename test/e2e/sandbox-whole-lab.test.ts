// Issue 9's "done when", in Chromium against Verilab on its embedded defaults: a new learner does all eight steps of the
// VPC Flow Logs lab in sandbox mode, typing each step's own solution (as the page shows it) into the cloud shell, the
// failing ping included, and every Check turns green.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Running } from '../../server/main';
import { launchBrowser } from '../helpers/browser';
import { startSandboxVerilab, type SandboxVerilab } from '../helpers/verilab';
import { hashPassword } from '../../server/auth/passwords';

const LAB = 'vpc-flow-logs';
const STEPS = ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights'];
// Screenshots for a human to look at; the folder ignores itself so they are never committed.
const ARTIFACTS = path.join(__dirname, 'artifacts');
const IPV4 = '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}';
const CHECK_RATE_LIMIT_MS = 1000;
const TEACHER_PASSWORD = 'the teacher password is long';

let verilab: SandboxVerilab | undefined;
let running: Running;
let base: string;

beforeAll(async () => {
  verilab = await startSandboxVerilab('whole-lab', { CHECK_RATE_LIMIT_SECONDS: String(CHECK_RATE_LIMIT_MS / 1000) });
  ({ base, running } = verilab);
}, 60_000);

afterAll(() => verilab?.stop());

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the panel's container holds (public/shell.js exposes the live xterm on it); typed here, as tests have no DOM lib. */
interface TerminalHost {
  shellTerminal?: { buffer: { active: { length: number; getLine(i: number): { isWrapped: boolean; translateToString(trimRight: boolean): string } | undefined } } };
}

/**
 * Runs in the page: the terminal's whole buffer (scrollback included) as logical lines, rows that xterm wrapped joined
 * again, matched against the pattern. Returns the match, or false. One function serves both reading and waiting.
 */
function matchScreen({ host, source, flags }: { host: unknown; source: string; flags: string }): string[] | false {
  const buffer = (host as TerminalHost | null)?.shellTerminal?.buffer.active;
  if (!buffer) return false;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  const match = new RegExp(source, flags).exec(lines.join('\n'));
  return match ? Array.from(match) : false;
}

/** The cloud shell panel's terminal, read from its buffer and typed into like a learner. */
class Terminal {
  private markers = 0;

  constructor(private readonly page: Page) {}

  async text(): Promise<string> {
    const host = await this.page.$('.shell-terminal');
    const all = await this.page.evaluate(matchScreen, { host, source: '^[\\s\\S]*$', flags: '' });
    return all ? all[0] : '';
  }

  /** Waits until the screen matches (polled inside the page) and returns the match. */
  async waitFor(pattern: RegExp, timeout = 30_000): Promise<string[]> {
    const host = await this.page.$('.shell-terminal');
    try {
      const handle = await this.page.waitForFunction(matchScreen, { host, source: pattern.source, flags: pattern.flags }, { timeout, polling: 100 });
      return (await handle.jsonValue()) as string[];
    } catch (e) {
      throw new Error(`the terminal never showed ${pattern}: ${(e as Error).message}\n--- last lines ---\n${(await this.text()).split('\n').slice(-40).join('\n')}`);
    }
  }

  async type(lines: string[]): Promise<void> {
    await this.page.locator('.shell-terminal').click();
    for (const line of lines) {
      if (line !== '') await this.page.keyboard.insertText(line);
      await this.page.keyboard.press('Enter');
    }
  }

  /**
   * Types the lines, then a marker whose output differs from its echo ($((6*7)) becomes 42), and waits for the marker:
   * the shell has run everything typed before it. Returns what the lines printed.
   */
  async run(lines: string[], timeout = 120_000): Promise<string> {
    const name = `verilab-e2e-${++this.markers}`;
    const before = `${name}-start-42`;
    await this.type([`echo "${name}-start-$((6*7))"`, ...lines, `echo "${name}-done-$((6*7))"`]);
    await this.waitFor(new RegExp(`^${name}-done-42$`, 'm'), timeout);
    const screen = await this.text();
    const output = screen.slice(screen.lastIndexOf(`\n${before}\n`) + 1);
    // The lab's commands succeed as written: the AWS CLI and bash report no errors.
    expect(output).not.toMatch(/An error occurred \(|aws: error|command not found|Traceback/);
    return output;
  }
}

/** The step's solution as the sandbox page shows it: the last "Show solution" box, opened, every bash block in order. */
async function solutionOnPage(page: Page): Promise<string[]> {
  const solution = page.locator('details.solution').last();
  await solution.locator('summary').click();
  const blocks = await solution.locator('pre code.language-bash').allTextContents();
  expect(blocks.length).toBeGreaterThan(0);
  const lines = blocks.join('').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

it('a new learner does the whole VPC Flow Logs lab in the browser in sandbox mode, the failing ping included, and every step passes', async () => {
  expect(await running.sandbox!.shell.available()).toEqual({ ok: true });
  // Screenshots for people to look at; the folder is git-ignored.
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const started = Date.now();
  const { browser, close } = await launchBrowser();
  const closers: (() => Promise<void>)[] = [];
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const term = new Terminal(page);
    let lastCheck = 0;
    let stepStarted = Date.now();
    const timings: string[] = [];

    /** Presses Check and waits for its answer in place; returns whether the step passed, with every line's kind. */
    async function check(keyboard = false): Promise<{ passed: boolean; lines: number; ok: number; text: string }> {
      // Checks are rate-limited per learner (1 s here); a learner pressing twice in a second would be told to wait.
      const wait = lastCheck + CHECK_RATE_LIMIT_MS + 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const button = page.locator('.check-form button[type=submit]');
      if (keyboard) {
        // Keyboard only: Tab from the top of the page reaches Check, and Enter presses it.
        await tabTo('.check-form button[type=submit]');
        await page.keyboard.press('Enter');
      } else await button.click();
      lastCheck = Date.now();
      // The button stays disabled while the check runs (public/app.js).
      await page.locator('.check-form button[type=submit]:not([disabled])').waitFor({ timeout: 60_000 });
      const status = (await page.locator('.check-form .check-status').textContent())?.trim();
      expect(status).toBe('');
      const result = page.locator('.check-result .result');
      return {
        passed: (await result.getAttribute('class'))!.includes('result-passed'),
        lines: await result.locator('.check-line').count(),
        ok: await result.locator('.check-line.check-ok').count(),
        text: (await result.innerText()).replace(/\s+/g, ' '),
      };
    }

    async function expectFails(keyboard = false): Promise<void> {
      const before = await check(keyboard);
      expect(before.passed).toBe(false);
      expect(before.ok).toBeLessThan(before.lines);
      // A failing check shows its hint.
      expect((await page.locator('.check-result .check-hint').first().innerText()).trim()).toMatch(/^Hint: \S/);
    }

    /** Presses Tab from the top of the page until the element matching `selector` has the focus (at most 150 presses). */
    async function tabTo(selector: string): Promise<void> {
      await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?(): void } | null } }).document.activeElement?.blur?.());
      await page.keyboard.press('Home');
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((sel) => Boolean((globalThis as unknown as { document: { activeElement: { matches(s: string): boolean } | null } }).document.activeElement?.matches(sel)), selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    }

    /** On the instructor's open class grid: the learner's cell for the step turns passed, with no reload. */
    async function teacherSeesPassed(step: string): Promise<void> {
      const cell = teacherPage.locator(`tr[data-learner="${learnerId}"] td.cell`).nth(STEPS.indexOf(step));
      await teacherPage.waitForFunction((el) => (el as unknown as { className: string }).className.includes('status-passed'), await cell.elementHandle(), { timeout: 5_000 });
    }

    async function expectAllGreen(step: string): Promise<void> {
      const after = await check();
      if (!after.passed || after.ok !== after.lines) throw new Error(`step ${step} did not pass: ${after.text}`);
      expect(after.lines).toBeGreaterThan(0);
      expect(await page.locator(`.step-list li:has(a[href$="/steps/${step}"])`).getAttribute('class')).toContain('status-passed');
      await teacherSeesPassed(step);
      timings.push(`${step} ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
    }

    /** The check result and the cloud shell below it, as the learner sees them after pressing Check. */
    async function screenshot(name: string): Promise<void> {
      const top = (await page.locator('#check').boundingBox())!;
      const bottom = (await page.locator('details[data-shell-panel]').boundingBox())!;
      // boundingBox is relative to the viewport, a full-page clip to the page
      const scrollY = await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
      const clip = { x: 0, y: top.y + scrollY - 8, width: page.viewportSize()!.width, height: bottom.y + bottom.height - top.y + 16 };
      await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true, clip });
    }

    /** Opens a step page; the shell panel, once opened, reopens by itself and reattaches to the same cloud shell. */
    async function openStep(step: string): Promise<void> {
      stepStarted = Date.now();
      await page.goto(`${base}/labs/${LAB}/steps/${step}`);
    }

    async function shellReady(): Promise<void> {
      await page.locator('.shell-terminal[data-shell-state="Connected."]').waitFor({ timeout: 20_000 });
      await term.waitFor(/learner@cloudshell/, 20_000);
    }

    // An instructor's class, and its join link, which the learner opens before having an account.
    const instructor = (await running.store.users.create({ email: 'tess@example.com', name: 'Tess Teacher', passwordHash: await hashPassword(TEACHER_PASSWORD), role: 'instructor' }))!;
    const cls = await running.store.classes.create({ name: 'Flow logs, Tuesday', labId: LAB, instructorId: instructor.id });

    // Sign up: a brand-new learner, whose sandbox account is empty, through the join link; then join.
    await page.goto(`${base}/signup?next=${encodeURIComponent(`/join/${cls.joinCode}`)}`);
    await page.fill('#name', 'Wanda Wholelab');
    await page.fill('#email', 'wanda@example.com');
    await page.fill('#password', 'a long enough password');
    await page.click('form button[type=submit]');
    await page.waitForURL(`${base}/join/${cls.joinCode}`);
    await Promise.all([page.waitForURL(/\/classes\?joined=/), page.getByRole('button', { name: 'Join this class' }).click()]);
    const learnerId = (await running.store.classes.members(cls.id))[0].userId;

    // Meanwhile the instructor has the class grid open in another browser, and never reloads it.
    const teacherBrowser = await launchBrowser();
    closers.push(teacherBrowser.close);
    const teacherPage = await teacherBrowser.browser.newPage();
    await teacherPage.goto(`${base}/login`);
    await teacherPage.fill('#email', 'tess@example.com');
    await teacherPage.fill('#password', TEACHER_PASSWORD);
    await Promise.all([teacherPage.waitForNavigation(), teacherPage.click('form button[type=submit]')]);
    await teacherPage.goto(`${base}/classes/${cls.id}`);
    await teacherPage.locator('[data-live-status]', { hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await teacherPage.evaluate(() => ((globalThis as unknown as { verilabNoReload: boolean }).verilabNoReload = true));

    // Step 1: Check fails in the empty account; open the cloud shell, run the solution, Check.
    await openStep('vpcs');
    await expectFails(true);
    // The shell panel is reached with Tab too, and opened with Enter.
    await tabTo('details[data-shell-panel] > summary');
    await page.keyboard.press('Enter');
    await shellReady();
    const step1 = await term.run(await solutionOnPage(page));
    expect(step1).toMatch(/^vpc-\w+ subnet-\w+ vpc-\w+ subnet-\w+$/m);
    await expectAllGreen('vpcs');

    // Step 2: the instances and security groups (the sandbox variant: a documentation address stands in for "my IP").
    await openStep('instances');
    await shellReady();
    await expectFails();
    const step2 = await term.run(await solutionOnPage(page), 180_000);
    expect(step2).toMatch(/lab-instance-1\s*\|\s*running/);
    expect(step2).toMatch(/lab-instance-2\s*\|\s*running/);
    await expectAllGreen('instances');

    // Step 3: the log group.
    await openStep('flow-logs');
    await shellReady();
    await expectFails();
    const step3 = await term.run(await solutionOnPage(page));
    expect(step3).toMatch(/vpc-flow-logs-lab\s*\|\s*7/);
    await expectAllGreen('flow-logs');

    // Step 4: the delivery role and the flow log on VPC 1.
    await openStep('iam-role');
    await shellReady();
    await expectFails();
    const step4 = await term.run(await solutionOnPage(page));
    expect(step4).toMatch(/ACTIVE\s*\|\s*SUCCESS\s*\|\s*ALL\s*\|\s*60\s*\|\s*vpc-flow-logs-lab/);
    await expectAllGreen('iam-role');

    // Step 5: the failing ping. The solution's first part runs in the cloud shell and prints the two ping commands;
    // the lab's "Find the addresses" block names instance 1, and its sandbox box says how to open a shell on it.
    await openStep('ping');
    await shellReady();
    await expectFails();
    // The learner writes a reflection on the page; it is saved in place.
    const reflection = page.locator('form.reflection-form').first();
    await reflection.locator('textarea').fill('The private address is only reachable inside VPC 2 until the VPCs are peered.');
    await reflection.getByRole('button', { name: 'Save answer' }).click();
    await reflection.locator('.save-status', { hasText: 'Saved' }).waitFor({ timeout: 10_000 });
    const ping = await solutionOnPage(page);
    const onInstance = ping.findIndex((l) => l.startsWith('# On instance 1'));
    expect(onInstance).toBeGreaterThan(0);
    const printed = await term.run(ping.slice(0, onInstance));
    const privatePing = new RegExp(`^(ping -c 5 (${IPV4}))\\s+# fails$`, 'm').exec(printed);
    const publicPing = new RegExp(`^(ping -c 5 (${IPV4}))\\s+# works$`, 'm').exec(printed);
    expect(privatePing?.[2]).toMatch(/^10\.2\.0\./);
    expect(publicPing?.[2]).not.toMatch(/^10\./);
    const [, privateCmd, private2] = privatePing!;
    const [, publicCmd, public2] = publicPing!;
    const findBlock = await page.locator('.tab-panel[data-tab="AWS CLI"] pre code.language-bash', { hasText: 'INSTANCE1_ID=$(' }).first().textContent();
    const found = await term.run(findBlock!.trimEnd().split('\n'));
    expect(found).toMatch(new RegExp(`^${escapeRegExp(private2)}\\s+${escapeRegExp(public2)}$`, 'm'));
    const connect = (await page.locator('.mode-sandbox pre code', { hasText: 'aws ec2-instance-connect ssh' }).first().textContent())!.trim();
    expect(connect).toMatch(/^aws ec2-instance-connect ssh --instance-id "\$INSTANCE1_ID"/);
    await term.type([connect]);
    const greeting = await term.waitFor(/Verilab sandbox: this is (i-[0-9a-f]+) \((10\.1\.0\.\d+)\)/, 30_000);
    const [, instance1, private1] = greeting;
    const instancePrompt = new RegExp(`\\[ec2-user@ip-${private1.replace(/\./g, '-')} ~\\]\\$\\s*$`);
    await term.waitFor(new RegExp(instancePrompt.source, 'm'));
    await term.type([privateCmd]);
    await term.waitFor(new RegExp(`^--- ${escapeRegExp(private2)} ping statistics ---\\n5 packets transmitted, 0 received, 100% packet loss`, 'm'), 30_000);
    await term.type([publicCmd]);
    await term.waitFor(new RegExp(`^--- ${escapeRegExp(public2)} ping statistics ---\\n5 packets transmitted, 5 received, 0% packet loss`, 'm'), 30_000);
    await page.locator('.shell-frame').screenshot({ path: path.join(ARTIFACTS, 'whole-lab-step-5-pings.png') });
    await term.type(['exit']);
    await term.waitFor(/^Connection to .* closed\.$/m);
    // Back in the cloud shell: the rest of the solution lists the ICMP flow records, which are there within seconds.
    const records = await term.run(ping.slice(onInstance));
    expect(records).toMatch(new RegExp(` ${escapeRegExp(private1)} ${escapeRegExp(private2)} 0 0 1 \\d+ \\d+ \\d+ \\d+ ACCEPT OK`));
    expect(records).toMatch(new RegExp(` ${escapeRegExp(public2)} ${escapeRegExp(private1)} 0 0 1 \\d+ \\d+ \\d+ \\d+ ACCEPT OK`));
    expect(records).not.toMatch(new RegExp(` ${escapeRegExp(private2)} ${escapeRegExp(private1)} 0 0 1 `));
    await expectAllGreen('ping');
    await screenshot('whole-lab-step-5-checked.png');

    // Step 6: the peering connection.
    await openStep('peering');
    await shellReady();
    await expectFails();
    const step6 = await term.run(await solutionOnPage(page));
    expect(step6).toMatch(/^pcx-\w+\s+active$/m);
    await expectAllGreen('peering');

    // Step 7: routes on both sides, then the private ping again, this time from an instance shell opened with the
    // panel's Connect control.
    await openStep('routes');
    await shellReady();
    await expectFails();
    const step7 = await term.run(await solutionOnPage(page));
    const again = new RegExp(`^On instance 1, run: (ping -c 5 (${IPV4}))$`, 'm').exec(step7);
    expect(again?.[2]).toBe(private2);
    const panel = page.locator('details[data-shell-panel]');
    await panel.locator('form[data-shell-target]:not([hidden])').waitFor({ timeout: 10_000 });
    const option = panel.locator('[data-shell-target-select] option', { hasText: 'lab-instance-1' });
    expect(await option.getAttribute('value')).toBe(instance1);
    await panel.locator('[data-shell-target-select]').selectOption(instance1);
    await panel.getByRole('button', { name: 'Connect' }).click();
    await page.locator(`.shell-terminal[data-shell-state="Connected to ${instance1}."]`).waitFor({ timeout: 20_000 });
    // The terminal is reset for the instance shell, so the cloud shell's screen (step 5's pings included) is gone.
    await term.waitFor(new RegExp(`^(?![\\s\\S]*learner@cloudshell)[\\s\\S]*Verilab sandbox: this is ${instance1} `), 20_000);
    await term.waitFor(new RegExp(instancePrompt.source, 'm'));
    await term.type([again![1]]);
    await term.waitFor(new RegExp(`^--- ${escapeRegExp(private2)} ping statistics ---\\n5 packets transmitted, 5 received, 0% packet loss`, 'm'), 30_000);
    expect(await term.text()).toMatch(new RegExp(`^64 bytes from ${escapeRegExp(private2)}: icmp_seq=1 `, 'm'));
    // Back to the cloud shell with the same control: the instance shell ends, the cloud shell is reattached.
    await panel.locator('[data-shell-target-select]').selectOption('');
    await panel.getByRole('button', { name: 'Connect' }).click();
    await shellReady();
    await expectAllGreen('routes');
    // "Your network" was redrawn in place by that Check: the peering connection and both routes are drawn, solid.
    const network = await page.locator('#your-network .your-network-body').innerHTML();
    expect(network).toMatch(/pcx-\w+/);
    expect(network).toContain('10.1.0.0/16');
    expect(network).not.toContain('No peering connection yet');

    // Step 8: the Logs Insights query, polled by the solution until it is Complete.
    await openStep('insights');
    await shellReady();
    await expectFails();
    const step8 = await term.run(await solutionOnPage(page));
    expect(step8).toMatch(/^status: Complete$/m);
    expect(step8).toMatch(new RegExp(`^${escapeRegExp(private1)}\\s+${escapeRegExp(private2)}\\s+\\d+$`, 'm'));
    expect(step8).toMatch(/^Complete\s+stats sum\(bytes\) as bytesTransferred by srcAddr, dstAddr/m);
    await expectAllGreen('insights');
    await screenshot('whole-lab-step-8-checked.png');

    // The lab's page lists every step as passed.
    await page.goto(`${base}/labs/${LAB}`);
    const rows = page.locator('.results-table tbody tr');
    expect(await rows.count()).toBe(STEPS.length);
    for (let i = 0; i < STEPS.length; i++) {
      expect(await rows.nth(i).getAttribute('class')).toBe('status-passed');
      expect(await rows.nth(i).locator('a').getAttribute('href')).toBe(`/labs/${LAB}/steps/${STEPS[i]}`);
    }
    // The instructor's page was never reloaded, yet shows every step passed.
    expect(await teacherPage.evaluate(() => (globalThis as unknown as { verilabNoReload?: boolean }).verilabNoReload)).toBe(true);
    expect(await teacherPage.locator(`tr[data-learner="${learnerId}"] td.cell.status-passed`).count()).toBe(STEPS.length);
    // The funnel follows too, and the row links to the report the last pass wrote.
    await teacherPage.locator(`.funnel-table tr[data-step="${STEPS[STEPS.length - 1]}"] td`, { hasText: '1' }).first().waitFor({ timeout: 10_000 });
    expect(await teacherPage.locator('.funnel-table tbody td:nth-child(2)').allTextContents()).toEqual(STEPS.map(() => '1'));
    await teacherPage.locator(`tr[data-learner="${learnerId}"] a.report-link`).waitFor({ timeout: 10_000 });
    expect(await teacherPage.locator(`tr[data-learner="${learnerId}"] a.report-link`).getAttribute('href')).toMatch(new RegExp(`/learners/${learnerId}/report$`));
    await teacherPage.screenshot({ path: path.join(ARTIFACTS, 'whole-lab-class-grid.png'), fullPage: true });

    // The last pass wrote the completion report: the page, then the PDF the learner downloads.
    await page.goto(`${base}/reports/${LAB}`);
    await page.locator('h1', { hasText: 'VPC Monitoring with Flow Logs' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'whole-lab-report.png'), fullPage: true });
    const reportText = await page.locator('article.report').innerText();
    expect(reportText).toContain('Wanda Wholelab');
    expect(reportText).toMatch(/VPC 1 \(vpc-\w+, 10\.1\.0\.0\/16\) has public subnet subnet-\w+/);
    expect(reportText).toMatch(/Peering connection pcx-\w+ .*is active\./);
    expect(reportText).toMatch(new RegExp(`\\d+\\s+${escapeRegExp(private1)}\\s+${escapeRegExp(private2)}\\s+[\\d,]+`));
    expect(reportText).toContain('Checked by Verilab against AWS account ••••');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF (A4)' }).click()]);
    const pdfFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-e2e-report-')), 'report.pdf');
    await download.saveAs(pdfFile);
    const pdfText = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' });
    expect(pdfText).toContain('Wanda Wholelab');
    expect(pdfText).toContain('VPC Monitoring with Flow Logs');
    expect(pdfText).toContain(private1);
    expect(errors).toEqual([]);
    console.log(`whole lab in the browser: ${Math.round((Date.now() - started) / 1000)} s (${timings.join(', ')})`);
  } finally {
    for (const closeOther of closers) await closeOther();
    await close();
  }
}, 360_000);
