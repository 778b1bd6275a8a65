// Sends simulated traffic through an account: decides it with the reachability engine, then writes the flow records the flow logs on the way would deliver.
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from '../../verify/aws-session';
import type { FlowLog } from '../../verify/snapshot';
import { interfacesOf, reach } from '../network/reachability';
import type { Packet, PacketProtocol, Reachability } from '../network/types';
import { judgeDelivery, type DeliveryVerdict } from './delivery';
import { sshProbes } from './noise';
import { readNetwork, type NetworkView } from './read-network';
import { recordEvents, type LogDelivery, type TimedPlan } from './records';

/** PutLogEvents takes at most 10,000 events per call. */
const MAX_EVENTS_PER_PUT = 10_000;

export interface Undelivered {
  flowLogId: string;
  problem: string;
}

export interface TrafficOutcome {
  result: Reachability;
  /** Flow records written, over every log group. */
  recordsWritten: number;
  deliveries: LogDelivery[];
  /** Flow logs that covered the traffic but deliver nothing, and why. */
  undelivered: Undelivered[];
}

export interface TrafficRequest {
  from: string;
  to: string;
  protocol: PacketProtocol;
  port?: number;
  /** When each packet (each echo, each connection attempt) was sent, epoch seconds. */
  times: readonly number[];
}

export interface TrafficOptions {
  /** SSH probes from strangers at the public interfaces, as every public address gets; off unless given. */
  noise?: { random: () => number; rate?: number };
}

/** Each flow log's delivery verdict, keyed by id. */
export function deliveryVerdicts(view: NetworkView): Map<string, DeliveryVerdict> {
  return new Map(view.state.flowLogs.map((f) => [f.flowLogId, judgeDelivery(f, view.roles, view, f.logGroupName ? view.logGroupNames.has(f.logGroupName) : false)]));
}

/** Decides the traffic on an already read network, and plans the log events; no AWS calls. */
export function planTraffic(view: NetworkView, request: TrafficRequest, options: TrafficOptions = {}): { result: Reachability; deliveries: LogDelivery[]; undelivered: Undelivered[] } {
  const packet: Packet = { from: request.from, to: request.to, protocol: request.protocol, port: request.port, count: Math.max(1, request.times.length) };
  const result = reach(view.state, packet);
  const timed: TimedPlan[] = result.records.map((plan) => ({ plan, times: request.times }));
  if (options.noise && request.times.length > 0) {
    const at = request.times[0]!;
    timed.push(...sshProbes(view.state, interfacesOf(view.state), options.noise.random, options.noise.rate).map((plan) => ({ plan, times: [at] })));
  }
  const verdicts = deliveryVerdicts(view);
  const covering = new Set(timed.flatMap((t) => t.plan.flowLogIds));
  const undelivered = [...covering].flatMap((id) => {
    const problem = verdicts.get(id)?.problem;
    return problem ? [{ flowLogId: id, problem }] : [];
  });
  const groupOf = (f: FlowLog) => {
    const verdict = verdicts.get(f.flowLogId);
    return verdict && !verdict.problem ? verdict.logGroupName : undefined;
  };
  return { result, deliveries: recordEvents(timed, view.state.flowLogs, view.accountId, groupOf), undelivered };
}

function ignoreExisting(err: { name?: string }): void {
  if (err.name !== 'ResourceAlreadyExistsException') throw err;
}

/** Writes the planned events: each stream created on first use, and the group when the role may create it. */
export async function writeDeliveries(aws: AwsClients, view: NetworkView, deliveries: readonly LogDelivery[]): Promise<number> {
  let written = 0;
  for (const d of deliveries) {
    if (d.events.length === 0) continue;
    if (!view.logGroupNames.has(d.logGroupName)) {
      await aws.logs.send(new CreateLogGroupCommand({ logGroupName: d.logGroupName })).catch(ignoreExisting);
      view.logGroupNames.add(d.logGroupName);
    }
    await aws.logs.send(new CreateLogStreamCommand({ logGroupName: d.logGroupName, logStreamName: d.logStreamName })).catch(ignoreExisting);
    for (let i = 0; i < d.events.length; i += MAX_EVENTS_PER_PUT) {
      await aws.logs.send(new PutLogEventsCommand({ logGroupName: d.logGroupName, logStreamName: d.logStreamName, logEvents: d.events.slice(i, i + MAX_EVENTS_PER_PUT) }));
    }
    written += d.events.length;
  }
  return written;
}

/** Reads the account, decides the traffic and writes its flow records: the whole simulation in one call. */
export async function sendTraffic(aws: AwsClients, request: TrafficRequest, options: TrafficOptions & { now?: Date; view?: NetworkView } = {}): Promise<TrafficOutcome> {
  const view = options.view ?? (await readNetwork(aws, options.now ?? new Date()));
  const planned = planTraffic(view, request, options);
  const recordsWritten = await writeDeliveries(aws, view, planned.deliveries);
  return { ...planned, recordsWritten };
}

/** One second apart, the last at `now`: the times of a ping of `count` echoes that has just finished. */
export function echoTimes(count: number, now: Date): number[] {
  const last = Math.floor(now.getTime() / 1000);
  return Array.from({ length: Math.max(1, count) }, (_, i) => last - (count - 1) + i);
}

/** A ping of `count` echoes that has just finished, from an instance to an address. */
export function simulatePing(aws: AwsClients, ping: { from: string; to: string; count?: number }, options: TrafficOptions & { now?: Date } = {}): Promise<TrafficOutcome> {
  const now = options.now ?? new Date();
  return sendTraffic(aws, { from: ping.from, to: ping.to, protocol: 'icmp', times: echoTimes(ping.count ?? 4, now) }, { ...options, now });
}
