// Trust evaluation for the sandbox's AssumeRole (moto does not evaluate trust policies; AWS does).
import { trustAdmits } from '../../../server/sandbox/trust';

const CALLER = { accountId: '123456789012', externalId: 'verilab-abc' };
const statement = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'sts:AssumeRole',
  Condition: { StringEquals: { 'sts:ExternalId': 'verilab-abc' } },
  ...extra,
});
const policy = (...statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

describe('trustAdmits', () => {
  it('the verifier role template\'s trust: admits Verilab\'s account with the learner\'s ExternalId', () => {
    expect(trustAdmits(policy(statement()), CALLER)).toBe(true);
    expect(trustAdmits(JSON.stringify(policy(statement())), CALLER)).toBe(true);
    expect(trustAdmits(encodeURIComponent(JSON.stringify(policy(statement()))), CALLER)).toBe(true);
  });

  it('another ExternalId, or none: refused', () => {
    expect(trustAdmits(policy(statement()), { ...CALLER, externalId: 'verilab-other' })).toBe(false);
  });

  it('another trusted account: refused; the bare account id and a list of principals work', () => {
    expect(trustAdmits(policy(statement({ Principal: { AWS: 'arn:aws:iam::999999999999:root' } })), CALLER)).toBe(false);
    expect(trustAdmits(policy(statement({ Principal: { AWS: ['999999999999', '123456789012'] } })), CALLER)).toBe(true);
  });

  it('a service principal or another action: refused', () => {
    expect(trustAdmits(policy(statement({ Principal: { Service: 'ec2.amazonaws.com' } })), CALLER)).toBe(false);
    expect(trustAdmits(policy(statement({ Action: 'sts:TagSession' })), CALLER)).toBe(false);
    expect(trustAdmits(policy(statement({ Action: ['sts:*'] })), CALLER)).toBe(true);
  });

  it('an explicit Deny wins; an unknown condition never admits', () => {
    expect(trustAdmits(policy(statement(), statement({ Effect: 'Deny', Condition: undefined })), CALLER)).toBe(false);
    expect(trustAdmits(policy(statement({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })), CALLER)).toBe(false);
    expect(trustAdmits(policy(statement({ Condition: { StringLike: { 'sts:ExternalId': 'verilab-*' } } })), CALLER)).toBe(true);
  });

  it('garbage: refused, never thrown', () => {
    expect(trustAdmits('not json', CALLER)).toBe(false);
    expect(trustAdmits('', CALLER)).toBe(false);
    expect(trustAdmits({ Statement: 'x' }, CALLER)).toBe(false);
  });
});
