// Progress events: "this learner's progress in this lab changed", published where attempts are recorded (and when a
// learner joins a class, a new row) and heard by the instructors' live grids. In-process for SQLite (one process holds the file); LISTEN/NOTIFY for PostgreSQL, so a check
// recorded by one Verilab process reaches a grid open on another.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Database } from './schema';

export interface ProgressEvent {
  userId: string;
  labId: string;
  /** When the change was recorded (ISO-8601). */
  at: string;
  /** Set when the learner has just joined this class: its grids read their member list again for them. */
  joinedClassId?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressEvents {
  /** Never rejects: a lost event costs a live update, never the check that caused it. */
  publish(event: ProgressEvent): Promise<void>;
  /** Resolves once events published from now on will be heard; the function it gives stops listening. */
  subscribe(listener: ProgressListener): Promise<() => void>;
  close(): Promise<void>;
}

/** Wait before listening again after the PostgreSQL listener's connection drops. */
const RELISTEN_MS = 1000;

const isProgressEvent = (v: unknown): v is ProgressEvent =>
  typeof v === 'object' &&
  v !== null &&
  ['userId', 'labId', 'at'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string') &&
  ['undefined', 'string'].includes(typeof (v as Record<string, unknown>).joinedClassId);

/** One process: an emitter. */
export function localProgressEvents(): ProgressEvents {
  const emitter = new EventEmitter();
  // Every open grid is a listener; the default limit of 10 is a leak warning meant for other uses.
  emitter.setMaxListeners(0);
  return {
    async publish(event) {
      // After the current turn, as NOTIFY would: the publisher's own response is not held up by the grids.
      setImmediate(() => emitter.emit('progress', event));
    },
    async subscribe(listener) {
      emitter.on('progress', listener);
      return () => emitter.off('progress', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * The channel of one database and schema: test files (and Verilabs) sharing a PostgreSQL server in different schemas
 * must not hear each other, and a channel name is an identifier of at most 63 characters.
 */
export async function progressChannel(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ database: string; schema: string }>`select current_database() as database, current_schema() as schema`.execute(db);
  const where = `${rows[0]?.database}/${rows[0]?.schema}`;
  return `verilab_progress_${createHash('sha256').update(where).digest('hex').slice(0, 20)}`;
}

/**
 * Several processes: NOTIFY through the pool, LISTEN on one connection of its own, opened when the first grid listens.
 * A process hears its own notifications too, so every grid gets an event the same way, whichever process recorded it.
 */
export function postgresProgressEvents(opts: { db: Kysely<Database>; url: string; channel: string; logger?: Logger }): ProgressEvents {
  const { db, url, channel, logger } = opts;
  const listeners = new Set<ProgressListener>();
  let client: Client | undefined;
  let listening: Promise<void> | undefined;
  let relisten: NodeJS.Timeout | undefined;
  let closed = false;

  function dispatch(payload: string | undefined) {
    let event: unknown;
    try {
      event = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    if (!isProgressEvent(event)) return;
    for (const listener of listeners) listener(event);
  }

  function dropped(c: Client, err?: Error) {
    if (client !== c) return;
    logger?.warn({ err }, 'progress events: listener connection lost');
    client = undefined;
    listening = undefined;
    c.end().catch(() => undefined);
    if (!closed && listeners.size > 0) relisten = setTimeout(() => void listen().catch(() => undefined), RELISTEN_MS);
  }

  function listen(): Promise<void> {
    listening ??= (async () => {
      const c = new Client({ connectionString: url });
      c.on('notification', (msg) => {
        if (msg.channel === channel) dispatch(msg.payload);
      });
      c.on('error', (err) => dropped(c, err));
      c.on('end', () => dropped(c));
      client = c;
      try {
        await c.connect();
        await c.query(`LISTEN "${channel}"`);
      } catch (err) {
        dropped(c, err as Error);
        throw err;
      }
    })();
    return listening;
  }

  return {
    async publish(event) {
      try {
        await sql`select pg_notify(${channel}, ${JSON.stringify(event)})`.execute(db);
      } catch (err) {
        logger?.warn({ err }, 'progress events: could not notify');
      }
    },
    async subscribe(listener) {
      listeners.add(listener);
      try {
        await listen();
      } catch (err) {
        listeners.delete(listener);
        throw err;
      }
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(relisten);
      listeners.clear();
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
