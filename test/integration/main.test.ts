// Start-up and shutdown: listening, the private data folder, and failures that stop with one clear line and a non-zero exit.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { runCli } from '../../server/cli';
import { ConfigError, loadConfig } from '../../server/config';
import { ListenError, resolveSessionSecret, start } from '../../server/main';

/** Runs `verilab serve` as npm start does, with its own environment; returns the exit code and what it printed. */
async function serve(env: Record<string, string>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['serve'], { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => '' }, env);
  return { code, out, err };
}

/** A port held by someone else on 127.0.0.1. */
async function takenPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return { port: (holder.address() as net.AddressInfo).port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('main', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-main-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('start: serves on its port, says how to create an instructor, and stops cleanly', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const running = await start({ PORT: '0', DATA_DIR: dir, VERILAB_MODE: 'sandbox' }, { logger });
    const { port } = running.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', labs: 1 });
    expect(lines.join('')).toContain('npx verilab users add --email you@example.com --name \\"Your Name\\" --instructor');
    expect(fs.existsSync(path.join(dir, 'verilab.sqlite'))).toBe(true);
    await running.stop();
    expect(running.server.listening).toBe(false);
    await expect(running.store.ping()).rejects.toThrow();
  });

  it('session secret: generated once into DATA_DIR and reused; required with PostgreSQL', () => {
    const config = loadConfig({ DATA_DIR: dir });
    const first = resolveSessionSecret(config);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(resolveSessionSecret(config)).toBe(first);
    expect(() => resolveSessionSecret(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://x@localhost/db' }))).toThrow(ConfigError);
    expect(resolveSessionSecret(loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40) }))).toBe('s'.repeat(40));
  });

  describe('listening fails', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    beforeEach(() => {
      lines.length = 0;
    });

    it('port already taken on 127.0.0.1: start rejects naming the address; serve prints that one line and exits 1', async () => {
      const taken = await takenPort();
      try {
        const env = { PORT: String(taken.port), HOST: '127.0.0.1', DATA_DIR: dir, VERILAB_MODE: 'aws', LOG_LEVEL: 'silent' };
        const message = `Could not listen on 127.0.0.1:${taken.port}: another program is using the port. Stop it, or set PORT to a free port.`;
        const failure = await start(env, { logger }).then(
          (running) => running.stop().then(() => undefined),
          (err: unknown) => err,
        );
        expect(lines.join('')).not.toContain('Verilab is listening');
        expect((failure as Error | undefined)?.message).toBe(message);
        expect(failure).toBeInstanceOf(ListenError);

        expect(await serve(env)).toEqual({ code: 1, out: [], err: [message] });
      } finally {
        await taken.release();
      }
    });

    it('HOST that does not resolve: start rejects naming the host; serve prints that one line and exits 1', async () => {
      const env = { PORT: '0', HOST: 'verilab-nowhere.invalid', DATA_DIR: dir, VERILAB_MODE: 'aws', LOG_LEVEL: 'silent' };
      const message = 'Could not listen on verilab-nowhere.invalid:0: HOST "verilab-nowhere.invalid" does not resolve to an address. Set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0.';
      const failure = await start(env, { logger }).then(
        (running) => running.stop().then(() => undefined),
        (err: unknown) => err,
      );
      expect(lines.join('')).not.toContain('Verilab is listening');
      expect((failure as Error | undefined)?.message).toBe(message);
      expect(failure).toBeInstanceOf(ListenError);

      expect(await serve(env)).toEqual({ code: 1, out: [], err: [message] });
    });
  });

  describe('files', () => {
    it('DATA_DIR that start-up creates is 0700; the SQLite file, its WAL and SHM are 0600', async () => {
      const data = path.join(dir, 'new', 'data');
      const running = await start({ PORT: '0', DATA_DIR: data, VERILAB_MODE: 'aws', LOG_LEVEL: 'silent' });
      try {
        const file = path.join(data, 'verilab.sqlite');
        // The migrations wrote, so the WAL and its index exist while the database is open.
        expect({ dir: modeOf(data), db: modeOf(file), wal: modeOf(`${file}-wal`), shm: modeOf(`${file}-shm`), secret: modeOf(path.join(data, 'session-secret')) })
          .toEqual({ dir: 0o700, db: 0o600, wal: 0o600, shm: 0o600, secret: 0o600 });
      } finally {
        await running.stop();
      }
    });

    it('a SQLite file an older Verilab left readable by others is narrowed to 0600; a DATA_DIR the operator made keeps its mode', async () => {
      fs.chmodSync(dir, 0o750);
      const file = path.join(dir, 'verilab.sqlite');
      fs.writeFileSync(file, '', { mode: 0o644 });
      fs.chmodSync(file, 0o644);
      const running = await start({ PORT: '0', DATA_DIR: dir, VERILAB_MODE: 'aws', LOG_LEVEL: 'silent' });
      try {
        expect({ dir: modeOf(dir), db: modeOf(file), wal: modeOf(`${file}-wal`) }).toEqual({ dir: 0o750, db: 0o600, wal: 0o600 });
      } finally {
        await running.stop();
      }
    });

    it('a verilab.sqlite that is not a database: start rejects naming the file; serve prints one line, no stack, and exits 1', async () => {
      const file = path.join(dir, 'verilab.sqlite');
      fs.writeFileSync(file, 'these are not the pages of a SQLite database\n'.repeat(200));
      const env = { PORT: '0', DATA_DIR: dir, VERILAB_MODE: 'aws', LOG_LEVEL: 'silent' };
      const message = `Could not open the SQLite database ${file}: it is not a SQLite database, or it is damaged. Restore it from a backup, or move it away to start with an empty one.`;
      await expect(start(env)).rejects.toThrow(message);

      expect(await serve(env)).toEqual({ code: 1, out: [], err: [message] });
      // The file is left as it was, for the operator to look at.
      expect(fs.readFileSync(file, 'utf8')).toMatch(/^these are not the pages/);
    });
  });
});
