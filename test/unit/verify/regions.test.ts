// Regions and role ARNs: the table agrees with the AWS SDK, only configured partitions pass, and role paths are plain.
import fs from 'node:fs';
import { partition as sdkPartition } from '@aws-sdk/core/client';
import { PARTITION_REGIONS, PARTITIONS, REGION, REGIONS, ROLE_ARN, regionPattern, regionProblem, roleArnProblem } from '../../../server/verify/regions';

/** The SDK's own partitions data: it exports a lookup of one name only, so the list is read from its bundled source. */
function sdkRegions(): Record<string, string[]> {
  const source = fs.readFileSync(require.resolve('@aws-sdk/core/client'), 'utf8');
  const data = /const partitionsInfo = (\{[\s\S]*?\n\});\n/.exec(source);
  if (!data) throw new Error('the SDK no longer bundles partitionsInfo where this test looks: update the test and server/verify/regions.ts');
  const { partitions } = JSON.parse(data[1]) as { partitions: { id: string; regions: Record<string, unknown> }[] };
  return Object.fromEntries(partitions.map((p) => [p.id, Object.keys(p.regions).filter((r) => !r.endsWith('-global'))]));
}

describe('regions', () => {
  it('table: the same partitions and Regions as the installed AWS SDK, and the SDK places each in its partition', () => {
    expect(Object.fromEntries(PARTITIONS.map((p) => [p, [...PARTITION_REGIONS[p]].sort()]))).toEqual(
      Object.fromEntries(Object.entries(sdkRegions()).map(([p, regions]) => [p, regions.sort()])),
    );
    for (const p of PARTITIONS) {
      for (const region of PARTITION_REGIONS[p]) expect({ region, partition: sdkPartition(region).name }).toEqual({ region, partition: p });
    }
  });

  it('region: a known commercial Region passes; a made-up one that looks right does not', () => {
    expect(regionProblem('us-east-1')).toBeUndefined();
    expect(regionProblem('ap-southeast-7')).toBeUndefined();
    expect(regionProblem('us-east-9')).toBe('"us-east-9" is not an AWS Region (for example us-east-1)');
    expect(regionProblem('mars-north-1')).toContain('is not an AWS Region');
    expect(regionProblem('aws-global')).toContain('is not an AWS Region');
    expect(regionProblem('us-east-1 ')).toContain('is not an AWS Region');
  });

  it('region: another partition only when configured', () => {
    expect(regionProblem('cn-north-1')).toBe('cn-north-1 is in the aws-cn partition, and Verilab is set up for aws only (AWS_PARTITIONS)');
    expect(regionProblem('cn-north-1', ['aws', 'aws-cn'])).toBeUndefined();
    expect(regionProblem('us-east-1', ['aws-us-gov'])).toContain('is in the aws partition');
  });

  it('pattern: the form pattern matches exactly the Regions of the partitions, and nothing around them', () => {
    expect(REGIONS).toContain('eu-west-1');
    expect(REGIONS).not.toContain('cn-north-1');
    expect(REGION.test('eu-west-1')).toBe(true);
    expect(['eu-west-1x', 'xeu-west-1', 'us-east-9', 'cn-north-1', 'eu-west-1\n'].filter((r) => REGION.test(r))).toEqual([]);
    expect(regionPattern(['aws', 'aws-cn']).test('cn-north-1')).toBe(true);
  });

  it.each([
    ['arn:aws:iam::123456789012:role/VerilabVerifier'],
    ['arn:aws:iam::123456789012:role/teams/lab.1/VerilabVerifier'],
    ['arn:aws:iam::123456789012:role/..hidden/V.a@b'],
  ])('role ARN %s: passes', (arn) => {
    expect(roleArnProblem(arn, 'us-east-1')).toBeUndefined();
    expect(ROLE_ARN.exec(arn)?.[2]).toBe('123456789012');
  });

  it.each([
    ['a .. segment', 'arn:aws:iam::123456789012:role/teams/../admin/Verifier'],
    ['a leading .. segment', 'arn:aws:iam::123456789012:role/../Verifier'],
    ['a . segment', 'arn:aws:iam::123456789012:role/./Verifier'],
    ['a role named ..', 'arn:aws:iam::123456789012:role/teams/..'],
    ['an empty segment', 'arn:aws:iam::123456789012:role/teams//Verifier'],
    ['an unknown partition', 'arn:aws-mars:iam::123456789012:role/Verifier'],
    ['an 11-digit account', 'arn:aws:iam::12345678901:role/Verifier'],
    ['a user, not a role', 'arn:aws:iam::123456789012:user/Verifier'],
  ])('role ARN with %s: refused', (_what, arn) => {
    expect(ROLE_ARN.test(arn)).toBe(false);
    expect(roleArnProblem(arn, 'us-east-1')).toContain('that is not a role ARN');
  });

  it('role ARN: another partition only when configured, and never with a Region of another partition', () => {
    const cn = 'arn:aws-cn:iam::123456789012:role/Verifier';
    expect(roleArnProblem(cn, 'cn-north-1')).toBe('the role is in the aws-cn partition, and Verilab is set up for aws only (AWS_PARTITIONS)');
    expect(roleArnProblem(cn, 'cn-north-1', ['aws', 'aws-cn'])).toBeUndefined();
    expect(roleArnProblem(cn, 'us-east-1', ['aws', 'aws-cn'])).toBe("the role is in the aws-cn partition but us-east-1 is in aws: pick a Region of the role's partition");
  });
});
