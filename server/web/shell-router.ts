// The cloud shell page, the learner's instances it can open shells on, and the xterm.js files it loads from node_modules (the WebSocket itself is server/sandbox/shell).
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { ShellService } from '../sandbox/shell';
import { INSTANCE_ID } from '../sandbox/shell/instances';

export const SHELL_PAGE_MESSAGES = {
  AWS_MODE: 'This Verilab works in real AWS accounts, so use AWS CloudShell in the AWS console (the >_ icon in its top bar) for a shell with the AWS CLI.',
  NOT_CONFIGURED: 'The cloud shell is not switched on for this Verilab.',
  USE_LOCAL: 'Meanwhile, use the AWS CLI on your own computer with the profile shown on the Connect page.',
} as const;

/** Only these files are served, by name: nothing else under node_modules is reachable. */
const XTERM_FILES: Record<string, [pkg: string, file: string]> = {
  'xterm.js': ['@xterm/xterm', 'lib/xterm.js'],
  'xterm.css': ['@xterm/xterm', 'css/xterm.css'],
  'addon-fit.js': ['@xterm/addon-fit', 'lib/addon-fit.js'],
};

/** Both packages' main file is lib/<name>.js, so the package root is two levels up, wherever npm placed it. */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(path.dirname(require.resolve(pkg))), file);
}

export interface ShellRouterDeps {
  /** Absent when the operator has not configured the shell; without `instances`, no instance shells are offered. */
  shell?: Pick<ShellService, 'available'> & Partial<Pick<ShellService, 'instances'>>;
  mode: 'sandbox' | 'aws';
}

export async function shellAvailability(deps: ShellRouterDeps): Promise<{ shellAvailable: boolean; shellUnavailableReason: string }> {
  if (deps.mode === 'aws') return { shellAvailable: false, shellUnavailableReason: SHELL_PAGE_MESSAGES.AWS_MODE };
  if (!deps.shell) return { shellAvailable: false, shellUnavailableReason: `${SHELL_PAGE_MESSAGES.NOT_CONFIGURED} ${SHELL_PAGE_MESSAGES.USE_LOCAL}` };
  const a = await deps.shell.available();
  return a.ok ? { shellAvailable: true, shellUnavailableReason: '' } : { shellAvailable: false, shellUnavailableReason: `${a.reason} ${SHELL_PAGE_MESSAGES.USE_LOCAL}` };
}

/** The xterm.js files the shell page loads: open to everyone, like the rest of /static. */
export function shellFilesRouter(): Router {
  const router = Router();
  // A Map, not an object: a name such as __proto__ or toString must find nothing.
  const files = new Map(Object.entries(XTERM_FILES).map(([name, [pkg, file]]) => [name, packageFile(pkg, file)]));
  router.get('/static/vendor/xterm/:file', (req: Request, res: Response, next) => {
    const file = files.get(String(req.params.file));
    if (!file) return next();
    res.sendFile(file, { maxAge: '1h' });
  });
  return router;
}

/** The shell page, mounted at /shell behind requireUser; ?instance=i-... opens the shell of that instance instead. */
export function shellRouter(deps: ShellRouterDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const instance = typeof req.query.instance === 'string' && INSTANCE_ID.test(req.query.instance) ? req.query.instance : '';
    res.render('shell', { title: instance ? `Shell on ${instance}` : 'Cloud shell', shellInstance: instance, ...(await shellAvailability(deps)) });
  });
  router.get('/instances', async (req, res) => {
    res.json({ instances: await runningInstances(deps, req.user!.id) });
  });
  return router;
}

/** What the Connect list offers: the learner's running instances, read from their sandbox account. */
async function runningInstances(deps: ShellRouterDeps, userId: string) {
  if (!deps.shell?.instances || !(await shellAvailability(deps)).shellAvailable) return [];
  const all = await deps.shell.instances(userId);
  return all
    .filter((i) => i.state === 'running' && i.privateIp)
    .map((i) => ({ instanceId: i.instanceId, name: i.name, privateIp: i.privateIp, publicIp: i.publicIp, hostname: i.hostname }));
}
