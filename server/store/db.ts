// Opens the database (SQLite file by default, PostgreSQL when a URL is given) and runs the migrations.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import { Pool, type PoolConfig } from 'pg';
import { migrations } from './migrations';
import type { Database } from './schema';

export type DatabaseOptions =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; pool?: Partial<PoolConfig> };

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DatabaseOptions['kind'];
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  let db: Kysely<Database>;
  if (options.kind === 'sqlite') {
    if (options.file !== ':memory:') fs.mkdirSync(path.dirname(options.file), { recursive: true });
    const sqlite = new SQLite(options.file);
    // WAL lets readers carry on while a check's results are written; foreign keys are off by default in SQLite.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  } else {
    const pool = new Pool({ connectionString: options.url, max: 10, ...options.pool });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    // Kysely looks for its migration tables across all schemas; naming ours keeps two Verilabs sharing one
    // PostgreSQL database in different schemas (search_path) from seeing each other's migrations.
    const migrationTableSchema = options.kind === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
    const { error, results } = await new Migrator({ db, provider, migrationTableSchema }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`, { cause: error });
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, kind: options.kind };
}
