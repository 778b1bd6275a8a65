// moto server as a child process on a loopback port of its own (or a given one): started, waited for, reset and stopped (tests, benchmarks, sandbox).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface MotoProcess {
  url: string;
  port: number;
  pid?: number;
  /** Settles when the process ends, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface StartMotoOptions {
  command?: string;
  startTimeoutMs?: number;
  /** Listen on this port (a restart keeps its port, so clients need not learn a new URL); one moto binds itself when absent. */
  port?: number;
  /** Each line moto prints (it logs every request to stderr). */
  onLine?: (line: string) => void;
}

/** werkzeug's start-up line, which names the port moto really listens on. */
const RUNNING_ON = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

export async function startMoto(options: StartMotoOptions = {}): Promise<MotoProcess> {
  const command = options.command ?? 'moto_server';
  // Without a port, moto binds port 0 and says which port it got: picking a free port first and handing it
  // over would leave a moment in which another process (another moto, even) could take it.
  const child: ChildProcess = spawn(command, ['-H', '127.0.0.1', '-p', String(options.port ?? 0)], { stdio: ['ignore', options.onLine ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  let partial = '';
  let announce: (port: number) => void = () => undefined;
  const announced = new Promise<number>((resolve) => (announce = resolve));
  const onData = (d: Buffer) => {
    const text = d.toString();
    stderr = (stderr + text).slice(-2000);
    const running = RUNNING_ON.exec(stderr);
    if (running) announce(Number(running[1]));
    if (!options.onLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) options.onLine(line.trimEnd());
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`${command} could not be started (is moto 5.2 installed?): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`${command} exited with code ${code}: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${command} did not say it was listening within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
  });
  let port: number;
  try {
    port = await Promise.race([announced, failed, tooLate]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ready = await Promise.race([
      fetch(`${url}/moto-api/data.json`).then((r) => r.ok, () => false),
      failed,
    ]);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not answer on ${url} within the start timeout: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid,
    exited,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** SDK middleware placing requests in one moto account (moto routes by this header when it has no key for the account). */
export function inMotoAccount<T>(client: T, accountId: string): T {
  // Every SDK v3 client has the same middleware stack shape.
  (client as unknown as { middlewareStack: { add: (mw: unknown, opts: unknown) => void } }).middlewareStack.add(
    (next: (args: { request: { headers: Record<string, string> } }) => Promise<unknown>) => async (args: { request: { headers: Record<string, string> } }) => {
      args.request.headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}
