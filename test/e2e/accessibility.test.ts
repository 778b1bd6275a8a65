// Accessibility of the key pages, in Chromium against Verilab in sandbox mode: axe-core finds no serious or critical
// violation in light and dark colour schemes; headings go down one level at a time; the focused control shows it.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { hashPassword } from '../../server/auth/passwords';
import type { Running } from '../../server/main';
import { launchBrowser, type BrowserHandle } from '../helpers/browser';
import { startSandboxVerilab, type SandboxVerilab } from '../helpers/verilab';
import { storeFixtureReport } from '../helpers/reports';

const LAB = 'vpc-flow-logs';
const PASSWORD = 'an accessible long password';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let verilab: SandboxVerilab | undefined;
let running: Running;
let base: string;
let handle: BrowserHandle;
let classId: string;
const emails = { learner: 'ada@example.com', instructor: 'grace@example.com' };

beforeAll(async () => {
  verilab = await startSandboxVerilab('a11y');
  ({ base, running } = verilab);
  const { store } = running;
  const hash = await hashPassword(PASSWORD);
  const learner = (await store.users.create({ email: emails.learner, name: 'Ada Learner', passwordHash: hash, role: 'learner' }))!;
  const instructor = (await store.users.create({ email: emails.instructor, name: 'Grace Teacher', passwordHash: hash, role: 'instructor' }))!;
  const cls = await store.classes.create({ name: 'Accessible class', labId: LAB, instructorId: instructor.id });
  classId = cls.id;
  await store.classes.enroll(cls.id, learner.id);
  await store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'vpcs', status: 'passed', checks: [{ label: 'VPC 1 exists', ok: true }], evidence: {}, durationMs: 10 });
  await store.progress.recordAttempt({ userId: learner.id, labId: LAB, stepId: 'instances', status: 'failed', checks: [{ label: 'Instance 1 runs', ok: false, hint: 'Launch it.' }], evidence: {}, durationMs: 10 });
  await storeFixtureReport(store, learner);
  handle = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await handle?.close();
  await verilab?.stop();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form button[type=submit]')]);
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<{ id: string; help: string; targets: string[] }[]> {
  // Evaluated by the browser's debugging protocol: Verilab's CSP (script-src 'self') rightly refuses an inline script tag.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

/** The page's heading levels, in order: one h1, and never a level skipped on the way down. */
async function headingProblems(page: Page): Promise<string[]> {
  const levels = await page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((hs) => hs.map((h) => Number((h as unknown as { tagName: string }).tagName.slice(1))));
  const problems: string[] = [];
  if (levels.filter((l) => l === 1).length !== 1) problems.push(`${levels.filter((l) => l === 1).length} h1 elements`);
  levels.forEach((level, i) => {
    if (i > 0 && level > levels[i - 1] + 1) problems.push(`h${levels[i - 1]} followed by h${level}`);
  });
  return problems;
}

/** Tabs through the first controls: each focused one must show an outline or a ring. */
async function unfocusedControls(page: Page, presses = 6): Promise<string[]> {
  const hidden: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    const seen = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement as { outerHTML: string } | null;
      if (!el) return { ok: true, what: '' };
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string } }).getComputedStyle(el);
      const ok = (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
      return { ok, what: el.outerHTML.slice(0, 80) };
    });
    if (!seen.ok) hidden.push(seen.what);
  }
  return hidden;
}

const PAGES: { name: string; as?: keyof typeof emails; url: () => string }[] = [
  { name: 'sign-in', url: () => '/login' },
  { name: 'catalogue', url: () => '/' },
  { name: 'step', as: 'learner', url: () => `/labs/${LAB}/steps/instances` },
  { name: 'shell', as: 'learner', url: () => '/shell' },
  { name: 'connect', as: 'learner', url: () => '/connect' },
  { name: 'report', as: 'learner', url: () => `/reports/${LAB}` },
  { name: 'class grid', as: 'instructor', url: () => `/classes/${classId}` },
];

describe.each(['light', 'dark'] as const)('%s colour scheme', (scheme) => {
  it.each(PAGES.map((p) => [p.name, p] as const))('%s: no serious or critical axe violation, headings in order, focus visible', async (_name, target) => {
    const page = await handle.browser.newPage();
    try {
      await page.emulateMedia({ colorScheme: scheme });
      if (target.as) await signIn(page, emails[target.as]);
      const res = await page.goto(`${base}${target.url()}`);
      expect(res?.status()).toBe(200);
      expect(await violations(page)).toEqual([]);
      expect(await headingProblems(page)).toEqual([]);
      expect(await unfocusedControls(page)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});

it('every page of the lab has its headings in order (the lab text\'s own headings included)', async () => {
  const page = await handle.browser.newPage();
  try {
    const steps = ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights'];
    for (const url of [`/labs/${LAB}`, ...steps.map((s) => `/labs/${LAB}/steps/${s}`), `/labs/${LAB}/finish`]) {
      const res = await page.goto(`${base}${url}`);
      expect({ url, status: res?.status() }).toEqual({ url, status: 200 });
      expect({ url, problems: await headingProblems(page) }).toEqual({ url, problems: [] });
    }
  } finally {
    await page.close();
  }
}, 60_000);
