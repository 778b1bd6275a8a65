import path from 'node:path';
import { runCli } from '../../../server/cli';
import { openStore } from '../../../server/store';
import { verifyPassword } from '../../../server/auth/passwords';
import { createTestDatabase, type TestDatabase } from '../../helpers/store';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  database = await createTestDatabase();
  // The CLI reads its configuration from the environment, as an operator would set it.
  env = database.options.kind === 'sqlite' ? { DATA_DIR: path.dirname(database.options.file) } : { DATABASE_URL: database.options.url };
});
afterEach(async () => {
  await database.destroy();
});

async function run(args: string[], password: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => password }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('verilab users add', () => {
  it('creates an instructor with the password it read', async () => {
    const result = await run(['users', 'add', '--email', 'Ines@Example.com', '--name', 'Ines', '--instructor', '--password-stdin'], 'a strong password');
    expect(result).toMatchObject({ code: 0, out: 'Created instructor Ines <ines@example.com>.' });
    const store = await openStore(database.options);
    try {
      const user = await store.users.findByEmailWithHash('ines@example.com');
      expect(user?.role).toBe('instructor');
      expect(await verifyPassword(user!.passwordHash, 'a strong password')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('bad values: exit 2 naming the flag; a taken email: exit 1', async () => {
    const short = await run(['users', 'add', '--email', 'a@example.com', '--name', 'A'], 'short');
    expect(short.code).toBe(2);
    expect(short.err).toContain('--password: Password must be at least 10 characters.');
    const noEmail = await run(['users', 'add', '--name', 'A'], 'a strong password');
    expect(noEmail.code).toBe(2);
    expect(noEmail.err).toContain('--email');
    await run(['users', 'add', '--email', 'b@example.com', '--name', 'B'], 'a strong password');
    const again = await run(['users', 'add', '--email', 'b@example.com', '--name', 'B'], 'a strong password');
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
  });
});
