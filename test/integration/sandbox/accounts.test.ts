// Sandbox accounts end to end: created on first need, used with the real AWS CLI through the proxy, checked, reset, recovered after moto forgets them.
import fs from 'node:fs';
import path from 'node:path';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import SQLite from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { LABS_DIR } from '../../../server/paths';
import { inMotoAccount } from '../../../server/sandbox/moto-process';
import { SANDBOX_MESSAGES } from '../../../server/sandbox/sandbox';
import { makeUser, signedIn, csrfToken } from '../../helpers/app';
import { motoForThisFile } from '../../helpers/moto';
import { awsCli, createSandboxContext, runAsLearner, type SandboxTestContext } from '../../helpers/sandbox';

// Each test runs the real AWS CLI several times (about a second per call on a busy machine).
jest.setTimeout(180_000);

const moto = motoForThisFile();
let ctx: SandboxTestContext;

beforeEach(async () => {
  ctx = await createSandboxContext(moto(), { CHECK_RATE_LIMIT_SECONDS: '1' });
});
afterEach(() => ctx.close());

interface Credentials {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  endpointUrl: string;
}

async function credentialsOf(agent: request.Agent): Promise<Credentials> {
  const res = await agent.get('/connect/sandbox/credentials').set('Accept', 'application/json').expect(200);
  return res.body as Credentials;
}

