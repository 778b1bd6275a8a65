// Opens the database (SQLite file by default, PostgreSQL when a URL is given) and runs the migrations.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Compilable, type CompiledQuery, type LogEvent, type MigrationProvider, type SqliteDatabase } from 'kysely';
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

/** The SQLite database cannot be opened or read; the message names the file and says what to do. */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

/** The SQLite result code of an error or of one of its causes. Not `instanceof Error`: better-sqlite3's native part keeps the error class it was first loaded with. */
const sqliteCode = (err: unknown): string | undefined => {
  for (let e = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
};

function sqliteOpenError(file: string, err: unknown): DatabaseOpenError {
  const code = sqliteCode(err);
  const reason = code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')
    ? 'it is not a SQLite database, or it is damaged. Restore it from a backup, or move it away to start with an empty one'
    : (err as Error).message;
  return new DatabaseOpenError(`Could not open the SQLite database ${file}: ${reason}.`, { cause: err });
}

/**
 * The SQLite file holds password hashes and sessions: it is created readable by Verilab's user only, and SQLite gives
 * its -wal and -shm files the database file's mode. Those of ours that an older Verilab made readable by others are
 * narrowed; a folder that already exists is the operator's and keeps its mode.
 */
function privateSqliteFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const stat = fs.statSync(f);
      if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) fs.chmodSync(f, 0o600);
    } catch (err) {
      // A missing -wal or -shm is made by SQLite later, from the database file's mode.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function openSqlite(file: string): SQLite.Database {
  let sqlite: SQLite.Database | undefined;
  try {
    if (file !== ':memory:') privateSqliteFile(file);
    sqlite = new SQLite(file);
    // WAL lets readers carry on while a check's results are written; foreign keys are off by default in SQLite.
    // Setting WAL is also the first read of the file, where a file that is not a database shows.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return sqlite;
  } catch (err) {
    sqlite?.close();
    throw sqliteOpenError(file, err);
  }
}

/** How many prepared statements a SQLite store keeps: far more than Verilab's distinct statements, fewer than a leak. */
const STATEMENT_CACHE = 500;

/**
 * The database as Kysely's SQLite driver sees it, with prepared statements kept by their SQL. The driver prepares every
 * statement afresh, which costs more than running most of them; Kysely writes the same SQL for the same query, so a
 * page's statements are prepared once per process. The least recently used statement goes first when the cache is full.
 */
export function cachedStatements(sqlite: SQLite.Database, size = STATEMENT_CACHE): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement) statements.delete(text);
      else {
        statement = sqlite.prepare(text);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

/** A SQLite store's connection, for compileOnce's reads: its statements, and whom to tell of each statement run. */
interface DirectSqlite {
  sqlite: SQLite.Database;
  statements: SqliteDatabase;
  log?: (event: LogEvent) => void;
}

/** The connections of the SQLite stores opened here, by their Kysely instance. */
const directSqlite = new WeakMap<Kysely<Database>, DirectSqlite>();

/** What stands for argument `i` while a query is compiled once: nothing a caller sends looks like it. */
const marker = (i: number) => `\u0000verilab argument ${i}\u0000`;

/**
 * A read compiled once. Kysely builds and compiles a query on every call, which costs more than SQLite takes to run a
 * page's small reads (about 15 µs against 6 here). `build` is called once, at the first call, with a marker in place
 * of each argument; every call then runs that SQL with its own arguments where the markers were.
 *
 * So `build` must use its arguments as values only (in a `where`, say), each at least once, and nothing else may
 * depend on them; an argument that is not found among the compiled values, or that shows in the SQL text, makes the
 * first call throw. The statement runs outside any transaction.
 *
 * On SQLite the statement runs on the connection straight away: better-sqlite3 answers synchronously, and Kysely's
 * driver would take its connection lock and several promise turns around it. While a transaction holds the connection,
 * the read goes through Kysely and waits for it, as before, so it never sees writes that are not yet committed.
 */
export function compileOnce<Args extends string[], Row>(db: Kysely<Database>, build: (...args: Args) => Compilable<Row>): (...args: Args) => Promise<Row[]> {
  let compiled: { query: CompiledQuery<Row>; from: number[] } | undefined;
  const compile = (arity: number) => {
    const markers = Array.from({ length: arity }, (_, i) => marker(i));
    const query = build(...(markers as Args)).compile();
    // from[j]: which argument parameter j is, or -1 for a value of the query's own (a limit, a literal).
    const from = query.parameters.map((p) => markers.indexOf(p as string));
    const missing = markers.findIndex((_, i) => !from.includes(i));
    if (missing >= 0 || markers.some((m) => query.sql.includes(m))) {
      throw new Error(`compileOnce: argument ${missing >= 0 ? missing : '?'} is not used as a value in: ${query.sql}`);
    }
    return { query, from };
  };
  return async (...args: Args) => {
    compiled ??= compile(args.length);
    const { query, from } = compiled;
    const parameters = query.parameters.map((p, j) => (from[j] >= 0 ? args[from[j]] : p));
    const direct = directSqlite.get(db);
    if (direct && !direct.sqlite.inTransaction) {
      const started = direct.log && performance.now();
      const rows = direct.statements.prepare(query.sql).all(parameters) as Row[];
      direct.log?.({ level: 'query', query: { ...query, parameters }, queryDurationMillis: performance.now() - (started as number) });
      return rows;
    }
    return (await db.executeQuery<Row>({ ...query, parameters })).rows;
  };
}

/** `log` hears every statement: the dashboard benchmark and its test count them. */
export async function openDatabase(options: DatabaseOptions, log?: (event: LogEvent) => void): Promise<OpenDatabase> {
  let db: Kysely<Database>;
  if (options.kind === 'sqlite') {
    const sqlite = openSqlite(options.file);
    const statements = cachedStatements(sqlite);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }), log });
    directSqlite.set(db, { sqlite, statements, log });
  } else {
    const pool = new Pool({ connectionString: options.url, max: 10, ...options.pool });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
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
    // A file with a good header can still hold damaged pages, which the migrations are the first to read.
    throw options.kind === 'sqlite' && sqliteCode(err) ? sqliteOpenError(options.file, err) : err;
  }
  return { db, kind: options.kind };
}
