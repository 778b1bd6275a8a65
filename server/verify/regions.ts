// AWS partitions and their Regions, and the one set of rules for a Region and a role ARN that the Connect form and the CLI share.

/**
 * The Regions of each partition as the AWS SDK for JavaScript knows them, copied from the partitions data of
 * @aws-sdk/core 3.981.2 (submodules/client/util-endpoints/lib/aws/partitions), without the `<partition>-global`
 * names, which are endpoints rather than Regions. The SDK exports only a lookup of one name, not this list, and the
 * Connect form needs the list; test/unit/verify/regions.test.ts fails when the installed SDK disagrees with it.
 */
export const PARTITION_REGIONS = {
  aws: [
    'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
    'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
    'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2',
    'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'me-west-1', 'mx-central-1', 'sa-east-1', 'sa-west-1', 'us-east-1',
    'us-east-2', 'us-west-1', 'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-eusc': ['eusc-de-east-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
} as const satisfies Record<string, readonly string[]>;

export type Partition = keyof typeof PARTITION_REGIONS;

export const PARTITIONS = Object.keys(PARTITION_REGIONS) as Partition[];

/** Verilab works in the commercial partition unless AWS_PARTITIONS names others. */
export const DEFAULT_PARTITIONS: readonly Partition[] = ['aws'];

export function isPartition(name: string): name is Partition {
  return Object.hasOwn(PARTITION_REGIONS, name);
}

export function partitionOfRegion(region: string): Partition | undefined {
  return PARTITIONS.find((p) => (PARTITION_REGIONS[p] as readonly string[]).includes(region));
}

export function regionsOf(partitions: readonly Partition[] = DEFAULT_PARTITIONS): string[] {
  return partitions.flatMap((p) => PARTITION_REGIONS[p]);
}

/** Matches exactly the Regions of the given partitions (a pattern, for the form schemas that take one). */
export function regionPattern(partitions: readonly Partition[] = DEFAULT_PARTITIONS): RegExp {
  return new RegExp(`^(?:${regionsOf(partitions).join('|')})$`);
}

/** The Regions of the default partition, and a pattern matching exactly them. */
export const REGIONS = regionsOf();
export const REGION = regionPattern();

const NAME = /[\w+=,.@-]/.source;
/**
 * A role ARN: a known partition, a 12-digit account, an optional path and the role name. A path segment is never empty
 * and never `.` or `..`, which IAM does not use and which would mean something else to anyone who reads the ARN as a path.
 * Groups: 1 the partition, 2 the account, 3 the path (with its trailing slash), 4 the role name.
 */
export const ROLE_ARN = new RegExp(
  `^arn:(${PARTITIONS.join('|')}):iam::(\\d{12}):role\\/((?:(?!\\.{1,2}\\/)${NAME}+\\/)*)(?!\\.{1,2}$)(${NAME}{1,64})$`,
);

const listOf = (partitions: readonly Partition[]) => partitions.join(', ');

/** Why `region` cannot be used, or undefined when it can. */
export function regionProblem(region: string, partitions: readonly Partition[] = DEFAULT_PARTITIONS): string | undefined {
  const partition = partitionOfRegion(region);
  if (!partition) return `"${region}" is not an AWS Region (for example us-east-1)`;
  if (!partitions.includes(partition)) return `${region} is in the ${partition} partition, and Verilab is set up for ${listOf(partitions)} only (AWS_PARTITIONS)`;
  return undefined;
}

/** Why `roleArn` cannot be used in `region`, or undefined when it can. The Region is checked on its own by regionProblem. */
export function roleArnProblem(roleArn: string, region: string | undefined, partitions: readonly Partition[] = DEFAULT_PARTITIONS): string | undefined {
  const partition = ROLE_ARN.exec(roleArn)?.[1] as Partition | undefined;
  if (!partition) return 'that is not a role ARN; it looks like arn:aws:iam::123456789012:role/VerilabVerifier';
  if (!partitions.includes(partition)) return `the role is in the ${partition} partition, and Verilab is set up for ${listOf(partitions)} only (AWS_PARTITIONS)`;
  const regionPartition = region === undefined ? undefined : partitionOfRegion(region);
  if (regionPartition && regionPartition !== partition) return `the role is in the ${partition} partition but ${region} is in ${regionPartition}: pick a Region of the role's partition`;
  return undefined;
}
