// Sandbox mode's Connect page (the learner's sandbox account, a local CLI profile, their keys as JSON, Reset my sandbox, Rebuild to where I was) and Skip this step.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../errors';
import { SANDBOX_MESSAGES, type Sandbox, type SandboxCredentials } from '../sandbox/sandbox';
import { rebuildSummary, SOLUTION_MESSAGES, type RebuildReport, type SandboxSolutions } from '../sandbox/solutions';
import { respond, wantsJson } from './respond';
import { rateLimitBy, userOrAddress } from './security';

export const SANDBOX_PROFILE = 'verilab';

export const RESET_MESSAGES = {
  CONFIRM: 'Tick the box to confirm: resetting deletes everything in your sandbox account.',
  RESET_LIMITED: (times: number, wait: string) => `You have reset your sandbox ${times} times in the last hour, which is as many as Verilab allows. Try again in ${wait}.`,
  REBUILD_LIMITED: (times: number, wait: string) => `You have rebuilt your sandbox ${times} times in the last hour, which is as many as Verilab allows. Try again in ${wait}.`,
} as const;

/** Resets, and rebuilds, per learner per hour: each makes a new account or runs every passed step's solution in it. */
const SANDBOX_CHANGES_PER_HOUR = 5;

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

/** Tells a learner, once, on the first page after moto lost their sandbox (and prepares it again), with Rebuild to where I was when it can run. */
export function sandboxLostNotice(sandbox: Sandbox, logger: Logger, options: { rebuild?: boolean } = {}): RequestHandler {
  // Everything but a signed-in learner's page goes straight on, without waiting a turn of the event loop.
  return (req, res, next) => {
    const user = req.user;
    if (!user || req.method !== 'GET' || wantsJson(req)) return next();
    sandbox
      .recoverLost(user.id)
      .then((lost) => {
        if (!lost) return;
        res.locals.sandboxNotice = SANDBOX_MESSAGES.LOST;
        res.locals.sandboxRebuild = options.rebuild ?? false;
      })
      .catch((err: unknown) => logger.warn({ err }, 'sandbox: could not check whether a sandbox was lost'))
      .then(() => next(), next);
  };
}

interface Deps {
  sandbox: Sandbox;
  shellAvailable: () => Promise<boolean>;
  /** Skip and Rebuild: absent when no lab has solutions. */
  solutions?: SandboxSolutions;
}

/** A rebuild's report as JSON: ids and reasons. */
function rebuildJson(report: RebuildReport) {
  return {
    accountId: report.accountId,
    labs: report.labs.map((l) => ({ lab: l.lab.id, rebuilt: l.rebuilt.map((s) => s.id), notRebuilt: l.notRebuilt.map((n) => ({ step: n.step.id, reason: n.reason })) })),
  };
}

export function sandboxConnectRouter({ sandbox, shellAvailable, solutions }: Deps): Router {
  const router = Router();

  async function render(req: Request, res: Response, status = 200, state: { error?: string; notice?: string; failure?: AppError; rebuild?: RebuildReport } = {}) {
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
      rebuildOffered: solutions?.rebuildable ?? false,
      rebuild: state.rebuild,
      shellAvailable: await shellAvailable(),
      next: typeof req.query.next === 'string' && req.query.next.startsWith('/labs/') ? req.query.next : undefined,
    });
  }

  // Only what did the work counts: a reset not confirmed, or one refused as busy or too soon after the last, costs nothing.
  const changes = (code: string, message: (times: number, wait: string) => string, skip: (req: Request) => boolean) =>
    rateLimitBy({
      code,
      windowMs: 60 * 60 * 1000,
      limit: SANDBOX_CHANGES_PER_HOUR,
      key: userOrAddress,
      skip,
      count: (res) => res.statusCode !== 409 && res.statusCode !== 429,
      message: (wait) => message(SANDBOX_CHANGES_PER_HOUR, wait),
      onLimited: (req, res, failure) => render(req, res, failure.status, { failure }),
    });
  const resets = changes('SANDBOX_RESET_LIMITED', RESET_MESSAGES.RESET_LIMITED, (req) => req.body?.confirm !== 'yes');
  const rebuilds = changes('SANDBOX_REBUILD_LIMITED', RESET_MESSAGES.REBUILD_LIMITED, () => !solutions?.rebuildable);

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

  router.post('/sandbox/reset', resets, async (req, res) => {
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

  // Errors that the learner can act on (busy, rate-limited, the sandbox failed) are shown on the Connect page itself.
  router.post('/sandbox/rebuild', rebuilds, async (req, res) => {
    if (!solutions?.rebuildable) throw new NotFoundError('REBUILD_UNAVAILABLE', SOLUTION_MESSAGES.REBUILD_UNAVAILABLE);
    let report: RebuildReport;
    try {
      report = await solutions.rebuild(req.user!);
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => render(req, res, err.status, { failure: err }) });
    }
    return respond(req, res, { json: () => res.json(rebuildJson(report)), html: () => render(req, res, 200, { notice: rebuildSummary(report), rebuild: report }) });
  });

  return router;
}

/**
 * Mounted at /labs behind requireUser in both modes: outside sandbox mode, Skip is refused with a reason. A Skip refused
 * from the page (not allowed, too soon, a step before it missing) is shown on the step page, as a Check's refusal is.
 */
export function skipRouter({ solutions, showRefusal }: { solutions?: SandboxSolutions; showRefusal?: (req: Request, res: Response, err: AppError) => Promise<void> }): Router {
  const router = Router();

  router.post('/:labId/steps/:stepId/skip', async (req, res) => {
    if (!solutions) throw new NotFoundError('SKIP_UNAVAILABLE', SOLUTION_MESSAGES.SKIP_UNAVAILABLE);
    let skipped: Awaited<ReturnType<SandboxSolutions['skip']>>;
    try {
      skipped = await solutions.skip(req.user!, String(req.params.labId), String(req.params.stepId));
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose || !showRefusal) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => showRefusal(req, res, err) });
    }
    const { lab, step, run } = skipped;
    const outcome = run.outcomes[0];
    return respond(req, res, {
      html: () => res.redirect(303, `/labs/${lab.id}/steps/${step.id}#check`),
      json: () => res.json({ step: step.id, skipped: true, status: outcome.status, passed: outcome.result.passed, checks: outcome.result.checks }),
    });
  });

  return router;
}
