// The `verilab` command: serve, and the lab author's `labs check`.
import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { LabLoadError, formatProblem, loadLabs } from './labs/loader';

const USAGE = `Usage: verilab <command> [options]

Commands:
  serve                 start the web app (same as npm start)
  labs check [dir]      validate lab content (default: the configured labs folder)
  help                  show this message
`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

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
