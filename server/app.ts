// buildApp(deps): the Express application, assembled from its parts; no I/O happens at import.
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { CheckRegistry } from './labs/registry';
import type { SolverRegistry } from './labs/solver-registry';
import type { LabCatalog } from './labs/types';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';
import type { Store } from './store';
import { authRouter } from './web/auth-router';
import type { AwsSessions } from './verify/aws-session';
import type { VerifyEngine } from './verify/engine';
import { classRouter, joinRouter } from './web/class-router';
import { connectRouter } from './web/connect-router';
import { errorHandler, notFound, rejectMalformedPath } from './web/error-handler';
import { labRouters } from './web/lab-router';
import { requestLog } from './web/request-log';
import { series } from './web/series';
import type { LabClientsFactory } from './sandbox/lab-clients';
import type { Sandbox } from './sandbox/sandbox';
import { SandboxSolutions } from './sandbox/solutions';
import { sandboxConnectRouter, sandboxLostNotice, skipRouter } from './web/sandbox-router';
import type { ShellService } from './sandbox/shell';
import { shellAvailability, shellFilesRouter, shellRouter } from './web/shell-router';
import { csrf, loadSession, requireUser, securityHeaders } from './web/security';
import { loadLabReports } from './reports/lab-report';
import { ReportService } from './reports/service';
import { reportRouter, sharedReportRouter } from './web/report-router';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  labs: LabCatalog;
  store: Store;
  /** Signs CSRF tokens; from SESSION_SECRET or generated once and kept in DATA_DIR (see main.ts). */
  sessionSecret: string;
  checks: CheckRegistry;
  aws: AwsSessions;
  engine: VerifyEngine;
  /** Writes and keeps completion reports; main.ts gives the engine the same one, so a final pass writes the report. */
  reports?: ReportService;
  /** Sandbox mode only: the learners' accounts, the signing proxy in front of moto, and whether shells can run. */
  sandbox?: {
    accounts: Sandbox;
    proxy: RequestHandler;
    shell: Pick<ShellService, 'available'> & Partial<Pick<ShellService, 'instances'>>;
    /** The labs' solutions and clients in a learner's account to run them with: Skip this step and Rebuild to where I was. */
    solvers?: SolverRegistry;
    labClients?: LabClientsFactory;
  };
}

export function buildApp(deps: AppDeps): Express {
  const { config, labs, store } = deps;
  const secure = config.publicUrl.startsWith('https:');
  const cookies = { secure };
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Templates are compiled once per process, whatever NODE_ENV says (Express caches only under production): compiling a
  // page's templates on every request cost more than rendering it. Edited templates show after a restart.
  app.set('view cache', true);
  // Pages are made per user and never cached; an ETag would only cost a hash of every page (a class grid is a megabyte).
  app.set('etag', false);
  // Only the operator knows what stands in front of Verilab (TRUST_PROXY); believing X-Forwarded-For otherwise would let
  // a client that reaches the port directly choose its own address, and with it its rate limits.
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');

  app.locals.siteName = 'Verilab';
  app.locals.mode = config.mode;
  app.locals.currentUser = undefined;
  app.locals.csrfToken = '';

  // First, so that every response (the health check, static files and the signing proxy included) carries a request id.
  app.use(series(requestLog(deps.logger), securityHeaders(secure)));
  app.get('/healthz', async (_req, res) => {
    await store.ping();
    res.json({ status: 'ok', labs: labs.labs.length });
  });
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  const sandbox = deps.sandbox;
  const solutions =
    sandbox?.solvers && sandbox.labClients
      ? new SandboxSolutions({ labs, solvers: sandbox.solvers, store, engine: deps.engine, accounts: sandbox.accounts, labClients: sandbox.labClients, logger: deps.logger, rateLimitMs: config.checkRateLimitSeconds * 1000 })
      : undefined;
  // The signing proxy reads the raw body (its signature covers it) and has its own AWS-style errors: it comes before the parsers, sessions and CSRF.
  if (sandbox) app.use('/sandbox/aws', sandbox.proxy);

  // What every page needs before its route, in this order, run as one layer (see series): parsers come before the CSRF
  // check, which reads the token from the parsed body.
  const { issue, verify } = csrf(deps.sessionSecret, cookies);
  app.use(
    series(
      rejectMalformedPath,
      cookieParser(),
      withBodyOnly(series(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }), express.json({ limit: '32kb' }))),
      loadSession(store, cookies),
      issue,
      verify,
      ...(sandbox
        ? [
            sandboxLostNotice(sandbox.accounts, deps.logger, { rebuild: solutions?.rebuildable }),
            (async (_req, res, next) => {
              Object.assign(res.locals, await shellAvailability({ shell: sandbox.shell, mode: config.mode }));
              next();
            }) satisfies RequestHandler,
          ]
        : []),
    ),
  );

  // Open to everyone: the catalogue and lab pages (first: they are the pages read most), signing in and up, the shell's
  // script files.
  const reports = deps.reports ?? reportService({ store, labs, mode: config.mode, logger: deps.logger });
  const lab = labRouters({
    labs,
    store,
    checks: deps.checks,
    engine: deps.engine,
    sandboxMode: Boolean(sandbox),
    labReports: reports.labReports,
    skipStatus: solutions && ((user, labId, stepId, statuses) => solutions.skipStatus(user, labId, stepId, statuses)),
  });
  app.use(lab.pages);
  app.use(authRouter({ store, cookies, authRateLimitPer15Min: config.authRateLimitPer15Min, signupRateLimitPerHour: config.signupRateLimitPerHour }));
  app.use(shellFilesRouter());

  // Each signed-in area states its guard once, here; the instructor's part of /classes states its own inside.
  app.use('/labs', requireUser, lab.learner, skipRouter({ solutions, showRefusal: lab.showRefusal }));
  app.use(
    '/connect',
    requireUser,
    sandbox
      ? sandboxConnectRouter({ sandbox: sandbox.accounts, shellAvailable: async () => (await sandbox.shell.available()).ok, solutions })
      : connectRouter({ labs, store, aws: deps.aws, config }),
  );
  // In AWS mode /shell explains that AWS CloudShell is the shell to use.
  app.use('/shell', requireUser, shellRouter({ shell: sandbox?.shell, mode: config.mode }));
  app.use('/classes', requireUser, classRouter({ labs, store, publicUrl: config.publicUrl }));
  app.use('/reports', requireUser, reportRouter({ store, labs, reports, engine: deps.engine, publicUrl: config.publicUrl }));
  app.use('/r', sharedReportRouter({ store, publicUrl: config.publicUrl }));
  app.use('/join', requireUser, joinRouter({ labs, store }));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

/**
 * Runs `handler` only for a request that says it has a body (the parsers look for the same two headers, and decide
 * precisely): a page view has none, and the parsers' own checks cost a page view more than the test here.
 */
function withBodyOnly(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined ? next() : handler(req, res, next));
}

/** The report service over the labs' report modules: one for the engine (a final pass writes the report) and the pages. */
export function reportService(deps: { store: Store; labs: LabCatalog; mode: 'aws' | 'sandbox'; logger: Logger }): ReportService {
  return new ReportService({ ...deps, labReports: loadLabReports(deps.labs) });
}
