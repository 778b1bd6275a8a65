// compileOnce: a read compiled at its first call and run with each call's own arguments, on SQLite and PostgreSQL.
import { sql, type Kysely, type LogEvent } from 'kysely';
import { compileOnce, openDatabase } from '../../../server/store/db';
import type { Database, Role } from '../../../server/store/schema';
import { createTestDatabase, type TestDatabase } from '../../helpers/store';

let database: TestDatabase;
let db: Kysely<Database>;
const statements: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  ({ db } = await openDatabase(database.options, (event: LogEvent) => {
    if (event.level === 'query') statements.push(event.query.sql);
  }));
  const at = new Date().toISOString();
  for (const [id, role] of [['u1', 'learner'], ['u2', 'learner'], ['u3', 'instructor']] as const) {
    await db.insertInto('users').values({ id, email: `${id}@example.com`, name: `Name ${id}`, password_hash: 'x', role, created_at: at }).execute();
  }
});
afterAll(async () => {
  await db.destroy();
  await database.destroy();
});

test("each call runs the same SQL with its own arguments, and the query's own values stay", async () => {
  const byRole = compileOnce(db, (role: Role, notId: string) =>
    db.selectFrom('users').select(['id']).where('role', '=', role).where('id', '!=', notId).orderBy('id').limit(5),
  );
  statements.length = 0;
  expect(await byRole('learner', 'none')).toEqual([{ id: 'u1' }, { id: 'u2' }]);
  expect(await byRole('learner', 'u1')).toEqual([{ id: 'u2' }]);
  expect(await byRole('instructor', 'none')).toEqual([{ id: 'u3' }]);
  // A value that looks like SQL is a value.
  expect(await byRole("learner' or '1'='1" as Role, 'none')).toEqual([]);
  expect(new Set(statements).size).toBe(1);
  expect(statements).toHaveLength(4);
});

test('an argument used twice is put in both places', async () => {
  const either = compileOnce(db, (id: string) => db.selectFrom('users').select(['id']).where((eb) => eb.or([eb('id', '=', id), eb('email', '=', id)])));
  expect(await either('u2')).toEqual([{ id: 'u2' }]);
  expect(await either('u3@example.com')).toEqual([{ id: 'u3' }]);
});

test('an argument that is not a value of the query is refused at the first call', async () => {
  const unused = compileOnce(db, (_id: string) => db.selectFrom('users').select(['id']));
  await expect(unused('u1')).rejects.toThrow(/argument 0 is not used as a value/);
  const inText = compileOnce(db, (column: string) => db.selectFrom('users').select(sql.ref(column).as('x')));
  await expect(inText('id')).rejects.toThrow(/is not used as a value/);
});

test('a read made while a transaction is open never sees what the transaction writes and then takes back', async () => {
  const byId = compileOnce(db, (id: string) => db.selectFrom('users').select(['id']).where('id', '=', id));
  let read: Promise<{ id: string }[]> | undefined;
  await expect(
    db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values({ id: 'u9', email: 'u9@example.com', name: 'Name u9', password_hash: 'x', role: 'learner', created_at: new Date().toISOString() }).execute();
      read = byId('u9');
      // Give a read that went around the transaction every chance to run before it ends.
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('taken back');
    }),
  ).rejects.toThrow('taken back');
  expect(await read).toEqual([]);
  expect(await byId('u1')).toEqual([{ id: 'u1' }]);
});
