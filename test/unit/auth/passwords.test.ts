// Password rules: what counts as weak (only spaces, one repeated character, a common password), for sign-up and `verilab users add`.
import path from 'node:path';
import { PASSWORD_MESSAGES, passwordWeakness } from '../../../server/auth/passwords';
import { COMMON_PASSWORDS } from '../../../server/auth/common-passwords';
import { runCli } from '../../../server/cli';
import { openStore } from '../../../server/store';
import { signupSchema } from '../../../server/web/auth-router';
import { createTestDatabase, type TestDatabase } from '../../helpers/store';

describe('passwordWeakness', () => {
  it.each([
    ['only spaces', '            ', PASSWORD_MESSAGES.BLANK],
    ['spaces and a tab', '     \t     ', PASSWORD_MESSAGES.BLANK],
    ['one repeated character', 'aaaaaaaaaaaa', PASSWORD_MESSAGES.REPEATED],
    ['one repeated digit', '0000000000', PASSWORD_MESSAGES.REPEATED],
    ['one repeated emoji', '🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', PASSWORD_MESSAGES.REPEATED],
    ['a common password', 'password123', PASSWORD_MESSAGES.COMMON],
    ['a common password in capitals', 'QwertyUiop', PASSWORD_MESSAGES.COMMON],
    ['a common password with spaces around it', '  1234567890  ', PASSWORD_MESSAGES.COMMON],
  ])('%s: refused with a clear message', (_label, password, message) => {
    expect(passwordWeakness(password)).toBe(message);
  });

  it.each(['correct horse battery', 'a long enough password', 'password123 but longer', 'aaaaaaaaab'])('"%s": accepted', (password) => {
    expect(passwordWeakness(password)).toBeUndefined();
  });

  it('the shipped list: a few hundred lowercase entries, no duplicates, the famous ones in it', () => {
    const list = [...COMMON_PASSWORDS];
    expect(list.length).toBeGreaterThan(100);
    expect(list.length).toBeLessThanOrEqual(500);
    expect(list.every((p) => p === p.toLowerCase())).toBe(true);
    for (const famous of ['password', '123456', 'qwerty', 'iloveyou', '1234567890', 'qwertyuiop', 'password123']) expect(COMMON_PASSWORDS.has(famous)).toBe(true);
  });
});

describe('sign-up schema', () => {
  it('a weak password is a field error on password; too short is still said first', () => {
    const weak = signupSchema.safeParse({ email: 'a@example.com', name: 'A', password: 'iloveyou12' });
    expect(weak.success).toBe(false);
    expect(weak.error!.issues.map((i) => [i.path[0], i.message])).toEqual([['password', PASSWORD_MESSAGES.COMMON]]);
    const short = signupSchema.safeParse({ email: 'a@example.com', name: 'A', password: '   ' });
    expect(short.error!.issues[0].message).toBe('Password must be at least 10 characters.');
  });
});

describe('verilab users add', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.destroy());

  it('a weak password: exit 2, the reason named, no account created', async () => {
    const env = database.options.kind === 'sqlite' ? { DATA_DIR: path.dirname(database.options.file) } : { DATABASE_URL: database.options.url };
    for (const [password, message] of [['qwertyuiop', PASSWORD_MESSAGES.COMMON], ['zzzzzzzzzzzz', PASSWORD_MESSAGES.REPEATED]]) {
      const err: string[] = [];
      const code = await runCli(['users', 'add', '--email', 'weak@example.com', '--name', 'Weak', '--password-stdin'], { out: () => undefined, err: (l) => err.push(l), readPassword: async () => password }, env);
      expect(code).toBe(2);
      expect(err.join('\n')).toContain(`--password: ${message}`);
    }
    const store = await openStore(database.options);
    try {
      expect(await store.users.findByEmailWithHash('weak@example.com')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
