// The check registry: each lab folder's checks module, loaded and validated against the lab's steps at start-up.
import fs from 'node:fs';
import path from 'node:path';
import type { GatherDeclaration, LabChecks, StepCheck } from './check-types';
import { LabLoadError } from './loader';
import { ROOT_DIR } from '../paths';
import type { Lab, LabCatalog } from './types';

export interface CheckRegistry {
  /** The step's check, or undefined when the lab has no checks (it is then read-only). */
  get(labId: string, stepId: string): StepCheck | undefined;
  has(labId: string): boolean;
  /** What the lab declares the gatherer should read (its checks module's `gather`); undefined for the defaults. */
  gather(labId: string): GatherDeclaration | undefined;
  /** The lab's clean-up check (its checks module's `cleanup`): passes when nothing the lab made is left. */
  cleanup(labId: string): StepCheck | undefined;
}

/** Running from TypeScript sources (tests, ts-node): a lab's checks.ts can be required as it is. */
const RUNNING_FROM_SOURCE = __filename.endsWith('.ts');

/**
 * A module of a lab (`checks`, `solve`), found in the lab's own folder (wherever LABS_DIR puts it): NAME.js, or NAME.ts
 * when running from sources. The labs shipped with Verilab are compiled with the app, so a built Verilab finds their
 * NAME.js at the same place under dist/ as the folder has under the project root.
 */
export function labModulePath(lab: Pick<Lab, 'dir'>, name: string): string | undefined {
  const candidates = [path.join(lab.dir, `${name}.js`)];
  if (RUNNING_FROM_SOURCE) candidates.push(path.join(lab.dir, `${name}.ts`));
  const relative = path.relative(ROOT_DIR, lab.dir);
  if (!RUNNING_FROM_SOURCE && !relative.startsWith('..') && !path.isAbsolute(relative)) candidates.push(path.join(ROOT_DIR, 'dist', relative, `${name}.js`));
  return candidates.find((file) => fs.existsSync(file));
}

/** A lab's checks module: checks.js, or checks.ts from sources (see labModulePath). */
export function checksModulePath(lab: Pick<Lab, 'dir'>): string | undefined {
  return labModulePath(lab, 'checks');
}

/** True when the lab folder holds a checks module in any form (compiled or not), for the `checks: false` consistency rule. */
function hasChecksSource(lab: Pick<Lab, 'dir'>): boolean {
  return ['checks.ts', 'checks.js'].some((f) => fs.existsSync(path.join(lab.dir, f)));
}

export function loadCheckRegistry(
  labs: LabCatalog,
  load: (lab: Lab) => LabChecks | undefined = defaultLoad,
  loadGather: (lab: Lab) => GatherDeclaration | undefined = load === defaultLoad ? defaultLoadGather : () => undefined,
  loadCleanup: (lab: Lab) => StepCheck | undefined = load === defaultLoad ? (l) => checksModule(l)?.cleanup : () => undefined,
): CheckRegistry {
  const byLab = new Map<string, LabChecks>();
  const gatherByLab = new Map<string, GatherDeclaration>();
  const cleanupByLab = new Map<string, StepCheck>();
  const problems: { file: string; field?: string; message: string }[] = [];
  for (const lab of labs.labs) {
    const file = `labs/${lab.id}/checks.ts`;
    if (!lab.checks) {
      if (load === defaultLoad && hasChecksSource(lab)) problems.push({ file: `labs/${lab.id}/lab.md`, field: 'checks', message: 'says checks: false, but the lab folder has a checks module; remove one or the other' });
      continue;
    }
    const checks = load(lab);
    if (!checks) {
      problems.push({ file: `labs/${lab.id}/lab.md`, field: 'checks', message: 'the lab has no checks module (checks.ts exporting `checks`); write one, or say checks: false for a read-only lab' });
      continue;
    }
    const stepIds = new Set(lab.steps.map((s) => s.id));
    for (const id of Object.keys(checks)) if (!stepIds.has(id)) problems.push({ file, field: id, message: `checks a step "${id}" that lab.md does not list` });
    for (const id of stepIds) {
      const check = checks[id];
      if (!check) problems.push({ file, field: id, message: `has no check for step "${id}"` });
      else if (typeof check.run !== 'function' || !Array.isArray(check.needs)) problems.push({ file, field: id, message: 'must have needs (a list) and run (a function)' });
    }
    byLab.set(lab.id, checks);
    const gather = loadGather(lab);
    if (gather !== undefined && (typeof gather !== 'object' || gather === null)) problems.push({ file, field: 'gather', message: 'must be an object' });
    else if (gather) gatherByLab.set(lab.id, gather);
    const cleanup = loadCleanup(lab);
    if (cleanup !== undefined && (typeof cleanup.run !== 'function' || !Array.isArray(cleanup.needs))) problems.push({ file, field: 'cleanup', message: 'must have needs (a list) and run (a function)' });
    else if (cleanup) cleanupByLab.set(lab.id, cleanup);
  }
  if (problems.length > 0) throw new LabLoadError(problems);
  return {
    get: (labId, stepId) => byLab.get(labId)?.[stepId],
    has: (labId) => byLab.has(labId),
    gather: (labId) => gatherByLab.get(labId),
    cleanup: (labId) => cleanupByLab.get(labId),
  };
}

function checksModule(lab: Lab): { checks?: LabChecks; gather?: GatherDeclaration; cleanup?: StepCheck } | undefined {
  const modulePath = checksModulePath(lab);
  if (!modulePath) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- labs are plugins found at start-up
  return require(modulePath) as { checks?: LabChecks; gather?: GatherDeclaration; cleanup?: StepCheck };
}

function defaultLoad(lab: Lab): LabChecks | undefined {
  return checksModule(lab)?.checks;
}

function defaultLoadGather(lab: Lab): GatherDeclaration | undefined {
  return checksModule(lab)?.gather;
}
