// Connecting a learner's AWS account: the role ARN and Region rules, assuming their verifier role, proving it can read, and storing it.
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { AppError } from '../errors';
import type { Store } from '../store';
import { readFailure } from './aws-errors';
import type { AwsSessions } from './aws-session';
import { DEFAULT_PARTITIONS, ROLE_ARN, regionProblem, roleArnProblem, type Partition } from './regions';

// The rules live with the partitions' Regions; the Connect form takes them from here.
export { REGION, REGIONS, ROLE_ARN } from './regions';

export const CONNECT_MESSAGES = {
  CANNOT_USE: 'Verilab cannot use that:',
  ROLE_CANNOT_READ: (region: string, reason: string) => `Verilab assumed the role, but could not read your VPCs in ${region}: ${reason}.`,
  ROLE_CANNOT_READ_HINT: 'Deploy the verifier role template shown on this page: it grants exactly the read permissions the checks use.',
} as const;

export interface ConnectRequest {
  roleArn: string;
  region: string;
}

export interface Connected extends ConnectRequest {
  accountId: string;
}

export interface ConnectDeps {
  store: Store;
  aws: AwsSessions;
  mode: 'sandbox' | 'aws';
  /** The partitions Verilab is set up for (AWS_PARTITIONS); the commercial one when absent. */
  partitions?: readonly Partition[];
}

/**
 * Assumes the learner's role with their ExternalId and makes one small read, then stores the role. Throws an AppError
 * that says what is wrong (trust policy, ExternalId, role name, Region, or a role that cannot read); nothing is stored then.
 */
export async function connectRole({ store, aws, mode, partitions = DEFAULT_PARTITIONS }: ConnectDeps, userId: string, { roleArn, region }: ConnectRequest): Promise<Connected> {
  const regionWrong = regionProblem(region, partitions);
  if (regionWrong) throw new AppError(422, 'REGION_INVALID', `${CONNECT_MESSAGES.CANNOT_USE} ${regionWrong}.`);
  const arnWrong = roleArnProblem(roleArn, region, partitions);
  if (arnWrong) throw new AppError(422, 'ROLE_ARN_INVALID', `${CONNECT_MESSAGES.CANNOT_USE} ${arnWrong}.`);
  const accountId = ROLE_ARN.exec(roleArn)![2];
  const connection = await store.connections.ensure(userId, { mode, region });
  const role = { roleArn, externalId: connection.externalId, region, sessionName: `connect-${userId.slice(0, 8)}` };
  // The learner may have changed the role since Verilab last assumed it: never trust cached credentials here.
  aws.forget(role);
  const clients = await aws.forRole(role);
  // One small read proves the role can look, not only that it can be assumed.
  await clients.ec2.send(new DescribeVpcsCommand({ MaxResults: 5 })).catch((err: unknown) => {
    throw new AppError(422, 'ROLE_CANNOT_READ', CONNECT_MESSAGES.ROLE_CANNOT_READ(region, readFailure(err, 'ec2:DescribeVpcs').reason), {
      hint: CONNECT_MESSAGES.ROLE_CANNOT_READ_HINT,
    });
  });
  await store.connections.saveRole(userId, { roleArn, region, accountId, verifiedAt: new Date() });
  return { roleArn, region, accountId };
}
