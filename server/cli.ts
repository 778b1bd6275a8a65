// The `verilab` command: serve, and the lab author's `labs check`.
import { parseArgs } from 'node:util';
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from './auth/passwords';
import { loadConfig, type Config } from './config';
import { LabLoadError, formatProblem, loadLabs } from './labs/loader';
import { loadCheckRegistry, type CheckRegistry } from './labs/registry';
import type { Lab } from './labs/types';
import { databaseOptions, openStore } from './store';
import { signupSchema } from './web/auth-router';
import { AppError } from './errors';
import { AwsSessions, awsSettings, type AwsSettings } from './verify/aws-session';
import { runChecks, runCleanup } from './verify/engine';
import { ROLE_ARN, regionProblem, roleArnProblem } from './verify/regions';

const USAGE = `Usage: verilab <command> [options]

Commands:
  serve                 start the web app (same as npm start)
  labs check [dir]      validate lab content (default: the configured labs folder)
  labs test LAB [--json]
                        run the lab's self-test in fresh sandbox accounts (its own moto server unless
                        SANDBOX_MOTO_URL is set): each check fails before its step's solution and passes
                        after, and each broken variant fails with its hint (exit 0 all held, 1 not)
  users add --email E --name N [--instructor] [--password-stdin]
                        create an account; asks for the password, or reads it from stdin
  verify --lab L --role-arn ARN --external-id ID --region R [--step ID ...] [--json] [--started-at ISO] [--cleanup]
                        check a lab in an AWS account through its verifier role (exit 0 all passed,
                        1 some failed, 2 could not verify)
  simulate-ping --from INSTANCE_ID --to IP [--count N] [--region R] [--json]
                        simulate a ping in a Verilab sandbox account with your own credentials and
                        AWS_ENDPOINT_URL; writes the flow records it causes (exit 0 answered, 1 not)
  help                  show this message
`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads the password: all of stdin, or a prompt without echo on a terminal. */
  readPassword: (fromStdin: boolean) => Promise<string>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new Error('no terminal to ask for the password on: use --password-stdin');
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(value));
          if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      const done = (fn: () => void) => {
        stdin.off('data', onData);
        process.stdout.write('\n');
        fn();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

const consoleIo: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  readPassword: async (fromStdin) => {
    if (fromStdin) return readAll(process.stdin);
    const first = await promptHidden('Password: ');
    const again = await promptHidden('Password again: ');
    if (first !== again) throw new Error('the two passwords differ');
    return first;
  },
};

