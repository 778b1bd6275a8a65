// buildApp(deps): the Express application, assembled from its parts; no I/O happens at import.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { LabCatalog } from './labs/types';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';
import { errorHandler, notFound } from './web/error-handler';
import { labRouter } from './web/lab-router';

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  labs: LabCatalog;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.set('trust proxy', deps.config.publicUrl.startsWith('https:') ? 1 : false);
  app.disable('x-powered-by');

  app.locals.siteName = 'Verilab';
  app.locals.mode = deps.config.mode;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', labs: deps.labs.labs.length });
  });
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));

  app.use(labRouter(deps.labs));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
