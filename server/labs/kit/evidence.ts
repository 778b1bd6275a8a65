// Evidence shapes: the plain records of resources a step result keeps, which completion reports are built from.
import type { FlowLog, FlowRecord, Instance } from '../../verify/snapshot';
import { summariseRecord, type RecordSummary } from './flow-logs';
import { clean } from './results';
import type { SubnetRouting } from './routing';

/** At most this many flow records are kept in one result's evidence. */
export const MAX_RECORDS_IN_EVIDENCE = 20;

export function subnetEvidence(routing: SubnetRouting | undefined) {
  if (!routing) return undefined;
  const { subnet, routeTable, internetGatewayId } = routing;
  return clean({ subnetId: subnet.subnetId, cidr: subnet.cidrBlock, routeTableId: routeTable?.routeTableId, internetGatewayId });
}

export function instanceEvidence(i: Instance | undefined) {
  if (!i) return undefined;
  return clean({ instanceId: i.instanceId, state: i.state, subnetId: i.subnetId, privateIp: i.privateIpAddress, publicIp: i.publicIpAddress, securityGroupIds: i.securityGroupIds });
}

/** The earliest records first, summarised. */
export function recordsEvidence(records: readonly FlowRecord[]): RecordSummary[] {
  return [...records]
    .sort((x, y) => (x.start ?? 0) - (y.start ?? 0))
    .slice(0, MAX_RECORDS_IN_EVIDENCE)
    .map(summariseRecord);
}

export function flowLogEvidence(f: FlowLog | undefined) {
  if (!f) return undefined;
  const { flowLogId, trafficType, logDestinationType, deliverLogsPermissionArn, flowLogStatus, deliverLogsStatus, maxAggregationInterval } = f;
  return clean({ flowLogId, trafficType, logDestinationType, deliverLogsPermissionArn, flowLogStatus, deliverLogsStatus, maxAggregationInterval });
}
