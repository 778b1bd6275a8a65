// Reads what the reachability engine and the record writer need from an account: the snapshot parts, plus interfaces, network ACLs and prefix lists.
import { DescribeNetworkAclsCommand, DescribeNetworkInterfacesCommand, GetManagedPrefixListEntriesCommand, type NetworkAcl as Ec2NetworkAcl, type NetworkInterface as Ec2NetworkInterface } from '@aws-sdk/client-ec2';
import { gatherSnapshot } from '../../verify/gather';
import type { AwsClients } from '../../verify/aws-session';
import type { IamRole, Need } from '../../verify/snapshot';
import { NETWORK_NEEDS, networkStateFromSnapshot } from '../network/from-snapshot';
import type { NetworkAcl, NetworkInterface, NetworkState, PrefixList } from '../network/types';
import { FLOW_LOGS_SERVICE } from './delivery';

export interface NetworkView {
  accountId: string;
  region: string;
  state: NetworkState;
  /** Roles that flow logs use or that trust VPC Flow Logs, with their policies. */
  roles: IamRole[];
  logGroupNames: Set<string>;
}

export const toNetworkInterface = (n: Ec2NetworkInterface): NetworkInterface | undefined =>
  n.NetworkInterfaceId && n.VpcId && n.SubnetId && n.PrivateIpAddress
    ? {
        networkInterfaceId: n.NetworkInterfaceId,
        vpcId: n.VpcId,
        subnetId: n.SubnetId,
        privateIpAddress: n.PrivateIpAddress,
        publicIp: n.Association?.PublicIp,
        groupIds: (n.Groups ?? []).map((g) => g.GroupId!).filter(Boolean),
        instanceId: n.Attachment?.InstanceId,
      }
    : undefined;

export const toNetworkAcl = (a: Ec2NetworkAcl): NetworkAcl => ({
  networkAclId: a.NetworkAclId!,
  vpcId: a.VpcId ?? '',
  isDefault: a.IsDefault ?? false,
  entries: (a.Entries ?? []).map((e) => ({
    ruleNumber: e.RuleNumber ?? 32767,
    protocol: e.Protocol ?? '-1',
    ruleAction: e.RuleAction === 'deny' ? 'deny' : 'allow',
    egress: e.Egress ?? false,
    cidrBlock: e.CidrBlock,
    ipv6CidrBlock: e.Ipv6CidrBlock,
    portRange: e.PortRange?.From !== undefined && e.PortRange.To !== undefined ? { from: e.PortRange.From, to: e.PortRange.To } : undefined,
    icmpTypeCode: e.IcmpTypeCode?.Type !== undefined ? { type: e.IcmpTypeCode.Type, code: e.IcmpTypeCode.Code ?? -1 } : undefined,
  })),
  associations: (a.Associations ?? []).filter((s) => s.SubnetId).map((s) => ({ subnetId: s.SubnetId! })),
});

/** An instance's primary interface shows the instance's public address and groups where the interface listing leaves them out (moto does, sometimes). */
function withInstanceFacts(eni: NetworkInterface, state: NetworkState): NetworkInterface {
  const instance = eni.instanceId ? state.instances.find((i) => i.instanceId === eni.instanceId) : undefined;
  if (!instance || instance.networkInterfaceIds[0] !== eni.networkInterfaceId) return eni;
  return { ...eni, publicIp: eni.publicIp ?? instance.publicIpAddress, groupIds: eni.groupIds.length > 0 ? eni.groupIds : instance.securityGroupIds };
}

async function allPages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.next;
  } while (token);
  return items;
}

/** Reads the account's network as the engine needs it. Throws NetworkUnreadable when EC2 state cannot be read. */
export async function readNetwork(aws: AwsClients, now: Date): Promise<NetworkView> {
  const needs: Need[] = [...NETWORK_NEEDS, 'logGroups', 'iamRoles'];
  const [{ snapshot }, interfaces, acls] = await Promise.all([
    gatherSnapshot(aws, needs, { now, declared: { roleServices: [FLOW_LOGS_SERVICE] } }),
    allPages(async (NextToken) => {
      const page = await aws.ec2.send(new DescribeNetworkInterfacesCommand({ NextToken }));
      return { items: page.NetworkInterfaces ?? [], next: page.NextToken };
    }),
    allPages(async (NextToken) => {
      const page = await aws.ec2.send(new DescribeNetworkAclsCommand({ NextToken }));
      return { items: page.NetworkAcls ?? [], next: page.NextToken };
    }),
  ]);
  const base = networkStateFromSnapshot(snapshot);
  const listIds = [...new Set(base.securityGroups.flatMap((g) => [...g.ingress, ...g.egress].flatMap((r) => r.prefixListIds)))];
  const prefixLists: PrefixList[] = [];
  for (const prefixListId of listIds) {
    // A list that cannot be read is left out: rules naming it then cover nothing, which the explanation says.
    const entries = await aws.ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: prefixListId })).catch(() => undefined);
    if (entries) prefixLists.push({ prefixListId, cidrs: (entries.Entries ?? []).map((e) => e.Cidr!).filter(Boolean) });
  }
  const networkInterfaces = interfaces.map(toNetworkInterface).filter((n): n is NetworkInterface => n !== undefined).map((n) => withInstanceFacts(n, base));
  return {
    accountId: aws.accountId,
    region: aws.region,
    state: { ...base, networkInterfaces, networkAcls: acls.map(toNetworkAcl), prefixLists },
    roles: snapshot.iamRoles?.ok ? snapshot.iamRoles.value : [],
    logGroupNames: new Set(snapshot.logGroups?.ok ? snapshot.logGroups.value.map((g) => g.logGroupName) : []),
  };
}
