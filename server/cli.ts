// The `verilab` command: serve, and the lab author's `labs check`.
import { parseArgs } from 'node:util';
import { PASSWORD_MAX, PASSWORD_MIN, hashPassword } from './auth/passwords';
import { loadConfig } from './config';
import { LabLoadError, formatProblem, loadLabs } from './labs/loader';
import { databaseOptions, openStore } from './store';
import { signupSchema } from './web/auth-router';

const USAGE = `Usage: verilab <command> [options]

Commands:
  serve                 start the web app (same as npm start)
  labs check [dir]      validate lab content (default: the configured labs folder)
  users add --email E --name N [--instructor] [--password-stdin]
                        create an account; asks for the password, or reads it from stdin
  help                  show this message
`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads the password: all of stdin, or a prompt without echo on a terminal. */
  readPassword: (fromStdin: boolean) => Promise<string>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new Error('no terminal to ask for the password on: use --password-stdin');
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(value));
          if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      const done = (fn: () => void) => {
        stdin.off('data', onData);
        process.stdout.write('\n');
        fn();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

const consoleIo: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  readPassword: async (fromStdin) => {
    if (fromStdin) return readAll(process.stdin);
    const first = await promptHidden('Password: ');
    const again = await promptHidden('Password again: ');
    if (first !== again) throw new Error('the two passwords differ');
    return first;
  },
};

export async function usersAdd(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, name: { type: 'string' }, instructor: { type: 'boolean', default: false }, 'password-stdin': { type: 'boolean', default: false } },
  });
  if (positionals.length > 0) {
    io.err(`Unexpected argument "${positionals[0]}". Usage: verilab users add --email E --name N [--instructor] [--password-stdin]`);
    return 2;
  }
  const password = await io.readPassword(values['password-stdin'] ?? false);
  const parsed = signupSchema.safeParse({ email: values.email ?? '', name: values.name ?? '', password });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) io.err(`--${String(issue.path[0])}: ${issue.message}`);
    if (parsed.error.issues.some((i) => i.path[0] === 'password')) io.err(`(passwords are ${PASSWORD_MIN} to ${PASSWORD_MAX} characters)`);
    return 2;
  }
  const store = await openStore(databaseOptions(loadConfig(env)));
  try {
    const role = values.instructor ? 'instructor' : 'learner';
    const user = await store.users.create({ email: parsed.data.email, name: parsed.data.name, passwordHash: await hashPassword(parsed.data.password), role });
    if (!user) {
      io.err(`An account with the email ${parsed.data.email} already exists.`);
      return 1;
    }
    io.out(`Created ${role} ${user.name} <${user.email}>.`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function labsCheck(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const dir = positionals[0] ?? loadConfig().labsDir;
  try {
    const catalog = loadLabs(dir);
    for (const lab of catalog.labs) io.out(`ok  ${lab.id}: ${lab.steps.length} steps (${lab.steps.map((s) => s.id).join(', ')})`);
    return 0;
  } catch (err) {
    if (!(err instanceof LabLoadError)) throw err;
    io.err(`Lab content has ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}:`);
    for (const p of err.problems) io.err(`  ${formatProblem(p)}`);
    return 1;
  }
}

export async function runCli(argv: string[], io: Io = consoleIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { serve } = await import('./main');
        return await serve();
      }
      case 'users':
        if (rest[0] === 'add') return await usersAdd(rest.slice(1), io);
        io.err(`Unknown users command "${rest[0] ?? ''}".\n\n${USAGE}`);
        return 2;
      case 'labs':
        if (rest[0] === 'check') return await labsCheck(rest.slice(1), io);
        io.err(`Unknown labs command "${rest[0] ?? ''}".\n\n${USAGE}`);
        return 2;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.err(`verilab: ${(err as Error).message}`);
    return 2;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
