// Flow records as log events: one per flow, per flow log and per aggregation interval, in the flow log's format.
import type { FlowLog } from '../../verify/snapshot';
import { formatRecord, streamName } from '../network/flow-records';
import type { FlowRecordPlan } from '../network/types';

/** AWS's default MaxAggregationInterval, in seconds. */
export const DEFAULT_AGGREGATION_SECONDS = 600;

export interface LogEvent {
  /** Epoch milliseconds: the record's start, as VPC Flow Logs stamps its events. */
  timestamp: number;
  message: string;
}

/** The events for one log stream of one log group. */
export interface LogDelivery {
  logGroupName: string;
  logStreamName: string;
  flowLogId: string;
  events: LogEvent[];
}

/** A planned record and the times (epoch seconds) its packets were sent, one per packet. */
export interface TimedPlan {
  plan: FlowRecordPlan;
  times: readonly number[];
}

/**
 * The events each flow log writes for the planned records. Packets of a flow are aggregated per aggregation interval of
 * the flow log: one record per window, `start` and `end` the first and last packet in it. `groupOf` names the group a
 * flow log delivers to, or undefined when it delivers nothing (its role cannot write).
 */
export function recordEvents(timed: readonly TimedPlan[], flowLogs: readonly FlowLog[], accountId: string, groupOf: (flowLog: FlowLog) => string | undefined): LogDelivery[] {
  const deliveries = new Map<string, LogDelivery>();
  for (const { plan, times } of timed) {
    if (times.length === 0) continue;
    for (const flowLogId of plan.flowLogIds) {
      const flowLog = flowLogs.find((f) => f.flowLogId === flowLogId);
      const logGroupName = flowLog && groupOf(flowLog);
      if (!flowLog || !logGroupName) continue;
      const interval = flowLog.maxAggregationInterval ?? DEFAULT_AGGREGATION_SECONDS;
      const windows = new Map<number, number[]>();
      for (const t of times) {
        const w = Math.floor(t / interval);
        windows.set(w, [...(windows.get(w) ?? []), t]);
      }
      const logStreamName = streamName(plan.interfaceId);
      const key = `${flowLogId}\n${logGroupName}\n${logStreamName}`;
      const delivery = deliveries.get(key) ?? { logGroupName, logStreamName, flowLogId, events: [] };
      deliveries.set(key, delivery);
      for (const inWindow of windows.values()) {
        const share = inWindow.length / times.length;
        const start = Math.min(...inWindow);
        const end = Math.max(...inWindow);
        const part = { ...plan, packets: Math.max(1, Math.round(plan.packets * share)), bytes: Math.max(1, Math.round(plan.bytes * share)) };
        delivery.events.push({ timestamp: start * 1000, message: formatRecord(part, flowLog.logFormat, start, end, accountId) });
      }
    }
  }
  for (const d of deliveries.values()) d.events.sort((a, b) => a.timestamp - b.timestamp);
  return [...deliveries.values()];
}
