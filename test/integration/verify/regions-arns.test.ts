// Regions and role ARNs at the doors: the Connect form, `verilab verify` and `verilab simulate-ping` refuse a made-up Region, a path with `..`, and other partitions unless configured, before any AWS call.
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../server/cli';
import { createTestContext, csrfToken, makeUser, signedIn, TEST_AWS_CREDENTIALS, type TestContext } from '../../helpers/app';

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);

beforeEach(() => {
  sts.reset();
  ec2.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600_000) } });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
});
afterAll(() => {
  sts.restore();
  ec2.restore();
});

const ARN = 'arn:aws:iam::123456789012:role/VerilabVerifier';

describe('Connect form', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ VERILAB_MODE: 'aws', AWS_MAX_ATTEMPTS: '1' });
  });
  afterAll(() => ctx.close());

  async function connect(roleArn: string, region: string) {
    const user = await makeUser(ctx.store);
    const agent = await signedIn(ctx.app, user);
    const res = await agent.post('/connect').set('Accept', 'application/json').type('form').send({ _csrf: await csrfToken(agent, '/connect'), roleArn, region });
    return { res, stored: (await ctx.store.connections.get(user.id))?.roleArn ?? null };
  }

  it('a Region shaped like one that AWS does not have: 400, nothing assumed or stored', async () => {
    const { res, stored } = await connect(ARN, 'us-east-9');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('Choose a region from the list');
    expect(stored).toBeNull();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('a role path with a .. segment: 400, nothing assumed or stored', async () => {
    const { res, stored } = await connect('arn:aws:iam::123456789012:role/teams/../VerilabVerifier', 'us-east-1');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('That is not a role ARN');
    expect(stored).toBeNull();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('a role in another partition when only aws is configured: 422 that says so, nothing assumed or stored', async () => {
    const { res, stored } = await connect('arn:aws-cn:iam::123456789012:role/VerilabVerifier', 'us-east-1');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'ROLE_ARN_INVALID', message: 'Verilab cannot use that: the role is in the aws-cn partition, and Verilab is set up for aws only (AWS_PARTITIONS).' });
    expect(stored).toBeNull();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('a real Region and a plain role: connects', async () => {
    const { res, stored } = await connect(ARN, 'ap-southeast-7');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ connected: true, region: 'ap-southeast-7', accountId: '123456789012' });
    expect(stored).toBe(ARN);
  });

  it('AWS_PARTITIONS reaches the form: a China Region is refused by default, and listed and taken with aws,aws-cn', async () => {
    const page = await (await signedIn(ctx.app, await makeUser(ctx.store))).get('/connect').expect(200);
    expect(page.text).not.toContain('cn-north-1');
    expect((await connect('arn:aws-cn:iam::123456789012:role/VerilabVerifier', 'cn-north-1')).res.status).toBe(400);
    const both = await createTestContext({ VERILAB_MODE: 'aws', AWS_MAX_ATTEMPTS: '1', AWS_PARTITIONS: 'aws,aws-cn' });
    try {
      const agent = await signedIn(both.app, await makeUser(both.store));
      expect((await agent.get('/connect').expect(200)).text).toContain('cn-north-1');
      const res = await agent
        .post('/connect')
        .set('Accept', 'application/json')
        .type('form')
        .send({ _csrf: await csrfToken(agent, '/connect'), roleArn: 'arn:aws-cn:iam::123456789012:role/VerilabVerifier', region: 'cn-north-1' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ connected: true, region: 'cn-north-1' });
    } finally {
      await both.close();
    }
  });
});

describe('the CLI', () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const err: string[] = [];
    const code = await runCli(args, { out: () => undefined, err: (l) => err.push(l), readPassword: async () => '' }, {
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
      ...env,
    });
    return { code, err: err.join('\n') };
  }
  const verify = (roleArn: string, region: string, env?: Record<string, string>) =>
    run(['verify', '--lab', 'vpc-flow-logs', '--role-arn', roleArn, '--external-id', 'verilab-x1', '--region', region], env);

  it('verify --region us-east-9: exit 2 saying it is not a Region, nothing assumed', async () => {
    const result = await verify(ARN, 'us-east-9');
    expect(result).toEqual({ code: 2, err: 'verilab verify: --region: "us-east-9" is not an AWS Region (for example us-east-1)' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('verify --role-arn with a .. segment: exit 2, nothing assumed', async () => {
    const result = await verify('arn:aws:iam::123456789012:role/a/../VerilabVerifier', 'us-east-1');
    expect(result.code).toBe(2);
    expect(result.err).toBe('verilab verify: --role-arn must be a role ARN like arn:aws:iam::123456789012:role/VerilabVerifier (a path, if any, without empty, . or .. segments)');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('verify in aws-cn: refused by default; with AWS_PARTITIONS=aws,aws-cn the Region and role are taken and the role is assumed', async () => {
    const cn = 'arn:aws-cn:iam::123456789012:role/VerilabVerifier';
    const refused = await verify(cn, 'cn-north-1');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--region: cn-north-1 is in the aws-cn partition, and Verilab is set up for aws only (AWS_PARTITIONS)');
    expect(refused.err).toContain('--role-arn: the role is in the aws-cn partition');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);

    await verify(cn, 'cn-north-1', { AWS_PARTITIONS: 'aws,aws-cn' });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([cn]);
  });

  it('simulate-ping --region us-east-9: exit 2 saying it is not a Region, before any call', async () => {
    const result = await run(['simulate-ping', '--from', 'i-0123456789abcdef0', '--to', '10.2.0.36', '--region', 'us-east-9'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.err).toContain('verilab simulate-ping: --region: "us-east-9" is not an AWS Region');
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });
});
