// Builds the bubblewrap command line and the clean environment for one learner's cloud shell (pure: no I/O).
import path from 'node:path';

/** Where things appear inside the sandbox; the learner sees these paths, never the host's. */
export const SANDBOX_HOME = '/home/learner';
export const SANDBOX_RUN_DIR = '/run/verilab';
export const SANDBOX_PROXY_SOCKET = `${SANDBOX_RUN_DIR}/aws.sock`;
export const SANDBOX_HOSTNAME = 'cloudshell';
export const SANDBOX_USER = 'learner';
export const PROXY_PORT = 4566;
/** Verilab's network tools (tools/ beside this file) appear here, their bin/ first on PATH. */
export const VERILAB_TOOLS_MOUNT = '/opt/verilab';
export const INSTANCE_RC = `${VERILAB_TOOLS_MOUNT}/lib/instance.bashrc`;
/** The user of the lab's Amazon Linux instances, as their prompt names it. */
export const INSTANCE_USER = 'ec2-user';

export const BWRAP = '/usr/bin/bwrap';
export const PRLIMIT = '/usr/bin/prlimit';
export const SETPRIV = '/usr/bin/setpriv';

export interface ShellLimits {
  /** RLIMIT_NPROC for the learner's uid: counts every process of that uid on the host, which is why each learner has their own uid. */
  processes: number;
  /** RLIMIT_AS per process, bytes. */
  addressSpaceBytes: number;
  /** RLIMIT_CPU per process, seconds. */
  cpuSeconds: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_FSIZE, bytes: no single file may grow past this (0 = cleanup mode: files can only shrink or go). */
  fileSizeBytes: number;
  /** Size of the RAM-backed /tmp. */
  tmpBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ShellLimits> = Object.freeze({
  processes: 128,
  addressSpaceBytes: 1536 * 1024 * 1024,
  cpuSeconds: 900,
  openFiles: 256,
  fileSizeBytes: 100 * 1024 * 1024,
  tmpBytes: 64 * 1024 * 1024,
});

export interface ShellCommandSpec {
  /** Host path of this learner's home (bound read-write at /home/learner). */
  homeDir: string;
  /** Host path of the proxy socket (bound at /run/verilab/aws.sock). */
  proxySocketPath: string;
  /** Host paths of the generated passwd and group files naming the learner's uid. */
  passwdFile: string;
  groupFile: string;
  /** Directories outside /usr that the AWS CLI needs (its Python prefix); bound read-only at the same path. */
  toolDirs: string[];
  /** Directories prepended to /usr/bin on PATH inside. */
  pathDirs: string[];
  uid: number;
  limits: ShellLimits;
  /** The learner's own AWS identity for the CLI; only ever placed in the environment, never in argv or on disk. */
  credentials: { accessKeyId: string; secretAccessKey: string; region: string };
  /** Verilab's network tools and the Python that runs them (the AWS CLI's, with botocore); absent: a shell without them. */
  verilabTools?: VerilabTools;
  /** Makes this the shell of a lab instance: its host name, prompt and identity for the network tools. Needs verilabTools. */
  instance?: ShellInstance;
}

export interface VerilabTools {
  /** Host path of server/sandbox/shell/tools. */
  dir: string;
  /** Host path of the AWS CLI's Python interpreter, visible inside (under /usr or a tool dir). */
  python: string;
}

export interface ShellInstance {
  instanceId: string;
  privateIp: string;
}

/** EC2's host name for a private address: ip-10-1-0-4 for 10.1.0.4. */
export function instanceHostname(privateIp: string): string {
  return `ip-${privateIp.replace(/\./g, '-')}`;
}

export interface ShellCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** learner@cloudshell:~$ in green and blue, as a learner knows it from AWS CloudShell. */
export const PROMPT = '\\[\\e[1;32m\\]\\u@\\h\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\$ ';

/**
 * Runs as the learner inside the sandbox: the CLI's endpoint is a socat relay from loopback:4566 to the proxy socket
 * (the sandbox has no other network), then the interactive shell replaces this script. max-children bounds the relay's
 * forks, which count against the learner's process limit anyway because socat runs as the learner.
 */
const ENTRY_RELAY = [
  `socat TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr,max-children=16 UNIX-CONNECT:${SANDBOX_PROXY_SOCKET} </dev/null >/dev/null 2>&1 &`,
  'cd "$HOME" || exit 1',
];
export const ENTRY_SCRIPT = [
  ...ENTRY_RELAY,
  // The rc file comes through a pipe, never the disk. In it, not in the environment: bash unsets an inherited PS1 when
  // it runs a script, and resets SIGXFSZ when it starts interactive. Ignoring SIGXFSZ makes a write past the file-size
  // limit fail with "File too large" instead of killing the writer, which would end the whole shell when it is bash (echo >>).
  "exec bash --rcfile <(cat <<'VERILAB_RC'",
  "trap '' XFSZ",
  `PS1='${PROMPT}'`,
  '[ -f ~/.bashrc ] && . ~/.bashrc',
  'VERILAB_RC',
  ') -i',
].join('\n');
/** An instance's shell: the same relay, then the instance's own rc file (its prompt and greeting; it ignores SIGXFSZ too). */
export const INSTANCE_ENTRY_SCRIPT = [...ENTRY_RELAY, `exec bash --rcfile ${INSTANCE_RC} -i`].join('\n');

/** Every directory between / and `dir` (exclusive of /), parents first: bwrap needs each made before a bind below it. */
export function parentDirs(dir: string): string[] {
  const parts = path.resolve(dir).split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => '/' + parts.slice(0, i + 1).join('/'));
}

