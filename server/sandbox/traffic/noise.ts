// Background noise, as every public address on the internet gets: SSH probes from strangers, let in or refused by the security group.
import { inboundAllowed } from '../../labs/kit/security-groups';
import { isPrivateAddress } from '../network/reachability';
import { coveringFlowLogs } from '../network/flow-records';
import type { FlowRecordPlan, NetworkInterface, NetworkState } from '../network/types';

/** A refused SYN: one packet of 44 bytes (a SYN with the MSS option, as scanners send it). */
const PROBE_SYN_BYTES = 44;

/** A public address that is not private, loopback, multicast or reserved: somewhere on the internet. */
export function strangerAddress(random: () => number): string {
  for (;;) {
    const octets = [1 + Math.floor(random() * 222), Math.floor(random() * 256), Math.floor(random() * 256), 1 + Math.floor(random() * 254)];
    const ip = octets.join('.');
    if (octets[0] !== 127 && octets[0] !== 0 && !isPrivateAddress(ip) && !(octets[0] === 169 && octets[1] === 254)) return ip;
  }
}

/**
 * SSH probes at the interfaces with a public address that a flow log watches: for each, one probe with probability
 * `rate`. A probe the groups refuse is one REJECT record; one they let in is a short exchange recorded both ways (the
 * prober gives up after the banner). Network ACLs are not consulted for noise.
 */
export function sshProbes(state: NetworkState, interfaces: readonly NetworkInterface[], random: () => number, rate = 0.5): FlowRecordPlan[] {
  const plans: FlowRecordPlan[] = [];
  for (const eni of interfaces) {
    if (!eni.publicIp || random() >= rate) continue;
    const from = strangerAddress(random);
    const sourcePort = 32768 + Math.floor(random() * 28000);
    const groups = state.securityGroups.filter((g) => eni.groupIds.includes(g.groupId));
    const allowed = inboundAllowed(groups, { protocol: 'tcp', port: 22 }, { address: from }) !== undefined;
    const base = { interfaceId: eni.networkInterfaceId, vpcId: eni.vpcId, subnetId: eni.subnetId, instanceId: eni.instanceId, protocol: 6 };
    const inbound: FlowRecordPlan = {
      ...base,
      direction: 'ingress',
      srcAddr: from,
      dstAddr: eni.privateIpAddress,
      srcPort: sourcePort,
      dstPort: 22,
      packets: allowed ? 4 : 1,
      bytes: allowed ? 4 * 52 + 21 : PROBE_SYN_BYTES,
      action: allowed ? 'ACCEPT' : 'REJECT',
      tcpFlags: allowed ? 3 : 2,
      flowLogIds: coveringFlowLogs(state.flowLogs, eni, allowed ? 'ACCEPT' : 'REJECT').map((f) => f.flowLogId),
    };
    plans.push(inbound);
    if (allowed) {
      plans.push({
        ...base,
        direction: 'egress',
        srcAddr: eni.privateIpAddress,
        dstAddr: from,
        srcPort: 22,
        dstPort: sourcePort,
        packets: 3,
        bytes: 3 * 52 + 41,
        action: 'ACCEPT',
        tcpFlags: 19,
        flowLogIds: coveringFlowLogs(state.flowLogs, eni, 'ACCEPT').map((f) => f.flowLogId),
      });
    }
  }
  return plans.filter((p) => p.flowLogIds.length > 0);
}
