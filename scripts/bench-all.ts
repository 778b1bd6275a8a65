// `npm run bench`: every benchmark in turn, each in its own process (so one's memory and JIT do not colour the next),
// its output as it comes, then one table of every figure that has a target. Exits 0 when they all ran, met or not.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const BENCHES = ['bench-pages', 'bench-class', 'bench-dashboard', 'bench-verify', 'bench-sandbox'];

function run(name: string): Promise<{ lines: string[]; code: number | null; seconds: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      process.stdout.write(chunk);
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.on('close', (code) => resolve({ lines: rest ? [...lines, rest] : lines, code, seconds: (Date.now() - started) / 1000 }));
  });
}

async function main() {
  console.log(`benchmarks on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
  const summary: string[] = [];
  let failed = 0;
  for (const name of BENCHES) {
    console.log(`--- ${name}`);
    const { lines, code, seconds } = await run(name);
    if (code !== 0) failed += 1;
    const targets = lines.filter((l) => /target/i.test(l)).map((l) => l.trim().replace(/\s{2,}/g, '  '));
    summary.push(`${name} (${seconds.toFixed(0)} s${code === 0 ? '' : `, exited ${code}`})`, ...(targets.length ? targets.map((t) => `  ${t}`) : ['  (no figure with a target)']));
    console.log('');
  }
  console.log('=== summary: every figure with a target');
  for (const line of summary) console.log(line);
  if (failed) {
    console.log(`${failed} benchmark(s) did not run to the end`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
