// In Chromium, under Verilab's real CSP: the /shell page mounts xterm.js, reaches a real sandboxed bash and shows its output.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../helpers/browser';
import { startShellPage, testUserCookie, type ShellPage } from '../helpers/shell-page';

const USER = { id: 'e2e-learner', email: 'e2e@example.com', name: 'E2E Learner', role: 'learner' };

let tmp: string;
let proxy: net.Server;
let shellPage: ShellPage;
let baseUrl: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-shell-e2e-'));
  // nothing here calls AWS; the sandbox only needs the proxy socket to exist
  proxy = net.createServer((c) => c.end());
  await new Promise<void>((resolve) => proxy.listen(path.join(tmp, 'aws.sock'), resolve));
  shellPage = await startShellPage(USER, {
    dataDir: path.join(tmp, 'data'),
    proxySocketPath: path.join(tmp, 'aws.sock'),
    credentialsFor: async () => ({ accountId: '111111111111', accessKeyId: 'AKIAE2E', secretAccessKey: 'e2e', region: 'us-east-1', shellUid: 61190 }),
    maxShells: 2,
  });
  baseUrl = shellPage.baseUrl;
}, 60_000);

afterAll(async () => {
  await shellPage?.stop();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cloud shell page in Chromium', () => {
  it('typing echo hello-$((6*7)) shows hello-42, and a reload reattaches to the same shell with the screen replayed', async () => {
    const { browser, close } = await launchBrowser();
    try {
      await browser.addCookies([testUserCookie(USER, baseUrl)]);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${baseUrl}/shell`);
      const rows = page.locator('.xterm-rows');
      await rows.getByText('learner@cloudshell').first().waitFor({ timeout: 20_000 });
      await page.locator('[data-shell-state="Connected."]').waitFor();
      await page.keyboard.type('echo hello-$((6*7))');
      await page.keyboard.press('Enter');
      await rows.getByText(/^hello-42\s*$/).waitFor({ timeout: 10_000 });

      await page.reload();
      // the replayed scrollback: the earlier answer is on screen before anything new is typed
      await page.locator('.xterm-rows').getByText(/^hello-42\s*$/).waitFor({ timeout: 10_000 });
      expect(shellPage.service.count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('signed out: /shell redirects to the sign-in page', async () => {
    const res = await fetch(`${baseUrl}/shell`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fshell');
  });
});
