// A failed start-up in sandbox mode stops what it had started: moto is gone and no proxy socket is left behind.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { start } from '../../server/main';

// Starting moto takes a few seconds on a busy machine.
jest.setTimeout(120_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-startup-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe('start-up in sandbox mode', () => {
  it('port already taken: rejects naming the address, after stopping the moto it started; no socket is left', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    try {
      const failure = await start({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, VERILAB_MODE: 'sandbox' }, { logger }).then(
        (running) => running.stop().then(() => undefined),
        (err: unknown) => err,
      );
      const log = lines.map((l) => JSON.parse(l) as { msg: string; url?: string });
      expect(log.map((l) => l.msg)).not.toContainEqual(expect.stringContaining('Verilab is listening'));
      expect((failure as Error | undefined)?.message).toBe(`Could not listen on 127.0.0.1:${port}: another program is using the port. Stop it, or set PORT to a free port.`);

      const moto = log.find((l) => l.msg === 'sandbox: moto server is ready')?.url;
      expect(moto).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await answers(moto!)).toBe(false);
      expect(fs.existsSync(path.join(dir, 'sandbox', 'run', 'aws.sock'))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('the sandbox cannot be assembled after moto started (its socket folder is a file): start-up fails and moto is stopped', async () => {
    fs.writeFileSync(path.join(dir, 'sandbox'), 'not a folder');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const failure = await start({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, VERILAB_MODE: 'sandbox' }, { logger }).then(
      (running) => running.stop().then(() => undefined),
      (err: unknown) => err,
    );
    expect((failure as { message?: string } | undefined)?.message).toMatch(/ENOTDIR|not a directory/);
    const moto = lines.map((l) => JSON.parse(l) as { msg: string; url?: string }).find((l) => l.msg === 'sandbox: moto server is ready')?.url;
    expect(moto).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await answers(moto!)).toBe(false);
  });
});
