// What the benchmarks share: percentiles, child processes started and stopped, forms submitted as a browser would, and
// processes' memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The repository's root (the scripts run from dist-scripts/scripts/). */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Terminal colour and cursor sequences, removed before looking for a shell's prompt. */
export const ANSI_ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

/** The value below which `p` percent of `sorted` (ascending) lie. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis));

/** Starts a child process from the repository's root and resolves once `readyUrl` answers 200 (90 s at most). */
export async function startChild(command: string, args: string[], env: NodeJS.ProcessEnv, readyUrl: string, stdout: 'ignore' | number = 'ignore'): Promise<ChildProcess> {
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode}`);
    try {
      if ((await fetch(readyUrl)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  child.kill('SIGKILL');
  throw new Error(`${readyUrl} did not answer in 90 s`);
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** The cookies a browser would hold after `res`: the old ones, replaced by any of the same name that were set. */
export function mergeCookies(cookie: string, res: Response): string {
  const fresh = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const names = new Set(fresh.map((c) => c.split('=')[0]));
  return [...cookie.split('; ').filter((c) => c && !names.has(c.split('=')[0])), ...fresh].join('; ');
}

/**
 * Opens a form page and submits its form as a browser would (its CSRF token and cookies), expecting the 303 that follows
 * a sign-up or sign-in. Returns the browser's cookies afterwards.
 */
export async function submitForm(base: string, page: string, fields: Record<string, string>): Promise<string> {
  const form = await fetch(`${base}${page}`);
  let cookie = mergeCookies('', form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token) throw new Error(`${page} has no form with a CSRF token`);
  const res = await fetch(`${base}${page}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  });
  if (res.status !== 303) throw new Error(`POST ${page} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  cookie = mergeCookies(cookie, res);
  return cookie;
}

/** Every process below `pid`, from the parent ids in /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone already
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/**
 * The TCP ports a process listens on, from its socket inodes and /proc/net/tcp: a moto started without a port
 * binds one of its own, which its command line does not show.
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const socket = /^socket:\[(\d+)\]$/.exec(target);
      if (socket) inodes.add(socket[1]);
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st ... inode: state 0A is LISTEN.
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

/**
 * Memory (kB) of the given processes: resident size (which counts shared library pages in every process) and
 * proportional set size (which splits shared pages among their users).
 */
export function memoryKb(pids: number[]): { count: number; rss: number; pss: number } {
  let count = 0;
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      count += 1;
    } catch {
      // gone already
    }
  }
  return { count, rss, pss };
}
