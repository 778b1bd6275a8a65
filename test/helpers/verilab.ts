// Verilab for a browser test file: started as `npm start` would start it on a fresh clone (sandbox mode, SQLite in its
// own DATA_DIR, moto started by Verilab), on a free loopback port, with its log silenced.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { start, type Running } from '../../server/main';
import { freePort } from '../../server/sandbox/moto-process';

export interface SandboxVerilab {
  base: string;
  running: Running;
  /** Stops Verilab (and its moto and shells) and removes its data directory. */
  stop(): Promise<void>;
}

/** `name` labels the data directory; `env` adds to or overrides the settings (a shorter check rate limit, say). */
export async function startSandboxVerilab(name: string, env: Record<string, string> = {}): Promise<SandboxVerilab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `verilab-e2e-${name}-`));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  try {
    const running = await start({ PORT: String(port), PUBLIC_URL: base, DATA_DIR: dir, VERILAB_MODE: 'sandbox', LOG_LEVEL: 'silent', ...env }, { logger: pino({ level: 'silent' }) });
    return {
      base,
      running,
      async stop() {
        await running.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
