// The live class grid's Server-Sent Events: one hub per open class, fed by the store's progress events (checks, Skips and
// learners joining), one row query per change.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { Lab } from '../labs/types';
import type { Store } from '../store';
import type { ClassInfo, Member } from '../store/classes';
import type { ProgressEvent } from '../store/events';
import { learnerRow, type GridRow } from './class-dashboard';

export const LIVE_MESSAGES = {
  TOO_MANY_STREAMS: 'You have too many live class pages open. Close some of them, then reload this one.',
} as const;

/** Open grids one instructor may hold in one process: browsers allow 6 connections per host over HTTP/1.1. */
export const STREAMS_PER_INSTRUCTOR = 5;
/** Comments this often keep proxies and load balancers from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** How long a browser waits before reconnecting a dropped stream. */
const RETRY_MS = 2000;

interface Hub {
  cls: ClassInfo;
  lab: Lab;
  streams: Set<Response>;
  members: Map<string, Member>;
  /** The last time the member list was read because an event named someone not in it (a learner who just joined). */
  membersReadAt: number;
}

export interface ClassLiveOptions {
  store: Store;
  logger?: Logger;
  streamsPerInstructor?: number;
  heartbeatMs?: number;
  now?: () => Date;
}

/** A row of the grid as an event carries it: with whether the learner has a completion report, which the grid links to. */
export type LiveRow = GridRow & { report: boolean };

const frame = (event: string, data: unknown, id?: string) => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class ClassLive {
  private readonly hubs = new Map<string, Hub>();
  private readonly perUser = new Map<string, number>();
  private unsubscribe?: Promise<() => void>;
  private heartbeat?: NodeJS.Timeout;
  private readonly now: () => Date;

  constructor(private readonly options: ClassLiveOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Streams open in this process, for tests and the benchmark. */
  get openStreams(): number {
    let n = 0;
    for (const hub of this.hubs.values()) n += hub.streams.size;
    return n;
  }

  /**
   * Opens a stream of `row` events for the class (the caller has checked that the user manages it). A browser that
   * reconnects sends the id of the last event it had, a time: the rows changed since then come first.
   */
  async open(req: Request, res: Response, cls: ClassInfo, lab: Lab): Promise<void> {
    const userId = req.user!.id;
    const limit = this.options.streamsPerInstructor ?? STREAMS_PER_INSTRUCTOR;
    if ((this.perUser.get(userId) ?? 0) >= limit) throw new AppError(429, 'TOO_MANY_STREAMS', LIVE_MESSAGES.TOO_MANY_STREAMS);
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    let hub: Hub | undefined;
    const release = () => {
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
      if (hub) {
        hub.streams.delete(res);
        if (hub.streams.size === 0 && this.hubs.get(cls.id) === hub) this.hubs.delete(cls.id);
      }
      this.idle();
    };
    req.on('close', release);
    try {
      await this.listen();
      hub = this.hubs.get(cls.id);
      if (!hub) {
        hub = { cls, lab, streams: new Set(), members: new Map(), membersReadAt: 0 };
        this.hubs.set(cls.id, hub);
      }
      await this.readMembers(hub);
    } catch (err) {
      req.off('close', release);
      release();
      throw err;
    }
    if (req.destroyed) return;
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);
    const since = req.get('last-event-id');
    if (since && !Number.isNaN(Date.parse(since))) {
      for (const row of await this.rows(hub, { changedAfter: new Date(since).toISOString() })) res.write(frame('row', row.data, row.id));
    }
    res.write(frame('ready', { classId: cls.id }));
    hub.streams.add(res);
    this.heartbeat ??= setInterval(() => this.beat(), this.options.heartbeatMs ?? HEARTBEAT_MS).unref();
  }

  /** Stops listening and ends every stream (the app is stopping). */
  async close(): Promise<void> {
    for (const hub of this.hubs.values()) for (const res of hub.streams) res.end();
    this.hubs.clear();
    this.idle();
  }

  private listen(): Promise<() => void> {
    this.unsubscribe ??= this.options.store.events.subscribe((event) => void this.changed(event)).catch((err: unknown) => {
      this.unsubscribe = undefined;
      throw err;
    });
    return this.unsubscribe;
  }

  /** With no stream left, the heartbeat stops; the subscription stays, one listener for the life of the app. */
  private idle() {
    if (this.hubs.size > 0 || !this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private beat() {
    for (const hub of this.hubs.values()) for (const res of hub.streams) res.write(': heartbeat\n\n');
  }

  private async readMembers(hub: Hub) {
    const members = await this.options.store.classes.members(hub.cls.id);
    hub.members = new Map(members.map((m) => [m.userId, m]));
    hub.membersReadAt = Date.now();
  }

  private async rows(hub: Hub, only: { userId?: string; changedAfter?: string }): Promise<{ id: string; data: LiveRow }[]> {
    const [cells, reports] = await Promise.all([this.options.store.classGrid.cells(hub.cls.id, hub.lab.id, only), this.options.store.reports.forClass(hub.cls.id, hub.lab.id, only.userId)]);
    const byUser = new Map<string, typeof cells>();
    // A learner asked for by name has a row even before any step row: one who has just joined is a row of "not started".
    if (only.userId) byUser.set(only.userId, []);
    for (const c of cells) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), c]);
    const now = this.now();
    const out: { id: string; data: LiveRow }[] = [];
    for (const [userId, own] of byUser) {
      const member = hub.members.get(userId);
      if (!member) continue;
      const row = learnerRow(hub.lab, member, new Map(own.map((c) => [c.stepId, c])), now);
      out.push({ id: row.lastActivity ?? now.toISOString(), data: { ...row, report: reports.has(userId) } });
    }
    return out;
  }

  /** One progress change: every hub of the learner's lab that has them as a member reads their row once and sends it to all its streams. */
  private async changed(event: ProgressEvent) {
    for (const hub of this.hubs.values()) {
      if (hub.lab.id !== event.labId) continue;
      try {
        // Someone not known may have joined since the hub opened: the list is read again when they join this class, and
        // otherwise at most once a second (the lab's learners in other classes are not known either).
        const joined = event.joinedClassId === hub.cls.id;
        if (!hub.members.has(event.userId) && (joined || Date.now() - hub.membersReadAt > 1000)) await this.readMembers(hub);
        if (!hub.members.has(event.userId)) continue;
        const [row] = await this.rows(hub, { userId: event.userId });
        if (!row) continue;
        const text = frame('row', row.data, event.at);
        for (const res of hub.streams) res.write(text);
      } catch (err) {
        this.options.logger?.warn({ err, classId: hub.cls.id }, 'live grid: could not send a change');
      }
    }
  }
}
