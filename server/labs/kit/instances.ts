// EC2 instances as a lab needs them: running, in a public subnet, with a public IPv4 address, and what to do when not.
import type { Instance } from '../../verify/snapshot';
import { found, missing, type Found } from './results';
import type { SubnetRouting } from './routing';

/**
 * How a lab names an instance's place in hints: its VPC ("VPC 1") and where a new one should be launched ("its public
 * subnet 10.1.0.0/24 (subnet-1)", or "a public subnet of VPC 1" when there is none yet).
 */
export interface InstancePlace {
  vpcName: string;
  launchIn: string;
  /** True when the VPC has a public subnet to launch into. */
  hasPublicSubnet: boolean;
}

/** Running passes; pending says wait, stopped says start it, anything else (terminated) says launch a new one. */
export function instanceRunning(i: Instance, place: InstancePlace): Found<Instance> {
  switch (i.state) {
    case 'running':
      return found(i);
    case 'pending':
      return missing(`Instance ${i.instanceId} in ${place.vpcName} is still starting (pending); wait a minute and check again.`);
    case 'stopped':
    case 'stopping':
      return missing(`Instance ${i.instanceId} in ${place.vpcName} is ${i.state}; start it.`);
    default:
      return missing(`Instance ${i.instanceId} in ${place.vpcName} is ${i.state}; launch a new one in ${place.launchIn}.`);
  }
}

/** The instance's subnet is public (see subnetRouting), or why not and where to launch instead. */
export function instanceInPublicSubnet(i: Instance, routing: SubnetRouting | undefined, place: InstancePlace): Found<SubnetRouting> {
  if (!routing) return missing(`Instance ${i.instanceId} is not in a known subnet of ${place.vpcName}; launch it in ${place.launchIn}.`);
  if (routing.isPublic) return found(routing, `${i.instanceId} is in ${routing.subnet.cidrBlock} (${routing.subnet.subnetId}).`);
  const better = place.hasPublicSubnet ? `; launch it in ${place.launchIn}` : '; make the subnet public or launch it in one that is';
  return missing(`Instance ${i.instanceId} is in subnet ${routing.subnet.cidrBlock} (${routing.subnet.subnetId}), which is not public: ${routing.problem}${better}.`);
}

export function instancePublicIp(i: Instance): Found<string> {
  if (i.publicIpAddress) return found(i.publicIpAddress, `${i.publicIpAddress} (private ${i.privateIpAddress ?? 'none'}).`);
  return missing(`Instance ${i.instanceId} has no public IPv4 address; launch a new one with "Auto-assign public IP" enabled, or associate an Elastic IP address with it.`);
}
