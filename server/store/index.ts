// The store: one database handle and the repositories over it. No SQL lives outside server/store/.
import path from 'node:path';
import type { LogEvent } from 'kysely';
import { classGridRepo } from './class-grid';
import { classesRepo } from './classes';
import { connectionsRepo } from './connections';
import { openDatabase, type DatabaseOptions } from './db';
import { localProgressEvents, postgresProgressEvents, progressChannel, type ProgressEvents } from './events';
import { progressRepo } from './progress';
import { reflectionsRepo } from './reflections';
import { reportsRepo } from './reports';
import { sandboxAccountsRepo } from './sandbox-accounts';
import { sandboxQueriesRepo } from './sandbox-queries';
import { sessionsRepo, usersRepo } from './users';

export type { DatabaseOptions };

export interface Store {
  kind: DatabaseOptions['kind'];
  users: ReturnType<typeof usersRepo>;
  sessions: ReturnType<typeof sessionsRepo>;
  classes: ReturnType<typeof classesRepo>;
  classGrid: ReturnType<typeof classGridRepo>;
  /** Progress changes for the live class grids: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL. */
  events: ProgressEvents;
  connections: ReturnType<typeof connectionsRepo>;
  progress: ReturnType<typeof progressRepo>;
  reflections: ReturnType<typeof reflectionsRepo>;
  reports: ReturnType<typeof reportsRepo>;
  sandboxAccounts: ReturnType<typeof sandboxAccountsRepo>;
  sandboxQueries: ReturnType<typeof sandboxQueriesRepo>;
  /** Answers only when the database does. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function databaseOptions(config: { databaseUrl?: string; dataDir: string }): DatabaseOptions {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', file: path.join(config.dataDir, 'verilab.sqlite') };
}

export async function openStore(options: DatabaseOptions, opts: { log?: (event: LogEvent) => void } = {}): Promise<Store> {
  const { db, kind } = await openDatabase(options, opts.log);
  const events = options.kind === 'postgres' ? postgresProgressEvents({ db, url: options.url, channel: await progressChannel(db) }) : localProgressEvents();
  return {
    kind,
    users: usersRepo(db),
    sessions: sessionsRepo(db),
    classes: classesRepo(db),
    classGrid: classGridRepo(db),
    events,
    connections: connectionsRepo(db),
    progress: progressRepo(db),
    reflections: reflectionsRepo(db),
    reports: reportsRepo(db),
    sandboxAccounts: sandboxAccountsRepo(db),
    sandboxQueries: sandboxQueriesRepo(db),
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
    async close() {
      await events.close();
      await db.destroy();
    },
  };
}
