// Opens a private store per test file: a temporary SQLite file, or a fresh PostgreSQL schema when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openStore, type DatabaseOptions, type Store } from '../../server/store';

export interface TestDatabase {
  options: DatabaseOptions;
  /** Drops the schema or deletes the file. */
  destroy(): Promise<void>;
}

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    return {
      // The schema rides in the URL itself, so code that only sees DATABASE_URL (the CLI) lands in it too.
      options: { kind: 'postgres', url: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, pool: { max: 4 } },
      async destroy() {
        const c = new Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-test-'));
  return {
    options: { kind: 'sqlite', file: path.join(dir, 'verilab.sqlite') },
    async destroy() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openTestStore(): Promise<{ store: Store; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const store = await openStore(database.options);
  return {
    store,
    database,
    async close() {
      await store.close();
      await database.destroy();
    },
  };
}
