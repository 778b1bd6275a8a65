// In Chromium, under Verilab's real CSP: the /shell page mounts xterm.js, reaches a real sandboxed bash and shows its output.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express from 'express';
import { PUBLIC_DIR, VIEWS_DIR } from '../../server/paths';
import { createShellService, type ShellService } from '../../server/sandbox/shell';
import { shellFilesRouter, shellRouter } from '../../server/web/shell-router';
import { requireUser, securityHeaders } from '../../server/web/security';
import { silentLogger } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';

const USER = { id: 'e2e-learner', email: 'e2e@example.com', name: 'E2E Learner', role: 'learner' };

let tmp: string;
let proxy: net.Server;
let server: http.Server;
let service: ShellService;
let baseUrl: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-shell-e2e-'));
  // nothing here calls AWS; the sandbox only needs the proxy socket to exist
  proxy = net.createServer((c) => c.end());
  await new Promise<void>((resolve) => proxy.listen(path.join(tmp, 'aws.sock'), resolve));

  // The app is assembled after listening because the WebSocket's allowed origin is the server's own URL.
  const app = express();
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = createShellService({
    dataDir: path.join(tmp, 'data'),
    proxySocketPath: path.join(tmp, 'aws.sock'),
    credentialsFor: async () => ({ accountId: '111111111111', accessKeyId: 'AKIAE2E', secretAccessKey: 'e2e', region: 'us-east-1', shellUid: 61190 }),
    authenticate: async (req) => (/test_user=e2e-learner/.test(req.headers.cookie ?? '') ? { id: USER.id } : undefined),
    allowedOrigin: baseUrl,
    maxShells: 2,
    logger: silentLogger,
  });
  service.attach(server);

  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  Object.assign(app.locals, { siteName: 'Verilab', mode: 'sandbox', currentUser: undefined, csrfToken: '' });
  app.use(securityHeaders(false));
  app.use('/static', express.static(PUBLIC_DIR));
  app.use(cookieParser());
  app.use((req, res, next) => {
    if (req.cookies.test_user === USER.id) {
      (req as unknown as { user: typeof USER }).user = USER;
      res.locals.currentUser = USER;
    }
    next();
  });
  // Mounted as buildApp mounts them: the xterm files open to all, the page behind its guard.
  app.use(shellFilesRouter());
  app.use('/shell', requireUser, shellRouter({ shell: service, mode: 'sandbox' }));
}, 60_000);

afterAll(async () => {
  await service?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cloud shell page in Chromium', () => {
  it('typing echo hello-$((6*7)) shows hello-42, and a reload reattaches to the same shell with the screen replayed', async () => {
    const { browser, close } = await launchBrowser();
    try {
      await browser.addCookies([{ name: 'test_user', value: USER.id, url: baseUrl }]);
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
      expect(service.count()).toBe(1);
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
