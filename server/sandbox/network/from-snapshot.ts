// The engine's network state from a gathered account snapshot: the same input in AWS mode (checks) and in the sandbox (pings).
import type { AccountSnapshot, Part } from '../../verify/snapshot';
import type { NetworkAcl, NetworkInterface, NetworkState, PrefixList } from './types';

/** What the snapshot does not gather but the engine can use when it is read (network ACLs, interfaces, prefix lists). */
export interface NetworkExtras {
  networkAcls?: NetworkAcl[];
  networkInterfaces?: NetworkInterface[];
  prefixLists?: PrefixList[];
}

const PARTS = ['vpcs', 'subnets', 'routeTables', 'internetGateways', 'securityGroups', 'instances', 'peerings', 'flowLogs'] as const;
export type NetworkPart = (typeof PARTS)[number];

/** Why the state cannot be built: the first part that was not gathered, or could not be read. */
export class NetworkUnreadable extends Error {
  constructor(
    readonly part: NetworkPart,
    readonly reason: string,
  ) {
    super(`Could not read ${part}: ${reason}`);
    this.name = 'NetworkUnreadable';
  }
}

function value<T>(part: Part<T> | undefined, name: NetworkPart): T {
  if (!part) throw new NetworkUnreadable(name, 'it was not gathered');
  if (!part.ok) throw new NetworkUnreadable(name, part.reason);
  return part.value;
}

/**
 * The network state the reachability engine reads, from a snapshot with every part in PARTS (a flow log part that could
 * not be read is taken as none: the decision does not depend on it, only the records do). Throws NetworkUnreadable when
 * a part the decision needs is missing.
 */
export function networkStateFromSnapshot(snapshot: AccountSnapshot, extras: NetworkExtras = {}): NetworkState {
  return {
    vpcs: value(snapshot.vpcs, 'vpcs'),
    subnets: value(snapshot.subnets, 'subnets'),
    routeTables: value(snapshot.routeTables, 'routeTables'),
    internetGateways: value(snapshot.internetGateways, 'internetGateways'),
    securityGroups: value(snapshot.securityGroups, 'securityGroups'),
    instances: value(snapshot.instances, 'instances'),
    peerings: value(snapshot.peerings, 'peerings'),
    flowLogs: snapshot.flowLogs?.ok ? snapshot.flowLogs.value : [],
    ...extras,
  };
}

/** The snapshot parts the engine needs, for a gather declaration. */
export const NETWORK_NEEDS: readonly NetworkPart[] = PARTS;
