// Verilab.SimulateTraffic, the sandbox's own API action: a ping, curl, nc or ssh from a learner's instance, decided by the reachability engine and recorded by the flow logs on its way.
import type { Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AwsClients } from '../../verify/aws-session';
import { NetworkUnreadable } from '../network/from-snapshot';
import { interfacesOf } from '../network/reachability';
import type { Hop } from '../network/types';
import { VERILAB_SERVICE, type ProxyCall, type ProxyIntercept } from '../proxy';
import { errors, sendAwsError } from '../proxy-errors';
import { readNetwork, type NetworkView } from './read-network';
import { echoTimes, planTraffic, sendTraffic, type TrafficOptions, type TrafficRequest } from './simulate';

export const SIMULATE_TRAFFIC = 'SimulateTraffic';
/** A streaming ping asks once a second; a network read this recent answers it (a change shows within this time). */
export const NETWORK_CACHE_MS = 3000;
/** Echoes or connection attempts in one call: a ping of almost three hours. */
export const MAX_PACKETS = 10_000;
/** Packet times must lie in this window around now (PutLogEvents itself refuses events older than 14 days). */
const MAX_AGE_SECONDS = 24 * 3600;
const MAX_AHEAD_SECONDS = 300;
/** Accounts whose network is cached at once; past this, expired entries go first. */
const MAX_CACHED_ACCOUNTS = 500;

export const TRAFFIC_MESSAGES = {
  NOT_JSON: 'The request body is not a JSON object.',
  COUNT_AND_TIMES: 'Give count or times, not both.',
  PORT_NEEDED: (protocol: string) => `${protocol} traffic needs a port (1-65535).`,
  NO_PORT_FOR_ICMP: 'icmp traffic has no port; leave port out.',
  TIMES_WINDOW: 'times must be epoch seconds within the last 24 hours (or at most 5 minutes ahead).',
  UNREADABLE: (reason: string) => `Verilab could not read your account's network: ${reason}. Try again in a few seconds.`,
} as const;

const request = z
  .strictObject({
    from: z.string().regex(/^(i|eni)-[0-9a-f]{8,17}$/, 'Member must be an instance id (i-...) or a network interface id (eni-...)'),
    to: z.ipv4('Member must be an IPv4 address'),
    protocol: z.enum(['icmp', 'tcp', 'udp']),
    port: z.number().int().min(1).max(65535).optional(),
    count: z.number().int().min(1).max(MAX_PACKETS).optional(),
    times: z.array(z.number().int()).min(1).max(MAX_PACKETS).optional(),
    dryRun: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.count !== undefined && r.times !== undefined) ctx.addIssue({ code: 'custom', message: TRAFFIC_MESSAGES.COUNT_AND_TIMES, path: ['count'] });
    if (r.protocol === 'icmp' && r.port !== undefined) ctx.addIssue({ code: 'custom', message: TRAFFIC_MESSAGES.NO_PORT_FOR_ICMP, path: ['port'] });
    if (r.protocol !== 'icmp' && r.port === undefined) ctx.addIssue({ code: 'custom', message: TRAFFIC_MESSAGES.PORT_NEEDED(r.protocol), path: ['port'] });
  });
export type SimulateTrafficRequest = z.infer<typeof request>;

export interface SimulateTrafficAnswer {
  delivered: boolean;
  replied: boolean;
  explanation: string[];
  hops: Hop[];
  recordsWritten: number;
  undelivered: { flowLogId: string; problem: string }[];
}

export interface TrafficInterceptDeps {
  /** Clients acting directly in one sandbox account of moto (labClientsFactory in ../lab-clients). */
  clientsFor(accountId: string, region: string): AwsClients;
  logger: Logger;
  cacheMs?: number;
  now?: () => number;
  /** SSH probes from strangers at the public interfaces, written with the traffic, as every public address gets; off unless given. */
  noise?: TrafficOptions['noise'];
}

/** AWS's wording for validation failures, one clause per problem. */
function validationMessage(issues: readonly z.core.$ZodIssue[]): string {
  const clauses = issues.map((i) => {
    const at = i.path.length ? i.path.join('.') : 'body';
    return `Value at '${at}' failed to satisfy constraint: ${i.message}`;
  });
  return `${clauses.length} validation error${clauses.length === 1 ? '' : 's'} detected: ${clauses.join('; ')}`;
}

/**
 * Read networks by account and region, each kept `ttlMs`. Concurrent callers share one read; a failed read is not
 * kept. `fresh` reads again (a call that writes records decides on the state of now). Says whether the view is one
 * read earlier.
 */