/** The bash of a step's solution block, as the learner would paste it into a shell. */
function solutionOf(stepFile: string): string {
  const text = fs.readFileSync(path.join(LABS_DIR, 'vpc-flow-logs', 'steps', stepFile), 'utf8');
  const block = /::: solution[^\n]*\n```bash\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error(`no solution block in ${stepFile}`);
  return block[1];
}

/** A script in bash with the learner's credentials, stopping at the first failing command. */
function bash(c: Credentials, script: string) {
  return runAsLearner(c, 'bash', ['-e', '-o', 'pipefail', '-c', script]);
}

async function check(agent: request.Agent, step: string) {
  const token = await csrfToken(agent, `/labs/vpc-flow-logs/steps/${step}`);
  return agent.post(`/labs/vpc-flow-logs/steps/${step}/check`).set('Accept', 'application/json').type('form').send({ _csrf: token });
}

describe('sandbox accounts', () => {
  it('credentials: a 12-digit account, an AKIA key, a 40-character secret and the /sandbox/aws endpoint; the CLI is that account', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const c = await credentialsOf(agent);
    expect(c.accountId).toMatch(/^\d{12}$/);
    expect(c.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(c.secretAccessKey).toHaveLength(40);
    expect(c.region).toBe('us-east-1');
    expect(c.endpointUrl).toBe(`${ctx.url}/sandbox/aws`);
    const who = await awsCli(c, ['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']);
    expect(who.stderr).toBe('');
    expect(who.stdout.trim()).toBe(c.accountId);
    // The same learner gets the same account again.
    expect((await credentialsOf(agent)).accountId).toBe(c.accountId);
  });

  it('credentials: anonymous callers get 401, and the response is never cached', async () => {
    await request(ctx.app).get('/connect/sandbox/credentials').set('Accept', 'application/json').expect(401);
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const res = await agent.get('/connect/sandbox/credentials').set('Accept', 'application/json').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('connect page: shows the account, the profile lines with endpoint_url and the reset form; no role ARN form', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const c = await credentialsOf(agent);
    const page = await agent.get('/connect').expect(200);
    expect(page.text).toContain(c.accountId);
    expect(page.text).toContain(`aws configure set endpoint_url ${ctx.url}/sandbox/aws --profile verilab`);
    expect(page.text).toContain(`aws configure set aws_access_key_id ${c.accessKeyId} --profile verilab`);
    expect(page.text).toContain('action="/connect/sandbox/reset"');
    expect(page.text).not.toContain('name="roleArn"');
  });

  it('the stored secret is sealed: no table holds it in plain text', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const c = await credentialsOf(agent);
    const row = await ctx.store.sandboxAccounts.byAccessKey(c.accessKeyId);
    expect(row?.secretSealed).toBeDefined();
    expect(row!.secretSealed).not.toContain(c.secretAccessKey);
    const everything = await dumpDatabase(ctx);
    expect(everything).toContain(c.accessKeyId);
    expect(everything).not.toContain(c.secretAccessKey);
  });

  it('check in sandbox: fails before step 1 is done, passes after the step\'s CLI solution ran through the proxy', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const before = await check(agent, 'vpcs');
    expect(before.status).toBe(200);
    expect(before.body.passed).toBe(false);

    const c = await credentialsOf(agent);
    const run = await bash(c, solutionOf('01-vpcs.md'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const after = await check(agent, 'vpcs');
    expect(after.status).toBe(200);
    expect(after.body.checks.filter((l: { ok: unknown }) => l.ok !== true)).toEqual([]);
    expect(after.body.passed).toBe(true);
  });

  it('isolation: learner B\'s key cannot see or delete learner A\'s VPC', async () => {
    const a = await credentialsOf(await signedIn(ctx.app, await makeUser(ctx.store)));
    const b = await credentialsOf(await signedIn(ctx.app, await makeUser(ctx.store)));
    expect(b.accountId).not.toBe(a.accountId);
    const vpc = (await awsCli(a, ['ec2', 'create-vpc', '--cidr-block', '10.1.0.0/16', '--query', 'Vpc.VpcId', '--output', 'text'])).stdout.trim();
    expect(vpc).toMatch(/^vpc-/);
    const seen = await awsCli(b, ['ec2', 'describe-vpcs', '--vpc-ids', vpc]);
    expect(seen.code).not.toBe(0);
    expect(seen.stderr).toContain('InvalidVpcID.NotFound');
    const deleted = await awsCli(b, ['ec2', 'delete-vpc', '--vpc-id', vpc]);
    expect(deleted.code).not.toBe(0);
    expect((await awsCli(a, ['ec2', 'describe-vpcs', '--vpc-ids', vpc, '--query', 'Vpcs[0].VpcId', '--output', 'text'])).stdout.trim()).toBe(vpc);
  });

  it('reset: needs the confirmation; then a new empty account, the old key refused, progress kept', async () => {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    const old = await credentialsOf(agent);
    await awsCli(old, ['ec2', 'create-vpc', '--cidr-block', '10.1.0.0/16']);
    expect((await check(agent, 'vpcs')).status).toBe(200);

    let token = await csrfToken(agent, '/connect');
    const refused = await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Tick the box to confirm');
    expect((await credentialsOf(agent)).accountId).toBe(old.accountId);

    token = await csrfToken(agent, '/connect');
    const done = await agent.post('/connect/sandbox/reset').type('form').send({ _csrf: token, confirm: 'yes' });
    expect(done.status).toBe(200);
    expect(done.text).toContain(SANDBOX_MESSAGES.RESET);
    const fresh = await credentialsOf(agent);
    expect(fresh.accountId).not.toBe(old.accountId);
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId);
    const refusedKey = await awsCli(old, ['sts', 'get-caller-identity']);
    expect(refusedKey.code).not.toBe(0);
    expect(refusedKey.stderr).toContain('InvalidClientTokenId');
    const vpcs = await awsCli(fresh, ['ec2', 'describe-vpcs', '--filters', 'Name=cidr,Values=10.1.0.0/16', '--query', 'length(Vpcs)', '--output', 'text']);
    expect(vpcs.stdout.trim()).toBe('0');
    expect(await ctx.store.progress.attempts(user.id, 'vpc-flow-logs', 10)).toHaveLength(1);
    // Checks now read the new account.
    await new Promise((r) => setTimeout(r, 1100));
    const res = await check(agent, 'vpcs');
    expect(res.status).toBe(200);
    expect((await ctx.store.connections.get(user.id))?.accountId).toBe(fresh.accountId);
  });

  it('moto lost everything: the next page says so once, and the sandbox works again', async () => {
    const agent = await signedIn(ctx.app, await makeUser(ctx.store));
    const c = await credentialsOf(agent);
    await moto().reset();
    const first = await agent.get('/labs/vpc-flow-logs').expect(200);
    expect(first.text).toContain(SANDBOX_MESSAGES.LOST);
    const second = await agent.get('/labs/vpc-flow-logs').expect(200);
    expect(second.text).not.toContain(SANDBOX_MESSAGES.LOST);
    const who = await awsCli(c, ['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']);
    expect(who.stdout.trim()).toBe(c.accountId);
    const res = await check(agent, 'vpcs');
    expect(res.status).toBe(200);
    expect(res.body.passed).toBe(false);
  });

  it('the learner breaks Verilab\'s role in their sandbox: the next check puts it back and still reads their account', async () => {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    const c = await credentialsOf(agent);
    const changed = await awsCli(c, ['iam', 'update-assume-role-policy', '--role-name', 'VerilabVerifier', '--policy-document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] })]);
    expect(changed.code).toBe(0);
    const res = await check(agent, 'vpcs');
    expect(res.status).toBe(200);
    const iam = inMotoAccount(new IAMClient({ region: 'us-east-1', endpoint: moto().url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }), c.accountId);
    const role = await iam.send(new GetRoleCommand({ RoleName: 'VerilabVerifier' }));
    expect(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)).toContain((await ctx.store.connections.get(user.id))!.externalId);
  });
});

/** Every row of every table as text: where a plain secret would show if it were stored. */
async function dumpDatabase(c: SandboxTestContext): Promise<string> {
  const options = c.database.options;
  if (options.kind === 'sqlite') {
    const db = new SQLite(options.file, { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
    const out = tables.map((t) => JSON.stringify(db.prepare(`select * from "${t.name}"`).all())).join('\n');
    db.close();
    return out;
  }
  const pg = new Client({ connectionString: options.url });
  await pg.connect();
  try {
    const tables = (await pg.query('select table_name from information_schema.tables where table_schema = current_schema()')).rows as { table_name: string }[];
    let out = '';
    for (const t of tables) out += JSON.stringify((await pg.query(`select * from "${t.table_name}"`)).rows) + '\n';
    return out;
  } finally {
    await pg.end();
  }
}