export async function usersAdd(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' }, instructor: { type: 'boolean', default: false }, 'password-stdin': { type: 'boolean', default: false } },
  });
  if (positionals.length > 0) {
    io.err(`Unexpected argument "${positionals[0]}". Usage: verilab users add --email E --name N [--instructor] [--password-stdin]`);
    return 2;
  }
  const password = await io.readPassword(values['password-stdin'] ?? false);
  const parsed = signupSchema.safeParse({ email: values.email ?? '', name: values.name ?? '', password });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) io.err(`--${String(issue.path[0])}: ${issue.message}`);
    const lengthIssue = parsed.error.issues.some((i) => i.path[0] === 'password' && (i.code === 'too_small' || i.code === 'too_big'));
    if (lengthIssue) io.err(`(passwords are ${PASSWORD_MIN} to ${PASSWORD_MAX} characters)`);
    return 2;
  }
  const store = await openStore(databaseOptions(loadConfig(env)));
  try {
    const role = values.instructor ? 'instructor' : 'learner';
    const user = await store.users.create({ email: parsed.data.email, name: parsed.data.name, passwordHash: await hashPassword(parsed.data.password), role });
    if (!user) {
      io.err(`An account with the email ${parsed.data.email} already exists.`);
      return 1;
    }
    io.out(`Created ${role} ${user.name} <${user.email}>.`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function labsCheck(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const dir = positionals[0] ?? loadConfig().labsDir;
  try {
    const catalog = loadLabs(dir);
    // The checks are part of a lab: a missing or inconsistent checks module is reported like a Markdown mistake.
    const registry = loadCheckRegistry(catalog);
    for (const lab of catalog.labs) {
      io.out(`ok  ${lab.id}: ${lab.steps.length} steps (${lab.steps.map((s) => s.id).join(', ')}), ${registry.has(lab.id) ? 'checked automatically' : 'no automatic checks'}`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof LabLoadError)) throw err;
    io.err(`Lab content has ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}:`);
    for (const p of err.problems) io.err(`  ${formatProblem(p)}`);
    return 1;
  }
}

/** `verilab labs test LAB`: the lab's self-test in the sandbox; see server/labs/self-test.ts. */
export async function labsTest(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  } catch (err) {
    io.err(`verilab labs test: ${(err as Error).message}`);
    return 2;
  }
  const [labId, extra] = parsed.positionals;
  if (!labId || extra !== undefined) {
    io.err('Usage: verilab labs test LAB [--json]');
    return 2;
  }
  const config = loadConfig(env);
  const labs = loadLabs(config.labsDir, { mode: 'sandbox' });
  const lab = labs.get(labId);
  if (!lab) {
    io.err(`verilab labs test: there is no lab "${labId}" (labs: ${labs.labs.map((l) => l.id).join(', ')})`);
    return 2;
  }
  const { loadVariants, runSelfTest } = await import('./labs/self-test');
  const { loadSolverRegistry } = await import('./labs/solver-registry');
  const { sandboxSelfTestHarness } = await import('./sandbox/self-test-harness');
  const { createLogger } = await import('./logger');
  const solver = loadSolverRegistry(labs).get(lab.id);
  const variants = loadVariants(lab);
  if (!solver || !variants) {
    io.err(`verilab labs test: lab ${lab.id} needs solutions (solve.ts exporting solver) and broken variants (self-test.ts exporting variants) in its folder`);
    return 2;
  }
  const json = parsed.values.json ?? false;
  const harness = await sandboxSelfTestHarness({ config, labs, lab, checks: loadCheckRegistry(labs), logger: createLogger('error') });
  try {
    const report = await runSelfTest(lab, { solver, variants }, () => harness.newAccount(), json ? undefined : io.out);
    if (json) io.out(JSON.stringify(report, null, 2));
    else io.out(report.ok ? `\n${lab.id}: every step and every broken variant behaved.` : `\n${lab.id}: the self-test FAILED (see BAD above).`);
    return report.ok ? 0 : 1;
  } finally {
    await harness.close();
  }
}

/**
 * Verilab's own identity and endpoint from the SDK's standard variables in `env` (documented behaviour), read here
 * rather than by the SDK so that `env` need not be process.env; the SDK's default chain when they are absent.
 * The SDK skips environment keys when AWS_PROFILE is set, and lets AWS_ENDPOINT_URL_<SERVICE> win over
 * AWS_ENDPOINT_URL, so with a per-service variable the endpoints are left to the SDK.
 */
function standardAwsVariables(env: NodeJS.ProcessEnv): Pick<AwsSettings, 'endpoint' | 'credentials'> {
  const perService = Object.keys(env).some((name) => name.startsWith('AWS_ENDPOINT_URL_'));
  const endpoint = perService ? undefined : env.AWS_ENDPOINT_URL;
  const keys = !env.AWS_PROFILE && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  return {
    ...(endpoint ? { endpoint: () => endpoint } : {}),
    ...(keys ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN } } : {}),
  };
}

const MARK = { ok: '✓', bad: '✗', unknown: '?' } as const;
const markOf = (ok: boolean | 'unknown') => (ok === true ? MARK.ok : ok === false ? MARK.bad : MARK.unknown);

