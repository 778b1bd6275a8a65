// The /shell page as buildApp mounts it (Verilab's headers, static files, the xterm files, the page behind its guard),
// over a real shell service, for one test learner whose browser carries a test_user cookie: for the browser tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cookieParser from 'cookie-parser';
import express from 'express';
import { PUBLIC_DIR, VIEWS_DIR } from '../../server/paths';
import { createShellService, type ShellOptions, type ShellService } from '../../server/sandbox/shell';
import { shellFilesRouter, shellRouter } from '../../server/web/shell-router';
import { requireUser, securityHeaders } from '../../server/web/security';
import { silentLogger } from './app';

export interface TestLearner {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface ShellPage {
  baseUrl: string;
  service: ShellService;
  stop(): Promise<void>;
}

/** The cookie that signs `user` in to the page and to its WebSocket. */
export const testUserCookie = (user: TestLearner, url: string) => ({ name: 'test_user', value: user.id, url });

/** `shell` is the service's options apart from those the page decides: the learner's sign-in, the origin and the logger. */
export async function startShellPage(user: TestLearner, shell: Omit<ShellOptions, 'authenticate' | 'allowedOrigin' | 'logger'>): Promise<ShellPage> {
  const signedIn = (cookieHeader: string | undefined) => (cookieHeader ?? '').split(';').some((c) => c.trim() === `test_user=${user.id}`);
  // The app is assembled after listening because the WebSocket's allowed origin is the server's own URL.
  const app = express();
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const service = createShellService({
    ...shell,
    authenticate: async (req) => (signedIn(req.headers.cookie) ? { id: user.id } : undefined),
    allowedOrigin: baseUrl,
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
    if (signedIn(req.headers.cookie)) {
      (req as unknown as { user: TestLearner }).user = user;
      res.locals.currentUser = user;
    }
    next();
  });
  app.use(shellFilesRouter());
  app.use('/shell', requireUser, shellRouter({ shell: service, mode: 'sandbox' }));
  return {
    baseUrl,
    service,
    async stop() {
      await service.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
