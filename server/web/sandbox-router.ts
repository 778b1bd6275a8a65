// Sandbox mode's Connect page: the learner's sandbox account, a local CLI profile, their keys as JSON, and Reset my sandbox.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { SANDBOX_MESSAGES, type Sandbox, type SandboxCredentials } from '../sandbox/sandbox';
import { respond, wantsJson } from './respond';

export const SANDBOX_PROFILE = 'verilab';

export const RESET_MESSAGES = {
  CONFIRM: 'Tick the box to confirm: resetting deletes everything in your sandbox account.',
} as const;

/** The `aws configure set` lines for a local profile that talks to this Verilab's sandbox endpoint. */
export function profileCommands(c: SandboxCredentials, profile = SANDBOX_PROFILE): string {
  return [
    `aws configure set aws_access_key_id ${c.accessKeyId} --profile ${profile}`,
    `aws configure set aws_secret_access_key ${c.secretAccessKey} --profile ${profile}`,
    `aws configure set region ${c.region} --profile ${profile}`,
    `aws configure set endpoint_url ${c.endpointUrl} --profile ${profile}`,
    `export AWS_PROFILE=${profile}`,
    `aws sts get-caller-identity`,
  ].join('\n');
}

/** Tells a learner, once, on the first page after moto lost their sandbox (and prepares it again). */
export function sandboxLostNotice(sandbox: Sandbox, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    if (req.user && req.method === 'GET' && !wantsJson(req)) {
      try {
        if (await sandbox.recoverLost(req.user.id)) res.locals.sandboxNotice = SANDBOX_MESSAGES.LOST;
      } catch (err) {
        logger.warn({ err }, 'sandbox: could not check whether a sandbox was lost');
      }
    }
    next();
  };
}

interface Deps {
  sandbox: Sandbox;
  shellAvailable: () => Promise<boolean>;
}

export function sandboxConnectRouter({ sandbox, shellAvailable }: Deps): Router {
  const router = Router();

  async function render(req: Request, res: Response, status = 200, state: { error?: string; notice?: string; failure?: AppError } = {}) {
    let credentials: (SandboxCredentials & { shellUid: number }) | undefined;
    let failure = state.failure;
    try {
      credentials = await sandbox.credentials(req.user!.id);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      failure = err;
      status = err.status;
    }
    res.set('Cache-Control', 'no-store');
    res.status(status).render('connect-sandbox', {
      title: 'Your sandbox AWS account',
      credentials,
      commands: credentials && profileCommands(credentials),
      failure,
      resetError: state.error,
      notice: state.notice,
      shellAvailable: await shellAvailable(),
      next: typeof req.query.next === 'string' && req.query.next.startsWith('/labs/') ? req.query.next : undefined,
    });
  }

  // Mounted at /connect behind requireUser.
  router.get('/', (req, res) => render(req, res));

  router.post('/', () => {
    throw new AppError(409, 'SANDBOX_NOTHING_TO_CONNECT', 'In sandbox mode there is nothing to connect: Verilab checks your work in your sandbox account.');
  });

  router.get('/sandbox/credentials', async (req, res) => {
    const c = await sandbox.credentials(req.user!.id);
    res.set('Cache-Control', 'no-store');
    res.json({ accountId: c.accountId, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, region: c.region, endpointUrl: c.endpointUrl });
  });

  router.post('/sandbox/reset', async (req, res) => {
    const confirmed = req.body?.confirm === 'yes';
    if (!confirmed) {
      return respond(req, res, {
        json: () => { throw new AppError(400, 'RESET_NOT_CONFIRMED', RESET_MESSAGES.CONFIRM, { details: { fields: { confirm: RESET_MESSAGES.CONFIRM } } }); },
        html: () => render(req, res, 400, { error: RESET_MESSAGES.CONFIRM }),
      });
    }
    const row = await sandbox.reset(req.user!.id);
    return respond(req, res, { json: () => res.json({ reset: true, accountId: row.accountId }), html: () => render(req, res, 200, { notice: SANDBOX_MESSAGES.RESET }) });
  });

  return router;
}