export async function verify(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        lab: { type: 'string' },
        'role-arn': { type: 'string' },
        'external-id': { type: 'string' },
        region: { type: 'string' },
        step: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        'started-at': { type: 'string' },
        cleanup: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    io.err(`verilab verify: ${(err as Error).message}`);
    return 2;
  }
  const problems: string[] = [];
  if (!values.lab) problems.push('--lab is required (for example --lab vpc-flow-logs)');
  const config = loadConfig(env);
  const region = values.region ?? env.AWS_REGION;
  const roleArn = values['role-arn'];
  if (!roleArn || !ROLE_ARN.test(roleArn)) problems.push('--role-arn must be a role ARN like arn:aws:iam::123456789012:role/VerilabVerifier (a path, if any, without empty, . or .. segments)');
  else {
    const wrong = roleArnProblem(roleArn, region, config.awsPartitions);
    if (wrong) problems.push(`--role-arn: ${wrong}`);
  }
  if (!values['external-id'] || !/^[\w+=,.@:/-]{2,1224}$/.test(values['external-id'])) problems.push('--external-id is required (2 to 1224 characters: letters, digits and +=,.@:/-)');
  if (!region) problems.push('--region is required (for example us-east-1)');
  else {
    const wrong = regionProblem(region, config.awsPartitions);
    if (wrong) problems.push(`--region: ${wrong}`);
  }
  const startedAt = values['started-at'] ? new Date(values['started-at']) : undefined;
  if (startedAt && Number.isNaN(startedAt.getTime())) problems.push('--started-at must be a date and time, such as 2026-11-27T09:00:00Z');

  let labs;
  try {
    labs = loadLabs(config.labsDir);
  } catch (err) {
    if (err instanceof LabLoadError) problems.push(err.message);
    else throw err;
  }
  const lab = values.lab && labs ? labs.get(values.lab) : undefined;
  if (values.lab && labs && !lab) problems.push(`--lab: there is no lab "${values.lab}" (labs: ${labs.labs.map((l) => l.id).join(', ')})`);
  const unknownSteps = lab ? (values.step ?? []).filter((s) => !lab.steps.some((x) => x.id === s)) : [];
  if (values.cleanup && values.step?.length) problems.push('--cleanup checks what the whole lab left behind; leave out --step');
  if (unknownSteps.length) problems.push(`--step: ${lab!.id} has no step ${unknownSteps.join(', ')} (steps: ${lab!.steps.map((s) => s.id).join(', ')})`);
  if (problems.length > 0 || !lab || !labs) {
    for (const p of problems) io.err(`verilab verify: ${p}`);
    return 2;
  }
  const checks = loadCheckRegistry(labs);
  if (!checks.has(lab.id)) {
    io.err(`verilab verify: lab ${lab.id} has no checks`);
    return 2;
  }
  if (values.cleanup) return verifyCleanup(lab, checks, { roleArn: values['role-arn']!, externalId: values['external-id']!, region: region!, json: values.json ?? false }, io, config, env);
  const stepIds = values.step?.length ? lab.steps.filter((s) => values.step!.includes(s.id)).map((s) => s.id) : lab.steps.map((s) => s.id);

  const sessions = new AwsSessions({ ...awsSettings(config), ...standardAwsVariables(env) });
  let outcome;
  try {
    const aws = await sessions.forRole({ roleArn: values['role-arn']!, externalId: values['external-id']!, region: region!, sessionName: 'cli' });
    outcome = { aws, ...(await runChecks(aws, lab, checks, stepIds, { now: new Date(), labStartedAt: startedAt })) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`verilab verify: could not verify: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
    return 2;
  }
  const steps = stepIds.map((id) => ({ id, ...outcome.results.get(id)! }));
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          lab: lab.id,
          account: outcome.aws.accountId,
          region: outcome.aws.region,
          steps: steps.map((s) => ({ id: s.id, passed: s.passed, checks: s.checks.map((c) => ({ label: c.label, ok: c.ok, detail: c.detail, hint: c.hint, explanation: c.explanation })), evidence: s.evidence })),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(`${lab.title}: account ${outcome.aws.accountId}, ${outcome.aws.region}`);
    for (const s of steps) {
      const step = lab.steps.find((x) => x.id === s.id)!;
      io.out(`\n${s.passed ? MARK.ok : MARK.bad} ${step.number}. ${step.title} [${s.id}]`);
      for (const c of s.checks) {
        io.out(`    ${markOf(c.ok)} ${c.label}`);
        if (c.detail) io.out(`        ${c.detail}`);
        if (c.explanation && c.ok === false) io.out(`        why: ${c.explanation}`);
        if (c.hint && c.ok !== true) io.out(`        hint: ${c.hint}`);
      }
    }
    io.out(`\n${steps.filter((s) => s.passed).length} of ${steps.length} steps passed (${outcome.stats.calls} AWS calls in ${outcome.stats.rounds} rounds).`);
  }
  return steps.every((s) => s.passed) ? 0 : 1;
}

/** `verilab verify --cleanup`: what the lab left in the account, with hourly costs; exit 0 when nothing is left. */
async function verifyCleanup(
  lab: Lab,
  checks: CheckRegistry,
  target: { roleArn: string; externalId: string; region: string; json: boolean },
  io: Io,
  config: Readonly<Config>,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (!checks.cleanup(lab.id)) {
    io.err(`verilab verify: lab ${lab.id} has no clean-up check`);
    return 2;
  }
  const sessions = new AwsSessions({ ...awsSettings(config), ...standardAwsVariables(env) });
  let aws;
  let result;
  try {
    aws = await sessions.forRole({ roleArn: target.roleArn, externalId: target.externalId, region: target.region, sessionName: 'cli-cleanup' });
    result = await runCleanup(aws, lab, checks, { now: new Date() });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`verilab verify: could not check the clean-up: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`);
    return 2;
  }
  const total = Number(result.evidence.totalHourlyUsd ?? 0);
  if (target.json) {
    io.out(JSON.stringify({ lab: lab.id, account: aws.accountId, region: aws.region, clean: result.passed, checks: result.checks, remaining: result.evidence.remaining, totalHourlyUsd: total }, null, 2));
  } else {
    io.out(`${lab.title}, clean-up: account ${aws.accountId}, ${aws.region}`);
    for (const c of result.checks) {
      io.out(`    ${markOf(c.ok)} ${c.label}`);
      if (c.detail) io.out(`        ${c.detail}`);
      if (c.hint && c.ok !== true) io.out(`        hint: ${c.hint}`);
    }
    io.out(result.passed ? '\nAll clean: nothing the lab made is left.' : `\nStill running: about $${total < 0.1 ? total.toFixed(4) : total.toFixed(2)} per hour.`);
  }
  return result.passed ? 0 : 1;
}

/** `env` is the command's environment (process.env when run from a shell; tests hand in their own). */
export async function runCli(argv: string[], io: Io = consoleIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { serve } = await import('./main');
        return await serve(env, io);
      }
      case 'verify':
        return await verify(rest, io, env);
      case 'simulate-ping': {
        const { simulatePingCommand } = await import('./sandbox/traffic/ping-command');
        const standard = standardAwsVariables(env);
        return await simulatePingCommand(rest, io, { endpoint: standard.endpoint?.(), credentials: standard.credentials, region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION });
      }
      case 'users':
        if (rest[0] === 'add') return await usersAdd(rest.slice(1), io, env);
        io.err(`Unknown users command "${rest[0] ?? ''}".\n\n${USAGE}`);
        return 2;
      case 'labs':
        if (rest[0] === 'check') return await labsCheck(rest.slice(1), io);
        if (rest[0] === 'test') return await labsTest(rest.slice(1), io, env);
        io.err(`Unknown labs command "${rest[0] ?? ''}".\n\n${USAGE}`);
        return 2;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.err(`verilab: ${(err as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
