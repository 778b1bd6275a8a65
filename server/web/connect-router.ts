// Connecting a learner's AWS account: their ExternalId, the verifier role template and command, and the role ARN they paste.
import fs from 'node:fs';
import path from 'node:path';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import { AppError, NotFoundError } from '../errors';
import { VERIFIER_TEMPLATE_FILE as TEMPLATE_FILE, type Lab, type LabCatalog } from '../labs/types';
import type { Store } from '../store';
import type { AwsConnection } from '../store/connections';
import { readFailure } from '../verify/aws-errors';
import type { AwsSessions } from '../verify/aws-session';
import { parseForm, validationError, type FieldErrors } from './forms';
import { requireUser } from './security';

export const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-north-1', 'eu-south-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'sa-east-1',
];
const STACK_NAME = 'verilab-verifier';

const connectSchema = z.object({
  roleArn: z
    .string({ error: 'Role ARN must be text.' })
    .trim()
    .min(1, 'Paste the role ARN from the stack\'s RoleArn output.')
    .max(2048, 'That is far too long for a role ARN.')
    .regex(ROLE_ARN, 'That is not a role ARN. It looks like arn:aws:iam::123456789012:role/VerilabVerifier (12 digits, then role/ and the role name).'),
  region: z.string({ error: 'Choose a region.' }).trim().regex(REGION, 'Choose a region from the list, such as us-east-1.'),
});

interface Deps {
  labs: LabCatalog;
  store: Store;
  aws: AwsSessions;
  config: Readonly<Config>;
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

  async function render(req: Request, res: Response, status = 200, state: { errors?: FieldErrors; values?: Record<string, string>; failure?: AppError; connected?: boolean } = {}) {
    const lab = labFor(labs, req);
    const stored = await store.connections.ensure(req.user!.id, { mode: config.mode, region: lab.defaultRegion });
    // A region picked in the form (GET ?region=) previews the command before anything is saved.
    const picked = state.values?.region ?? (typeof req.query.region === 'string' ? req.query.region : undefined);
    const connection = picked && REGION.test(picked) ? { ...stored, region: picked } : stored;
    // Sandbox mode has no AWS identity of its own to show (and the credential chain would only time out).
    const verifierAccountId = config.mode === 'aws' ? await aws.verifierAccountId(connection.region) : undefined;
    res.status(status).render('connect', {
      title: 'Connect your AWS account',
      lab,
      connection,
      verifierAccountId,
      regions: REGIONS.includes(connection.region) ? REGIONS : [connection.region, ...REGIONS],
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

  router.get('/connect', requireUser, (req, res) => render(req, res));

  router.post('/connect', requireUser, async (req, res) => {
    const json = req.accepts(['html', 'json']) === 'json';
    const form = parseForm(connectSchema, req.body);
    if (!form.ok) {
      if (json) throw validationError(form.errors);
      return render(req, res, 400, { errors: form.errors, values: form.values });
    }
    const user = req.user!;
    const connection = await store.connections.ensure(user.id, { mode: config.mode, region: form.data.region });
    const role = { roleArn: form.data.roleArn, externalId: connection.externalId, region: form.data.region, sessionName: `connect-${user.id.slice(0, 8)}` };
    aws.forget(role);
    let failure: AppError | undefined;
    try {
      const clients = await aws.forRole(role);
      // One small read proves the role can look, not only that it can be assumed.
      await clients.ec2.send(new DescribeVpcsCommand({ MaxResults: 5 })).catch((err: unknown) => {
        const why = readFailure(err, 'ec2:DescribeVpcs');
        throw new AppError(422, 'ROLE_CANNOT_READ', `Verilab assumed the role, but could not read your VPCs in ${form.data.region}: ${why.reason}.`, {
          hint: 'Deploy the verifier role template shown on this page: it grants exactly the read permissions the checks use.',
        });
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      failure = err;
    }
    if (failure) {
      if (json) throw failure;
      return render(req, res, failure.status, { failure, values: { roleArn: form.data.roleArn, region: form.data.region } });
    }
    const accountId = ROLE_ARN.exec(form.data.roleArn)![2];
    await store.connections.saveRole(user.id, { roleArn: form.data.roleArn, region: form.data.region, accountId, verifiedAt: new Date() });
    if (json) {
      res.json({ connected: true, accountId, region: form.data.region, roleArn: form.data.roleArn });
      return;
    }
    return render(req, res, 200, { connected: true });
  });

  router.get('/labs/:labId/verifier-role.yaml', (req, res) => {
    const lab = labs.get(String(req.params.labId));
    const file = lab && path.join(lab.dir, TEMPLATE_FILE);
    if (!file || !fs.existsSync(file)) throw new NotFoundError('NOT_FOUND', 'This lab has no verifier role template.');
    res.type('text/yaml').attachment(TEMPLATE_FILE).send(fs.readFileSync(file, 'utf8'));
  });

  return router;
}