function networkCache(ttlMs: number, now: () => number) {
  const entries = new Map<string, { at: number; view: Promise<NetworkView> }>();
  return async (key: string, read: () => Promise<NetworkView>, fresh: boolean): Promise<{ view: NetworkView; earlier: boolean }> => {
    const t = now();
    const hit = entries.get(key);
    if (hit && !fresh && t - hit.at < ttlMs) return { view: await hit.view, earlier: true };
    if (entries.size >= MAX_CACHED_ACCOUNTS) {
      for (const [k, e] of entries) if (t - e.at >= ttlMs) entries.delete(k);
      if (entries.size >= MAX_CACHED_ACCOUNTS) entries.clear();
    }
    const entry = { at: t, view: read() };
    entries.set(key, entry);
    entry.view.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return { view: await entry.view, earlier: false };
  };
}

/**
 * Whether a view read earlier knows both ends: an instance launched since, or an address that came with it, is not
 * in it, and the echoes to it would be lost for no reason but the cache.
 */
function knowsEnds(view: NetworkView, r: SimulateTrafficRequest): boolean {
  const interfaces = interfacesOf(view.state);
  const from = r.from.startsWith('eni-') ? interfaces.some((i) => i.networkInterfaceId === r.from) : view.state.instances.some((i) => i.instanceId === r.from);
  return from && interfaces.some((i) => i.privateIpAddress === r.to || i.publicIp === r.to);
}

function answer(res: Response, requestId: string, body: SimulateTrafficAnswer): void {
  res.status(200);
  res.setHeader('content-type', 'application/x-amz-json-1.1');
  res.setHeader('x-amzn-requestid', requestId);
  res.end(JSON.stringify(body));
}

/** The times of the packets: as given, `count` one second apart ending now, or one packet now. */
function packetTimes(r: SimulateTrafficRequest, nowMs: number): number[] | undefined {
  if (r.times) {
    const t = Math.floor(nowMs / 1000);
    return r.times.every((s) => s >= t - MAX_AGE_SECONDS && s <= t + MAX_AHEAD_SECONDS) ? r.times : undefined;
  }
  return echoTimes(r.count ?? 1, new Date(nowMs));
}

/**
 * Answers `Verilab.SimulateTraffic` (JSON 1.1, service `verilab`) in the caller's own account: the key decides the
 * account, so an instance of another learner is simply not found. A dry run decides without writing, for the live
 * output of a ping; the call that writes reads the network afresh.
 */
export function trafficIntercept(deps: TrafficInterceptDeps): ProxyIntercept {
  const now = deps.now ?? Date.now;
  const cached = networkCache(deps.cacheMs ?? NETWORK_CACHE_MS, now);
  const logger = deps.logger.child({ component: 'traffic' });

  return async (call: ProxyCall) => {
    if (call.service !== VERILAB_SERVICE || call.action !== SIMULATE_TRAFFIC) return false;
    const refuse = (message: string) => sendAwsError(call.res, 'json', errors.validation(message), call.requestId);
    if (!call.jsonBody) {
      refuse(TRAFFIC_MESSAGES.NOT_JSON);
      return true;
    }
    const parsed = request.safeParse(call.jsonBody);
    if (!parsed.success) {
      refuse(validationMessage(parsed.error.issues));
      return true;
    }
    const r = parsed.data;
    const t = now();
    const times = packetTimes(r, t);
    if (!times) {
      refuse(TRAFFIC_MESSAGES.TIMES_WINDOW);
      return true;
    }
    const traffic: TrafficRequest = { from: r.from, to: r.to, protocol: r.protocol, port: r.port, times };
    const { accountId } = call.key;
    try {
      const aws = deps.clientsFor(accountId, call.region);
      const key = `${accountId}\n${call.region}`;
      const read = () => readNetwork(aws, new Date(t));
      const first = await cached(key, read, !r.dryRun);
      const view = first.earlier && !knowsEnds(first.view, r) ? (await cached(key, read, true)).view : first.view;
      const outcome = r.dryRun ? { ...planTraffic(view, traffic), recordsWritten: 0 } : await sendTraffic(aws, traffic, { view, noise: deps.noise });
      const { delivered, replied, explanation, hops } = outcome.result;
      if (!r.dryRun) {
        logger.info({ accountId, from: r.from, to: r.to, protocol: r.protocol, port: r.port, packets: times.length, delivered, replied, recordsWritten: outcome.recordsWritten }, 'simulated traffic');
      }
      answer(call.res, call.requestId, { delivered, replied, explanation, hops, recordsWritten: outcome.recordsWritten, undelivered: outcome.undelivered });
    } catch (err) {
      if (err instanceof NetworkUnreadable) {
        sendAwsError(call.res, 'json', { ...errors.unavailable('json'), message: TRAFFIC_MESSAGES.UNREADABLE(`${err.part} (${err.reason})`) }, call.requestId);
      } else {
        // moto down or restarting, most likely; the learner's tool says try again, the log keeps the cause.
        logger.warn({ err, accountId, requestId: call.requestId }, 'simulated traffic failed');
        sendAwsError(call.res, 'json', errors.unavailable('json'), call.requestId);
      }
    }
    return true;
  };
}
