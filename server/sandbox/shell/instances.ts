// A learner's EC2 instances as the shell offers them: the Connect list, and the instance an instance shell stands for.
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { instanceHostname } from './bwrap-command';

export interface InstanceSummary {
  instanceId: string;
  /** The Name tag, when it has one. */
  name?: string;
  state: string;
  privateIp?: string;
  publicIp?: string;
  /** ip-10-1-0-4 for 10.1.0.4. */
  hostname?: string;
}

/** An instance id as EC2 writes it; anything else never reaches a call or a command line. */
export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Every instance of the account that is not terminated, in launch order. */
export async function listInstances(ec2: EC2Client): Promise<InstanceSummary[]> {
  const found: (InstanceSummary & { launched: number })[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ NextToken }));
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const state = instance.State?.Name ?? 'unknown';
      if (!instance.InstanceId || state === 'terminated') continue;
      const privateIp = instance.PrivateIpAddress && IPV4.test(instance.PrivateIpAddress) ? instance.PrivateIpAddress : undefined;
      found.push({
        instanceId: instance.InstanceId,
        name: instance.Tags?.find((t) => t.Key === 'Name')?.Value || undefined,
        state,
        privateIp,
        publicIp: instance.PublicIpAddress,
        hostname: privateIp && instanceHostname(privateIp),
        launched: instance.LaunchTime ? new Date(instance.LaunchTime).getTime() : 0,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return found.sort((a, b) => a.launched - b.launched).map(({ launched: _launched, ...rest }) => rest);
}
