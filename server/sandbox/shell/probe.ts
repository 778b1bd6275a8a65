// Finds the tools a cloud shell needs (bwrap, setpriv, prlimit, socat, the AWS CLI and its Python) and whether isolation works here.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT_DIR } from '../../paths';
import { BWRAP, PRLIMIT, SETPRIV, type VerilabTools } from './bwrap-command';

const run = promisify(execFile);

/** Verilab's network tools: not TypeScript, so tsc leaves them here and dist/ finds them through the project root. */
export const SHELL_TOOLS_DIR = path.join(ROOT_DIR, 'server', 'sandbox', 'shell', 'tools');

export const PROBE_MESSAGES = {
  NO_BWRAP: 'The cloud shell needs bubblewrap (bwrap), which is not installed on this server.',
  NO_TOOL: (tool: string) => `The cloud shell needs ${tool}, which is not installed on this server.`,
  NO_AWS: 'The AWS CLI is not installed on this server, so the cloud shell would have nothing to run.',
  NO_NETWORK_TOOLS: `The cloud shell's network tools (${path.join('server', 'sandbox', 'shell', 'tools')}) or the AWS CLI's Python are missing on this server.`,
  NOT_ROOT: 'The cloud shell needs Verilab to run as root, to give each learner their own unprivileged user inside the sandbox.',
  DATA_VISIBLE: 'DATA_DIR lies inside a folder the sandbox shows to learners; move it before enabling the cloud shell.',
  ISOLATION_FAILED: 'This server cannot create the isolated sandbox the cloud shell needs (bubblewrap could not create its namespaces).',
} as const;

export interface ShellTools {
  /** Read-only binds outside /usr that the AWS CLI needs (a pyenv Python prefix). */
  toolDirs: string[];
  /** Directories put first on PATH inside the sandbox. */
  pathDirs: string[];
  /** Verilab's ping, curl, nc, ssh and aws wrapper, run by the AWS CLI's Python. */
  verilabTools: VerilabTools;
}

/** Looks `name` up on a PATH the way a shell would, returning the first executable file. */
export function whichSync(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(':').filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The interpreter named on a script's #! line (`#!/usr/bin/env python3` resolved on PATH). */
export function shebangInterpreter(script: string, searchPath?: string): string | undefined {
  let head: string;
  try {
    const fd = fs.openSync(script, 'r');
    const buf = Buffer.alloc(256);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    head = buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  }
  const match = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (!match) return undefined;
  if (path.basename(match[1]) === 'env' && match[2]) return whichSync(match[2], searchPath);
  return match[1];
}

/**
 * The real `aws` script: pyenv's shim is a bash script that asks pyenv which version to run, which would need pyenv
 * itself (and its config under /root) inside the sandbox, so we resolve it here once instead.
 */
export async function resolveAws(searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const found = whichSync('aws', searchPath);
  if (!found) return undefined;
  const real = fs.realpathSync(found);
  const head = fs.readFileSync(real, { encoding: 'utf8', flag: 'r' }).slice(0, 2000);
  if (!head.includes('pyenv')) return real;
  const pyenv = whichSync('pyenv', searchPath) ?? path.join(path.dirname(path.dirname(real)), 'bin', 'pyenv');
  try {
    const { stdout } = await run(pyenv, ['which', 'aws'], { timeout: 10_000 });
    return fs.realpathSync(stdout.trim());
  } catch {
    return undefined;
  }
}

/** The binds and PATH the sandbox needs for this AWS CLI: its own bin directory, and its Python's prefix if outside /usr. */
export function toolsFor(awsPath: string, searchPath?: string): Omit<ShellTools, 'verilabTools'> {
  const dirs = new Set<string>();
  const pathDirs = [path.dirname(awsPath)];
  for (const file of [awsPath, shebangInterpreter(awsPath, searchPath)]) {
    if (!file) continue;
    const real = fs.realpathSync(file);
    if (real.startsWith('/usr/')) continue;
    // <prefix>/bin/<file>: bind the whole prefix (its lib/ holds libpython and site-packages)
    dirs.add(path.dirname(path.dirname(real)));
  }
  // a prefix inside another is covered by the outer bind
  const toolDirs = [...dirs].filter((d) => ![...dirs].some((o) => o !== d && d.startsWith(o + '/')));
  return { toolDirs, pathDirs };
}

export type ProbeResult = { ok: true; tools: ShellTools } | { ok: false; reason: string };

/** Static checks first (cheap, specific reasons), then the caller tries one real sandbox. */
export async function findTools(dataDir: string): Promise<ProbeResult> {
  if (!fs.existsSync(BWRAP)) return { ok: false, reason: PROBE_MESSAGES.NO_BWRAP };
  for (const tool of [SETPRIV, PRLIMIT, '/usr/bin/socat']) {
    if (!fs.existsSync(tool)) return { ok: false, reason: PROBE_MESSAGES.NO_TOOL(path.basename(tool)) };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: PROBE_MESSAGES.NOT_ROOT };
  const aws = await resolveAws();
  if (!aws) return { ok: false, reason: PROBE_MESSAGES.NO_AWS };
  // The tools need botocore, which only the AWS CLI's own Python is sure to have.
  const python = shebangInterpreter(aws);
  if (!python || !fs.existsSync(python) || !fs.existsSync(path.join(SHELL_TOOLS_DIR, 'bin', 'verilab-net'))) return { ok: false, reason: PROBE_MESSAGES.NO_NETWORK_TOOLS };
  const tools: ShellTools = { ...toolsFor(aws), verilabTools: { dir: SHELL_TOOLS_DIR, python: fs.realpathSync(python) } };
  const data = path.resolve(dataDir);
  if (['/usr', '/etc/ssl', SHELL_TOOLS_DIR, ...tools.toolDirs].some((d) => data === d || data.startsWith(d + '/'))) {
    return { ok: false, reason: PROBE_MESSAGES.DATA_VISIBLE };
  }
  return { ok: true, tools };
}
