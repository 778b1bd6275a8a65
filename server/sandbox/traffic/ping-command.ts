// `verilab simulate-ping`: a ping simulated in a sandbox account with the caller's own AWS credentials and endpoint, writing the flow records it causes.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClients } from '../../verify/aws-session';
import { regionProblem } from '../../verify/regions';
import { SANDBOX_HEADER } from '../proxy';
import { NetworkUnreadable } from '../network/from-snapshot';
import { simulatePing, type TrafficOutcome } from './simulate';

export const MAX_PING_COUNT = 100;

export const PING_USAGE = 'Usage: verilab simulate-ping --from INSTANCE_ID --to IP [--count N] [--region R] [--json]';

export const PING_MESSAGES = {
  NOT_SANDBOX: (host: string) =>
    `verilab simulate-ping: refusing to run against ${host}: it writes flow log events, so it only talks to a Verilab sandbox ` +
    'or an emulator on this machine (127.0.0.1). Point AWS_ENDPOINT_URL at your sandbox endpoint (shown on the Connect page).',
  NO_ENDPOINT:
    'verilab simulate-ping: no endpoint is set, so this would reach real AWS, where it must not write flow log events. ' +
    'Set AWS_ENDPOINT_URL to your Verilab sandbox endpoint (shown on the Connect page).',
} as const;

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface PingSettings {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** Why simulated records must not be written to the endpoint that answered, or undefined when they may. */
export function endpointRefusal(host: string, markedSandbox: boolean, endpointGiven: boolean): string | undefined {
  if (markedSandbox || isLoopback(host)) return undefined;
  return endpointGiven ? PING_MESSAGES.NOT_SANDBOX(host) : PING_MESSAGES.NO_ENDPOINT;
}

/**
 * Who answers: the account behind the credentials, and whether the endpoint may receive simulated records: a loopback
 * host (a local emulator) or a Verilab sandbox, which marks its answers. Checked on the identity call, before anything is written.
 */
async function identify(settings: PingSettings): Promise<{ accountId: string } | { refused: string }> {
  const sts = new STSClient({ region: settings.region, endpoint: settings.endpoint, credentials: settings.credentials });
  let host = 'AWS';
  let sandbox = false;
  sts.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { hostname?: string };
      host = request.hostname ?? host;
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
      sandbox = headers[SANDBOX_HEADER] === '1';
      return result;
    },
    { step: 'finalizeRequest', name: 'verilabSandboxProbe', priority: 'low' },
  );
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  const refused = endpointRefusal(host, sandbox, settings.endpoint !== undefined);
  return refused ? { refused } : { accountId: identity.Account! };
}

function clientsFor(settings: PingSettings, accountId: string): AwsClients {
  const config = { region: settings.region, endpoint: settings.endpoint, credentials: settings.credentials };
  return { accountId, region: settings.region, ec2: new EC2Client(config), iam: new IAMClient(config), logs: new CloudWatchLogsClient(config) };
}

function report(outcome: TrafficOutcome, to: string, count: number, io: Io): void {
  const received = outcome.result.replied ? count : 0;
  io.out(`PING ${to}: ${count} echo request${count === 1 ? '' : 's'} of 84 bytes`);
  io.out(`${count} packets transmitted, ${received} received, ${received === count ? 0 : 100}% packet loss`);
  io.out('');
  io.out('Why:');
  for (const hop of outcome.result.hops) io.out(`  ${hop.passed ? '✓' : '✗'} ${hop.leg === 'reply' ? 'reply: ' : ''}${hop.says}`);
  for (const line of outcome.result.explanation) io.out(`  ${line}`);
  io.out('');
  const streams = [...new Set(outcome.deliveries.map((d) => `${d.logGroupName} (${d.logStreamName})`))];
  io.out(outcome.recordsWritten > 0 ? `Flow records written: ${outcome.recordsWritten}, to ${streams.join(', ')}.` : 'No flow records were written: no working flow log covers these interfaces.');
  for (const u of outcome.undelivered) io.out(`Flow log ${u.flowLogId} delivers nothing: ${u.problem}.`);
}

/** Exit 0 when replies came back, 1 when not, 2 when the ping could not be simulated. */
export async function simulatePingCommand(args: string[], io: Io, settings: Omit<PingSettings, 'region'> & { region?: string }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, count: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    io.err(`verilab simulate-ping: ${(err as Error).message}\n${PING_USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  if (!values.from || !/^(i|eni)-[0-9a-f]{8,17}$/.test(values.from)) problems.push('--from must be an instance id such as i-0123456789abcdef0');
  if (!values.to || isIP(values.to) !== 4) problems.push('--to must be an IPv4 address such as 10.2.0.36');
  const count = values.count === undefined ? 4 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_PING_COUNT) problems.push(`--count must be a whole number from 1 to ${MAX_PING_COUNT}`);
  const region = values.region ?? settings.region;
  // Sandbox accounts live in the commercial partition whatever the server's AWS_PARTITIONS, which this command never sees.
  const regionWrong = region === undefined ? undefined : regionProblem(region);
  if (!region) problems.push('--region is required (or AWS_REGION), for example us-east-1');
  else if (regionWrong) problems.push(`--region: ${regionWrong}`);
  if (problems.length > 0) {
    for (const p of problems) io.err(`verilab simulate-ping: ${p}`);
    io.err(PING_USAGE);
    return 2;
  }
  const resolved: PingSettings = { ...settings, region: region! };
  try {
    const who = await identify(resolved);
    if ('refused' in who) {
      io.err(who.refused);
      return 2;
    }
    const outcome = await simulatePing(clientsFor(resolved, who.accountId), { from: values.from!, to: values.to!, count });
    if (values.json) {
      const { result, recordsWritten, undelivered } = outcome;
      io.out(JSON.stringify({ from: values.from, to: values.to, count, delivered: result.delivered, replied: result.replied, hops: result.hops, explanation: result.explanation, recordsWritten, undelivered }, null, 2));
    } else {
      report(outcome, values.to!, count, io);
    }
    return outcome.result.replied ? 0 : 1;
  } catch (err) {
    const message = err instanceof NetworkUnreadable ? `could not read the account's network (${err.message})` : (err as Error).message;
    io.err(`verilab simulate-ping: ${message}`);
    return 2;
  }
}