export function buildShellCommand(spec: ShellCommandSpec): ShellCommand {
  const { limits } = spec;
  if (spec.instance && !spec.verilabTools) throw new Error('an instance shell needs Verilab\'s network tools');
  const toolMounts: string[] = [];
  const made = new Set<string>(['/usr', '/etc', '/home', '/run', '/tmp']);
  const readOnly = (source: string, dest: string) => {
    for (const parent of parentDirs(dest)) {
      if (made.has(parent) || parent.startsWith('/usr/')) continue;
      made.add(parent);
      toolMounts.push('--perms', '0755', '--dir', parent);
    }
    toolMounts.push('--ro-bind', source, dest);
  };
  for (const dir of spec.toolDirs) readOnly(dir, dir);
  if (spec.verilabTools) readOnly(spec.verilabTools.dir, VERILAB_TOOLS_MOUNT);
  const args = [
    // A fresh, empty root: only what is listed here exists inside.
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/sbin', '/sbin',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--perms', '0755', '--dir', '/etc',
    '--ro-bind', '/etc/ssl', '/etc/ssl',
    '--ro-bind', spec.passwdFile, '/etc/passwd',
    '--ro-bind', spec.groupFile, '/etc/group',
    ...toolMounts,
    '--proc', '/proc',
    '--dev', '/dev',
    '--perms', '1777', '--size', String(limits.tmpBytes), '--tmpfs', '/tmp',
    '--perms', '0755', '--dir', '/home',
    '--bind', spec.homeDir, SANDBOX_HOME,
    '--perms', '0755', '--dir', '/run',
    '--perms', '0755', '--dir', SANDBOX_RUN_DIR,
    '--ro-bind', spec.proxySocketPath, SANDBOX_PROXY_SOCKET,
    // No --unshare-user: as root, a user namespace maps the learner to host root, for whom RLIMIT_NPROC is not enforced.
    '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
    // Only what setpriv needs to become the learner; setpriv then drops every capability, inheritable and bounding.
    '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID',
    '--die-with-parent',
    '--hostname', spec.instance ? instanceHostname(spec.instance.privateIp) : SANDBOX_HOSTNAME,
    '--chdir', '/',
    '--',
    PRLIMIT,
    `--nproc=${limits.processes}`,
    `--as=${limits.addressSpaceBytes}`,
    `--cpu=${limits.cpuSeconds}`,
    `--nofile=${limits.openFiles}`,
    `--fsize=${limits.fileSizeBytes}`,
    // core dumps would land in the home and eat the quota
    '--core=0',
    '--',
    SETPRIV,
    `--reuid=${spec.uid}`, `--regid=${spec.uid}`, '--clear-groups',
    '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs',
    '--',
    '/usr/bin/bash', '-c', spec.instance ? INSTANCE_ENTRY_SCRIPT : ENTRY_SCRIPT,
  ];
  return { file: BWRAP, args, env: shellEnvironment(spec) };
}

/** The whole environment of the shell: built from nothing, so none of Verilab's own variables (secrets, DATABASE_URL) leak in. */
export function shellEnvironment(spec: Pick<ShellCommandSpec, 'pathDirs' | 'credentials' | 'verilabTools' | 'instance'>): Record<string, string> {
  const { credentials, instance } = spec;
  // Verilab's tools come first: its aws wraps the real one, its ping, curl, nc and ssh stand in for the real ones.
  const verilabBin = spec.verilabTools ? [`${VERILAB_TOOLS_MOUNT}/bin`] : [];
  return {
    HOME: SANDBOX_HOME,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: '/bin/bash',
    PATH: [...verilabBin, ...spec.pathDirs, '/usr/local/bin', '/usr/bin'].join(':'),
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: credentials.region,
    AWS_REGION: credentials.region,
    // botocore in this CLI honours the standard endpoint variable; the relay above serves it.
    AWS_ENDPOINT_URL: `http://127.0.0.1:${PROXY_PORT}`,
    AWS_PAGER: '',
    ...(spec.verilabTools ? { VERILAB_PYTHON: spec.verilabTools.python } : {}),
    ...(instance
      ? {
          VERILAB_INSTANCE_ID: instance.instanceId,
          VERILAB_INSTANCE_IP: instance.privateIp,
          VERILAB_INSTANCE_HOST: instanceHostname(instance.privateIp),
          VERILAB_INSTANCE_USER: INSTANCE_USER,
        }
      : {}),
  };
}

/** passwd and group lines so the prompt and `id` say "learner" rather than a bare number. */
export function passwdFor(uid: number): { passwd: string; group: string } {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\n${SANDBOX_USER}:x:${uid}:${uid}:Verilab learner:${SANDBOX_HOME}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\n${SANDBOX_USER}:x:${uid}:\nnogroup:x:65534:\n`,
  };
}
