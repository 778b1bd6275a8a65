// Cloud shell end to end on this machine: real bwrap, real PTY, real AWS CLI against moto through a stand-in proxy.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createShellService, type ShellOptions, type ShellService } from '../../../server/sandbox/shell';
import { silentLogger } from '../../helpers/app';
import { startMoto, type Moto } from '../../helpers/moto';

const ORIGIN = 'http://verilab.test';

/** Learner ids, their moto accounts and their own uids; the access key names the account so the proxy can route it. */
function learner(n: number) {
  const accountId = String(100000000000 + n);
  return { id: `learner-${n}`, accountId, shellUid: 61100 + n, accessKeyId: `AKIATEST${accountId}`, secretAccessKey: `secret-${n}` };
}

/**
 * Stands in for Verilab's signing proxy (written elsewhere): forwards each request to moto in the account that the
 * request's access key names, as the real one will after checking the signature.
 */
async function startProxy(socketPath: string, motoUrl: string): Promise<{ close(): Promise<void> }> {
  const target = new URL(motoUrl);
  const server = http.createServer((req, res) => {
    const account = /Credential=AKIATEST(\d{12})\//.exec(String(req.headers.authorization))?.[1];
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, ...(account ? { 'x-moto-account-id': account } : {}) } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Harness {
  url: string;
  dataDir: string;
  service: ShellService;
  close(): Promise<void>;
}

/** A shell service on an HTTP server of its own; the fake authenticate trusts an x-test-user header. */
async function startHarness(socketPath: string, dataDir: string, overrides: Partial<ShellOptions> = {}): Promise<Harness> {
  const service = createShellService({
    dataDir,
    proxySocketPath: socketPath,
    credentialsFor: async (userId) => {
      const n = Number(/^learner-(\d+)$/.exec(userId)?.[1]);
      const l = learner(n);
      return { accountId: l.accountId, accessKeyId: l.accessKeyId, secretAccessKey: l.secretAccessKey, region: 'us-east-1', shellUid: l.shellUid };
    },
    authenticate: async (req) => {
      const id = req.headers['x-test-user'];
      return typeof id === 'string' ? { id } : undefined;
    },
    allowedOrigin: ORIGIN,
    maxShells: 10,
    logger: silentLogger,
    ...overrides,
  });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  service.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/shell/ws`,
    dataDir,
    service,
    async close() {
      await service.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Terminal output without colour, bracketed-paste and other escapes, and with plain \n line ends. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

/** Drives one terminal: everything received is kept as text, and waits are for patterns in it. */
class Terminal {
  output = '';
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.output += data.toString('utf8');
      this.waiters.forEach((w) => w());
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiters.forEach((w) => w());
    });
  }

  static open(url: string, user: string | undefined, opts: { origin?: string; query?: string } = {}): Promise<Terminal> {
    const headers: Record<string, string> = {};
    if (user) headers['x-test-user'] = user;
    const ws = new WebSocket(url + (opts.query ?? '?cols=160&rows=40'), { headers, origin: opts.origin ?? ORIGIN });
    const term = new Terminal(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(term));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Resolves when `pattern` appears in the output after `from`; the offset to search from next is returned. */
  waitFor(pattern: RegExp, timeoutMs = 20_000, from = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(this.output.slice(from));
        if (m) {
          done();
          resolve(from + m.index + m[0].length);
        } else if (this.closed) {
          done();
          reject(new Error(`closed (${this.closed.code}) before ${pattern}; output:\n${this.output.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}; output:\n${this.output.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  waitClosed(timeoutMs = 20_000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not closed; output:\n${this.output.slice(-2000)}`)), timeoutMs);
      const check = () => {
        if (this.closed) {
          clearTimeout(timer);
          resolve(this.closed);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text, 'utf8'));
  }

  private marks = 0;
  /**
   * Runs a command and returns what it printed. The end marker is computed by the shell ($((…))), so the echo of the
   * typed line never matches it.
   */
  async run(command: string, timeoutMs = 20_000): Promise<string> {
    this.marks += 1;
    const n = this.marks;
    const start = this.output.length;
    this.type(`${command}; echo "__done${n}_$((${n}*1000+7))__"\r`);
    const end = await this.waitFor(new RegExp(`__done${n}_${n * 1000 + 7}__`), timeoutMs, start);
    return plain(this.output.slice(start, end));
  }

  close(): void {
    this.ws.close();
  }
}

// ---- the tests -------------------------------------------------------------------------------------------------

let moto: Moto;
let proxy: { close(): Promise<void> };
let socketDir: string;
let socketPath: string;
let dataDir: string;
let h: Harness;
const QUOTA = 4 * 1024 * 1024;

beforeAll(async () => {
  moto = await startMoto();
  socketDir = tempDir('verilab-shell-sock-');
  socketPath = path.join(socketDir, 'aws.sock');
  proxy = await startProxy(socketPath, moto.url);
  dataDir = tempDir('verilab-shell-data-');
  // a secret of Verilab's own that must not reach the shell
  process.env.VERILAB_SHELL_TEST_SECRET = 'do-not-leak-4f2a';
  h = await startHarness(socketPath, dataDir, { homeQuotaBytes: QUOTA, quotaCheckMs: 500 });
  expect(await h.service.available()).toEqual({ ok: true });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await proxy?.close();
  await moto?.stop();
  delete process.env.VERILAB_SHELL_TEST_SECRET;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(socketDir, { recursive: true, force: true });
});

async function prompt(term: Terminal): Promise<void> {
  await term.waitFor(/learner@cloudshell[^\n]*\$ /);
}

describe('cloud shell (real bwrap, real PTY)', () => {
  it('aws sts get-caller-identity: prints the learner\'s own account, and the shell is an unprivileged learner with a clean environment', async () => {
    const me = learner(1);
    const opened = Date.now();
    const term = await Terminal.open(h.url, me.id);
    await prompt(term);
    const promptMs = Date.now() - opened;
    expect(await term.run('aws sts get-caller-identity --query Account --output text', 30_000)).toMatch(new RegExp(`\n${me.accountId}\n`));
    expect(await term.run('id -un; id -u')).toMatch(new RegExp(`\nlearner\n${me.shellUid}\n`));
    const env = await term.run('env | grep -c VERILAB_SHELL_TEST_SECRET; grep -c CapEff:.0000000000000000 /proc/self/status');
    expect(env).toMatch(/\n0\n1\n/);
    const st = fs.statSync(path.join(dataDir, 'sandbox', 'homes', me.id));
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(me.shellUid);
    term.close();
    console.log(`cloud shell: WebSocket open to first prompt ${promptMs} ms`);
  }, 60_000);

  it('isolation: DATA_DIR, other homes, /etc/shadow, moto\'s port and the outside are all out of reach', async () => {
    const me = learner(2);
    const other = learner(3);
    const otherTerm = await Terminal.open(h.url, other.id);
    await prompt(otherTerm);
    await otherTerm.run('echo private > ~/note.txt');
    const term = await Terminal.open(h.url, me.id);
    await prompt(term);
    const otherHome = path.join(dataDir, 'sandbox', 'homes', other.id);
    const out = await term.run(
      [
        `ls ${dataDir} >/dev/null 2>&1 && echo DATA-VISIBLE || echo data-hidden`,
        `cat ${otherHome}/note.txt >/dev/null 2>&1 && echo OTHER-VISIBLE || echo other-hidden`,
        'cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-VISIBLE || echo shadow-hidden',
        `timeout 5 bash -c 'echo > /dev/tcp/127.0.0.1/${moto.port}' 2>/dev/null && echo MOTO-REACHED || echo moto-unreachable`,
        `timeout 5 curl -s -o /dev/null http://127.0.0.1:${moto.port}/ && echo MOTO-CURL || echo moto-curl-failed`,
        "timeout 5 bash -c 'echo > /dev/tcp/1.1.1.1/80' 2>/dev/null && echo OUTSIDE-REACHED || echo outside-unreachable",
        'ls /home',
      ].join('; '),
      30_000,
    );
    for (const word of ['data-hidden', 'other-hidden', 'shadow-hidden', 'moto-unreachable', 'moto-curl-failed', 'outside-unreachable']) {
      expect(out).toContain(word);
    }
    expect(out).toMatch(/\nlearner\n/);
    term.close();
    otherTerm.close();
  }, 60_000);

  it('fork bomb: contained to the learner\'s uid, reports "Resource temporarily unavailable"; Verilab and other shells keep working', async () => {
    const me = learner(4);
    const term = await Terminal.open(h.url, me.id);
    await prompt(term);
    term.type(':(){ :|:& };:\r');
    await term.waitFor(/Resource temporarily unavailable/, 30_000);
    // the server process can still fork, and another learner still gets a working shell
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('/usr/bin/echo', ['still-forking']).toString()).toBe('still-forking\n');
    const other = await Terminal.open(h.url, learner(5).id);
    await prompt(other);
    expect(await other.run('echo ok-$((20+22))')).toContain('ok-42');
    other.close();
    // ending the shell kills every process left in its pid namespace, so the same learner can start afresh
    term.ws.send(JSON.stringify({ type: 'terminate' }));
    expect((await term.waitClosed()).code).toBe(4000);
    const again = await Terminal.open(h.url, me.id);
    await prompt(again);
    expect(await again.run('echo back-$((40+2)); ps -e --no-headers | wc -l')).toMatch(/back-42\n\s*[1-9]\n/);
    again.close();
  }, 90_000);

  it('home quota: a file bigger than the quota fails, the shell says so and stops; the next shell is a cleanup shell where rm works', async () => {
    const me = learner(6);
    const term = await Terminal.open(h.url, me.id);
    await prompt(term);
    term.type('head -c 8M /dev/zero > big.bin\r');
    await term.waitFor(/File too large/);
    await term.waitFor(/over its 4\.0 MiB quota[\s\S]*big\.bin/);
    expect((await term.waitClosed()).code).toBe(4413);
    const cleanup = await Terminal.open(h.url, me.id);
    await cleanup.waitFor(/cleanup shell/);
    await prompt(cleanup);
    expect(await cleanup.run('echo more >> big.bin; echo grow-$?')).toMatch(/File too large\ngrow-1\n/);
    expect(await cleanup.run('rm big.bin && echo removed-$((1+1))')).toContain('removed-2');
    cleanup.close();
    expect(fs.existsSync(path.join(dataDir, 'sandbox', 'homes', me.id, 'big.bin'))).toBe(false);
    // Verilab is unharmed: the service still counts and serves shells
    expect(h.service.count()).toBeGreaterThan(0);
  }, 60_000);

  it('reattach: after a disconnect the learner gets the same shell back, with the screen replayed', async () => {
    const me = learner(7);
    const first = await Terminal.open(h.url, me.id);
    await prompt(first);
    await first.run('export SECRET_WORD=pelican');
    first.close();
    await first.waitClosed();
    const second = await Terminal.open(h.url, me.id);
    await second.waitFor(/export SECRET_WORD=pelican/, 5000); // the replayed scrollback
    expect(await second.run('echo "word=$SECRET_WORD"')).toContain('word=pelican');
    second.close();
  }, 60_000);

  it('per-server limit: the shell beyond SANDBOX_MAX_SHELLS gets a clear message and close code 4429', async () => {
    const small = await startHarness(socketPath, dataDir, { maxShells: 1 });
    try {
      const a = await Terminal.open(small.url, learner(8).id);
      await prompt(a);
      const b = await Terminal.open(small.url, learner(9).id);
      expect((await b.waitClosed()).code).toBe(4429);
      expect(b.output).toContain('All 1 cloud shells on this server are in use');
      a.close();
    } finally {
      await small.close();
    }
  }, 60_000);

  it('persistence: a file written in the home is there in a new shell after the old one ended', async () => {
    const me = learner(10);
    const first = await Terminal.open(h.url, me.id);
    await prompt(first);
    await first.run('echo kept-$((3*3)) > ~/keep.txt');
    first.type('exit\r');
    expect((await first.waitClosed()).code).toBe(4000);
    const second = await Terminal.open(h.url, me.id);
    await prompt(second);
    expect(await second.run('cat ~/keep.txt')).toContain('kept-9');
    second.close();
  }, 60_000);

  it('upgrade guards: another Origin is refused with 403; no session gets a sign-in message and close 4401', async () => {
    await expect(Terminal.open(h.url, learner(11).id, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const anon = await Terminal.open(h.url, undefined);
    expect((await anon.waitClosed()).code).toBe(4401);
    expect(anon.output).toContain('Please sign in');
  });
});
