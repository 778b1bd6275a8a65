// Unit tests for the cloud shell's bwrap command line, environment and home measurement: the isolation is in the argv.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildShellCommand, DEFAULT_LIMITS, parentDirs, type ShellCommandSpec } from '../../../server/sandbox/shell/bwrap-command';
import { measureHome, overQuota, quotaMessage } from '../../../server/sandbox/shell/home-quota';

function spec(overrides: Partial<ShellCommandSpec> = {}): ShellCommandSpec {
  return {
    homeDir: '/data/sandbox/homes/user-a',
    proxySocketPath: '/data/run/aws.sock',
    passwdFile: '/data/sandbox/etc/61000/passwd',
    groupFile: '/data/sandbox/etc/61000/group',
    toolDirs: ['/root/.pyenv/versions/3.11.7'],
    pathDirs: ['/root/.pyenv/versions/3.11.7/bin'],
    uid: 61000,
    limits: DEFAULT_LIMITS,
    credentials: { accessKeyId: 'AKIALEARNER', secretAccessKey: 'learner-secret', region: 'eu-west-1' },
    ...overrides,
  };
}

/** The value after each occurrence of `flag` in argv. */
function after(args: string[], flag: string, count = 1): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + count));
  });
  return out;
}

describe('cloud shell bwrap command', () => {
  it('isolation flags: every namespace but the user one, die-with-parent, only SETUID/SETGID kept for setpriv', () => {
    const { file, args } = buildShellCommand(spec());
    expect(file).toBe('/usr/bin/bwrap');
    const bwrapArgs = args.slice(0, args.indexOf('--'));
    for (const flag of ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent']) {
      expect(bwrapArgs).toContain(flag);
    }
    // a user namespace would map the learner to host root, whom RLIMIT_NPROC does not bind
    expect(bwrapArgs).not.toContain('--unshare-user');
    expect(bwrapArgs).not.toContain('--unshare-all');
    expect(after(bwrapArgs, '--cap-add').map((v) => v[0]).sort()).toEqual(['CAP_SETGID', 'CAP_SETUID']);
    expect(after(bwrapArgs, '--hostname')).toEqual([['cloudshell']]);
  });

  it('mounts: the learner\'s own home read-write, tools read-only, the proxy socket, and nothing of DATA_DIR besides', () => {
    const { args } = buildShellCommand(spec());
    expect(after(args, '--bind', 2)).toEqual([['/data/sandbox/homes/user-a', '/home/learner']]);
    const ro = after(args, '--ro-bind', 2);
    expect(ro).toContainEqual(['/usr', '/usr']);
    expect(ro).toContainEqual(['/root/.pyenv/versions/3.11.7', '/root/.pyenv/versions/3.11.7']);
    expect(ro).toContainEqual(['/data/run/aws.sock', '/run/verilab/aws.sock']);
    const fromData = [...ro, ...after(args, '--bind', 2)].filter(([src]) => src.startsWith('/data/'));
    expect(fromData.map(([, dest]) => dest).sort()).toEqual(['/etc/group', '/etc/passwd', '/home/learner', '/run/verilab/aws.sock']);
    expect(args.join(' ')).toContain('--perms 1777 --size 67108864 --tmpfs /tmp');
    // parent directories of the pyenv bind exist before it
    expect(args.join(' ')).toContain('--perms 0755 --dir /root --perms 0755 --dir /root/.pyenv --perms 0755 --dir /root/.pyenv/versions --ro-bind');
  });

  it('home path: per learner, so two learners never share a bind', () => {
    const a = buildShellCommand(spec()).args;
    const b = buildShellCommand(spec({ homeDir: '/data/sandbox/homes/user-b', uid: 61001 })).args;
    expect(after(a, '--bind', 2)[0][0]).not.toBe(after(b, '--bind', 2)[0][0]);
    expect(b).toContain('--reuid=61001');
  });

  it('limits and identity: prlimit then setpriv to the learner\'s uid with every capability dropped', () => {
    const { args } = buildShellCommand(spec({ limits: { ...DEFAULT_LIMITS, fileSizeBytes: 1234 } }));
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner[0]).toBe('/usr/bin/prlimit');
    expect(inner).toEqual(expect.arrayContaining(['--nproc=128', `--as=${1536 * 1024 * 1024}`, '--cpu=900', '--nofile=256', '--fsize=1234', '--core=0']));
    const setpriv = inner.slice(inner.indexOf('/usr/bin/setpriv'));
    expect(setpriv).toEqual(expect.arrayContaining(['--reuid=61000', '--regid=61000', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs']));
    expect(setpriv.slice(-3, -1)).toEqual(['/usr/bin/bash', '-c']);
  });

  it('environment: built from nothing; the learner\'s keys only in env, never in argv; none of Verilab\'s variables', () => {
    process.env.DATABASE_URL = 'postgres://verilab:hunter2@db/verilab';
    try {
      const { args, env } = buildShellCommand(spec());
      expect(Object.keys(env).sort()).toEqual(
        ['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_PAGER', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'HOME', 'LANG', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'].sort(),
      );
      expect(env).toMatchObject({ AWS_SECRET_ACCESS_KEY: 'learner-secret', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_PAGER: '', HOME: '/home/learner' });
      expect(env.PATH).toBe('/root/.pyenv/versions/3.11.7/bin:/usr/local/bin:/usr/bin');
      expect(JSON.stringify(env)).not.toContain('hunter2');
      // argv is visible to every host user in ps; the secret must not be in it
      expect(args.join(' ')).not.toContain('learner-secret');
    } finally {
      delete process.env.DATABASE_URL;
    }
  });

  it('parentDirs: every ancestor, outermost first', () => {
    expect(parentDirs('/root/.pyenv/versions/3.11.7')).toEqual(['/root', '/root/.pyenv', '/root/.pyenv/versions']);
  });
});

describe('cloud shell home quota', () => {
  it('measureHome: counts blocks of nested files, ignores what a symlink points at, names the largest file', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-quota-'));
    try {
      fs.mkdirSync(path.join(home, 'sub'));
      fs.writeFileSync(path.join(home, 'sub', 'big.bin'), Buffer.alloc(200 * 1024, 1));
      fs.writeFileSync(path.join(home, 'small.txt'), 'x');
      fs.symlinkSync('/usr', path.join(home, 'usr-link'));
      const usage = await measureHome(home);
      expect(usage.bytes).toBeGreaterThanOrEqual(200 * 1024);
      expect(usage.bytes).toBeLessThan(300 * 1024);
      expect(usage.largest[0].path).toBe(path.join('sub', 'big.bin'));
      expect(overQuota(usage, 100 * 1024)).toBe(true);
      expect(overQuota(usage, 1024 * 1024)).toBe(false);
      expect(quotaMessage(usage, 100 * 1024)).toMatch(/over its 100\.0 KiB quota[\s\S]*~\/sub\/big\.bin/);
      const capped = await measureHome(home, 2);
      expect(capped.truncated).toBe(true);
      expect(overQuota(capped, 1024 * 1024 * 1024)).toBe(true);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
