import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ConfigError } from '../../server/config';
import { resolveSessionSecret, start } from '../../server/main';
import { loadConfig } from '../../server/config';

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
});
