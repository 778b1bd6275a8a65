// AwsSessions' caches are bounded: past the limit the least recently used Region's clients, or role's credentials, go.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSessions, CACHE_LIMITS, type LearnerRole } from '../../../server/verify/aws-session';

const sts = mockClient(STSClient);

beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3600_000) } });
});
afterAll(() => sts.restore());

const sessions = (limits: { sessions?: number; regionsPerSession?: number } = {}) =>
  new AwsSessions({ timeoutMs: 1000, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, cacheLimits: limits });

const role = (region: string, n = 1): LearnerRole => ({ roleArn: `arn:aws:iam::11112222333${n}:role/VerilabVerifier`, externalId: `verilab-${n}`, region, sessionName: 'test' });

describe('AwsSessions cache', () => {
  it('Regions of one role past the limit: the least recently used Region\'s clients are made again, the others kept, the role not assumed again', async () => {
    const aws = sessions({ regionsPerSession: 2 });
    const east = await aws.forRole(role('us-east-1'));
    const west = await aws.forRole(role('us-west-2'));
    // Using us-east-1 again makes it the most recent, so a third Region pushes out us-west-2.
    expect(await aws.forRole(role('us-east-1'))).toBe(east);
    await aws.forRole(role('eu-west-1'));
    expect(await aws.forRole(role('us-east-1'))).toBe(east);
    expect(await aws.forRole(role('us-west-2'))).not.toBe(west);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('default limits: 4 Regions per role, 5000 roles, 16 Regions of Verilab\'s own STS clients', () => {
    expect(CACHE_LIMITS).toEqual({ sessions: 5000, regionsPerSession: 4, stsRegions: 16 });
  });

  it('roles past the limit: the least recently used role is assumed again; a recent one is not', async () => {
    const aws = sessions({ sessions: 2 });
    await aws.forRole(role('us-east-1', 1));
    await aws.forRole(role('us-east-1', 2));
    await aws.forRole(role('us-east-1', 1));
    await aws.forRole(role('us-east-1', 3));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    await aws.forRole(role('us-east-1', 1));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    await aws.forRole(role('us-east-1', 2));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
  });
});
