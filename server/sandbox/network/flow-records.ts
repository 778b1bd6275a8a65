// Which flow logs capture a record on an interface, and the exact line each writes: the version 2 default format or a custom LogFormat.
import type { FlowLog } from '../../verify/snapshot';
import { DEFAULT_LOG_FORMAT, logFormatFields } from '../../labs/kit/flow-logs';
import type { FlowRecordPlan, NetworkInterface } from './types';

/** The log stream a flow log writes an interface's records to (AWS names it after the ENI; readers match by prefix). */
export function streamName(eni: string): string {
  return `${eni}-all`;
}

/**
 * The flow logs that write a record of this action on this interface: those on the interface, its subnet or its VPC that
 * are active and whose traffic type admits the action. A flow log whose delivery FAILED (its role cannot write) delivers
 * nothing, so it is left out.
 */
export function coveringFlowLogs(flowLogs: readonly FlowLog[], eni: Pick<NetworkInterface, 'networkInterfaceId' | 'subnetId' | 'vpcId'>, action: 'ACCEPT' | 'REJECT'): FlowLog[] {
  const watched = new Set([eni.networkInterfaceId, eni.subnetId, eni.vpcId]);
  return flowLogs.filter(
    (f) =>
      watched.has(f.resourceId) &&
      (f.flowLogStatus ?? 'ACTIVE') === 'ACTIVE' &&
      f.deliverLogsStatus !== 'FAILED' &&
      (f.trafficType === 'ALL' || f.trafficType === action),
  );
}

// The lowest record version that has each field: AWS writes the highest version among a format's fields.
const FIELD_VERSIONS: Record<string, number> = {
  'vpc-id': 3,
  'subnet-id': 3,
  'instance-id': 3,
  'tcp-flags': 3,
  type: 3,
  'pkt-srcaddr': 3,
  'pkt-dstaddr': 3,
  region: 4,
  'az-id': 4,
  'sublocation-type': 4,
  'sublocation-id': 4,
  'pkt-src-aws-service': 5,
  'pkt-dst-aws-service': 5,
  'flow-direction': 5,
  'traffic-path': 5,
};

/** The version a record in this format carries: 2 for the default fields, higher when the format names newer ones. */
export function recordVersion(fields: readonly string[]): number {
  return Math.max(2, ...fields.map((f) => FIELD_VERSIONS[f] ?? 2));
}

/**
 * The line a flow log writes for the record, in `logFormat` (undefined or empty: the version 2 default format), with
 * `start` and `end` in Unix seconds. Fields the engine cannot know (region, az-id, AWS services) are `-`, as AWS writes a
 * field that does not apply.
 */
export function formatRecord(plan: FlowRecordPlan, logFormat: string | undefined, start: number, end: number, accountId: string): string {
  const fields = logFormatFields(logFormat || DEFAULT_LOG_FORMAT);
  const values: Record<string, string | number | undefined> = {
    version: recordVersion(fields),
    'account-id': accountId,
    'interface-id': plan.interfaceId,
    srcaddr: plan.srcAddr,
    dstaddr: plan.dstAddr,
    srcport: plan.srcPort,
    dstport: plan.dstPort,
    protocol: plan.protocol,
    packets: plan.packets,
    bytes: plan.bytes,
    start,
    end,
    action: plan.action,
    'log-status': 'OK',
    'vpc-id': plan.vpcId,
    'subnet-id': plan.subnetId,
    'instance-id': plan.instanceId,
    'tcp-flags': plan.tcpFlags,
    type: 'IPv4',
    // The gateway translates addresses before the interface sees the packet, so the packet-level addresses are the record's.
    'pkt-srcaddr': plan.srcAddr,
    'pkt-dstaddr': plan.dstAddr,
    'flow-direction': plan.direction,
  };
  return fields.map((f) => String(values[f] ?? '-')).join(' ');
}
