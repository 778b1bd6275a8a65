// The check registry: each lab folder's checks module, loaded and validated against the lab's steps at start-up.
import fs from 'node:fs';
import path from 'node:path';
import type { LabChecks, StepCheck } from './check-types';
import { LabLoadError } from './loader';
import type { LabCatalog } from './types';

export interface CheckRegistry {
  /** The step's check, or undefined when the lab has no checks (it is then read-only). */
  get(labId: string, stepId: string): StepCheck | undefined;
  has(labId: string): boolean;
}

/**
 * Lab checks are compiled with the app: `labs/<id>/checks.ts` sits beside the lab's Markdown in the source tree
 * and is built to `dist/labs/<id>/checks.js`, both found from this file as `../../labs/<id>/checks`.
 */
function checksModulePath(labId: string): string | undefined {
  const base = path.resolve(__dirname, '..', '..', 'labs', labId, 'checks');
  return ['.ts', '.js'].map((ext) => base + ext).find((p) => fs.existsSync(p)) ? base : undefined;
}

export function loadCheckRegistry(labs: LabCatalog, load: (labId: string) => LabChecks | undefined = defaultLoad): CheckRegistry {
  const byLab = new Map<string, LabChecks>();
  const problems: { file: string; field?: string; message: string }[] = [];
  for (const lab of labs.labs) {
    const checks = load(lab.id);
    if (!checks) continue;
    const file = `labs/${lab.id}/checks.ts`;
    const stepIds = new Set(lab.steps.map((s) => s.id));
    for (const id of Object.keys(checks)) if (!stepIds.has(id)) problems.push({ file, field: id, message: `checks a step "${id}" that lab.md does not list` });
    for (const id of stepIds) {
      const check = checks[id];
      if (!check) problems.push({ file, field: id, message: `has no check for step "${id}"` });
      else if (typeof check.run !== 'function' || !Array.isArray(check.needs)) problems.push({ file, field: id, message: 'must have needs (a list) and run (a function)' });
    }
    byLab.set(lab.id, checks);
  }
  if (problems.length > 0) throw new LabLoadError(problems);
  return {
    get: (labId, stepId) => byLab.get(labId)?.[stepId],
    has: (labId) => byLab.has(labId),
  };
}

function defaultLoad(labId: string): LabChecks | undefined {
  const modulePath = checksModulePath(labId);
  if (!modulePath) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- labs are plugins found at start-up
  const mod = require(modulePath) as { checks?: LabChecks };
  return mod.checks;
}
