// Connecting a learner's AWS account: their ExternalId, the verifier role template and command, and the role ARN they paste.
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { AppError } from '../errors';
import { VERIFIER_TEMPLATE_FILE as TEMPLATE_FILE, type Lab, type LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { AwsConnection } from '../store/connections';
import type { AwsSessions } from '../verify/aws-session';
import { ROLE_ARN, connectRole } from '../verify/connect-service';
import { regionPattern, regionsOf } from '../verify/regions';
import { parseForm, validationError, type FieldErrors } from './forms';
import { respond } from './respond';
import { rateLimitBy, userOrAddress } from './security';

const STACK_NAME = 'verilab-verifier';

export const CONNECT_LIMIT_MESSAGE = (wait: string) =>
  `You have tried to connect a role many times in a short while. Check the role ARN against the stack's RoleArn output, then try again in ${wait}.`;

const connectSchemaFor = (regionRule: RegExp) => z.object({
  roleArn: z
    .string({ error: 'Role ARN must be text.' })
    .trim()
    .min(1, 'Paste the role ARN from the stack\'s RoleArn output.')
    .max(2048, 'That is far too long for a role ARN.')
    .regex(ROLE_ARN, 'That is not a role ARN. It looks like arn:aws:iam::123456789012:role/VerilabVerifier (12 digits, then role/ and the role name).'),
  region: z.string({ error: 'Choose a region.' }).trim().regex(regionRule, 'Choose a region from the list, such as us-east-1.'),
});

interface Deps {
  labs: LabCatalog;
  store: Store;
  aws: AwsSessions;
  config: Readonly<Config>;
}

/** The form as sent, to fill it in again. */
function formValues(req: Request): Record<string, string> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(['roleArn', 'region'].flatMap((k) => (typeof body[k] === 'string' ? [[k, body[k]]] : [])));
}

function labFor(labs: LabCatalog, req: Request): Lab {
  const id = typeof req.query.lab === 'string' ? req.query.lab : undefined;
  return (id && labs.get(id)) || labs.labs.find((l) => fs.existsSync(path.join(l.dir, TEMPLATE_FILE))) || labs.labs[0];
}

export function deployCommand(lab: Lab, connection: Pick<AwsConnection, 'externalId' | 'region'>, verifierAccountId: string | undefined): string {
  return [
    `aws cloudformation deploy --template-file ${TEMPLATE_FILE} \\`,
    `  --stack-name ${STACK_NAME} --region ${connection.region} \\`,
    `  --capabilities CAPABILITY_NAMED_IAM \\`,
    `  --parameter-overrides TrustedAccountId=${verifierAccountId ?? '<Verilab account id>'} ExternalId=${connection.externalId}`,
    `aws cloudformation describe-stacks --stack-name ${STACK_NAME} --region ${connection.region} \\`,
    `  --query "Stacks[0].Outputs[?OutputKey=='RoleArn'].OutputValue" --output text`,
  ].join('\n');
}

export function quickCreateLink(templateUrl: string | undefined, connection: Pick<AwsConnection, 'externalId' | 'region'>, verifierAccountId: string | undefined): string | undefined {
  if (!templateUrl || !verifierAccountId) return undefined;
  const q = new URLSearchParams({ templateURL: templateUrl, stackName: STACK_NAME, param_TrustedAccountId: verifierAccountId, param_ExternalId: connection.externalId });
  return `https://console.aws.amazon.com/cloudformation/home?region=${connection.region}#/stacks/quickcreate?${q.toString()}`;
}

export function connectRouter({ labs, store, aws, config }: Deps): Router {
  const router = Router();
  // The Regions of the partitions Verilab is set up for (AWS_PARTITIONS): the commercial ones unless configured.
  const regionRule = regionPattern(config.awsPartitions);
  const regions = regionsOf(config.awsPartitions);
  const connectSchema = connectSchemaFor(regionRule);

  async function render(req: Request, res: Response, status = 200, state: { errors?: FieldErrors; values?: Record<string, string>; failure?: AppError; connected?: boolean } = {}) {
    const lab = labFor(labs, req);
    const stored = await store.connections.ensure(req.user!.id, { mode: config.mode, region: lab.defaultRegion });
    // A region picked in the form (GET ?region=) previews the command before anything is saved.
    const picked = state.values?.region ?? (typeof req.query.region === 'string' ? req.query.region : undefined);
    const connection = picked && regionRule.test(picked) ? { ...stored, region: picked } : stored;
    // Sandbox mode has no AWS identity of its own to show (and the credential chain would only time out).
    const verifierAccountId = config.mode === 'aws' ? await aws.verifierAccountId(connection.region) : undefined;
    res.status(status).render('connect', {
      title: 'Connect your AWS account',
      lab,
      connection,
      verifierAccountId,
      regions: regions.includes(connection.region) ? regions : [connection.region, ...regions],
      command: deployCommand(lab, connection, verifierAccountId),
      quickCreate: quickCreateLink(config.templateUrl, connection, verifierAccountId),
      templateHref: `/labs/${lab.id}/${TEMPLATE_FILE}`,
      errors: state.errors ?? {},
      values: state.values ?? {},
      failure: state.failure,
      connected: state.connected,
      next: typeof req.query.next === 'string' && req.query.next.startsWith('/labs/') ? req.query.next : `/labs/${lab.id}`,
    });
  }

  // Each attempt that gets past the form makes Verilab call STS (and EC2), so those are counted per learner.
  const attempts = rateLimitBy({
    code: 'CONNECT_RATE_LIMITED',
    windowMs: 15 * 60 * 1000,
    limit: config.connectRateLimitPer15Min,
    key: userOrAddress,
    skip: (req) => !connectSchema.safeParse(req.body ?? {}).success,
    message: CONNECT_LIMIT_MESSAGE,
    onLimited: (req, res, failure) => render(req, res, failure.status, { failure, values: formValues(req) }),
  });

  // Mounted at /connect behind requireUser.
  router.get('/', (req, res) => render(req, res));

  router.post('/', attempts, async (req, res) => {
    const form = parseForm(connectSchema, req.body);
    if (!form.ok) {
      const errors = form.errors;
      return respond(req, res, { json: () => { throw validationError(errors); }, html: () => render(req, res, 400, { errors, values: form.values }) });
    }
    let connected;
    try {
      connected = await connectRole({ store, aws, mode: config.mode, partitions: config.awsPartitions }, req.user!.id, form.data);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return respond(req, res, { json: () => { throw err; }, html: () => render(req, res, err.status, { failure: err, values: { ...form.data } }) });
    }
    return respond(req, res, { json: () => res.json({ connected: true, ...connected }), html: () => render(req, res, 200, { connected: true }) });
  });

  return router;
}
