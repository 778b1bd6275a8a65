import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ROOT_DIR } from '../../../server/paths';
import { READ_ACTIONS } from '../../../server/verify/gather';

// CloudFormation's short tags (!Sub, !Ref, !GetAtt) are kept as plain values for reading the template.
const template = parseDocument(fs.readFileSync(path.join(ROOT_DIR, 'labs', 'vpc-flow-logs', 'verifier-role.yaml'), 'utf8'), {
  customTags: ['!Sub', '!Ref', '!GetAtt'].map((tag) => ({ tag, resolve: (value: string) => value })),
}).toJS() as {
  Parameters: Record<string, unknown>;
  Resources: { VerifierRole: { Properties: { AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] }; Policies: { PolicyDocument: { Statement: { Effect: string; Action: string[] }[] } }[] } } };
  Outputs: Record<string, unknown>;
};

describe('verifier role template', () => {
  const role = template.Resources.VerifierRole.Properties;
  const actions = role.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action));

  it('parameters and output: TrustedAccountId, ExternalId and the role ARN', () => {
    expect(Object.keys(template.Parameters)).toEqual(expect.arrayContaining(['TrustedAccountId', 'ExternalId']));
    expect(Object.keys(template.Outputs)).toEqual(['RoleArn']);
  });

  it('trust: only the trusted account, only with the ExternalId', () => {
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: 'arn:${AWS::Partition}:iam::${TrustedAccountId}:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'ExternalId' } },
      }),
    ]);
  });

  it('permissions: exactly the reads the gatherers make, all Allow, no write action', () => {
    expect([...actions].sort()).toEqual([...READ_ACTIONS].sort());
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement.map((s) => s.Effect))).toEqual(expect.arrayContaining(['Allow']));
    for (const action of actions) expect(action).toMatch(/^(ec2:Describe|logs:(Describe|Filter|GetQueryResults$)|iam:(List|Get))/);
  });
});
