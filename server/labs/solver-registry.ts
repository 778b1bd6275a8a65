// The solver registry: each lab folder's solve module (a solution per step), loaded and validated against the lab's steps at start-up.
import type { AwsClients } from '../verify/aws-session';
import { LabLoadError } from './loader';
import { labModulePath } from './registry';
import type { Lab, LabCatalog } from './types';

/**
 * A lab's solutions: what a lab's solve module exports as `solver`. Verilab runs them in a learner's sandbox account for
 * Skip and Rebuild, after finding what the learner built by hand, so each solution makes only what is missing.
 */
export interface LabSolver<State = unknown> {
  /** The steps that have a solution (the order is lab.md's). */
  steps: readonly string[];
  /** Reads the account and finds what the lab's steps made there, however they were made. */
  discover(clients: AwsClients, options: { now: Date }): Promise<State>;
  /** The earlier steps whose work the step's solution needs and the state lacks, in lab order; empty when it can run. */
  missing(stepId: string, state: State): string[];
  /** Performs one step in the account and adds what it made to the state. */
  solveStep(clients: AwsClients, stepId: string, state: State, options: { now: Date }): Promise<void>;
}

export interface SolverRegistry {
  /** The lab's solver, or undefined when the lab folder has no solve module (Skip and Rebuild are then not offered). */
  get(labId: string): LabSolver | undefined;
}

/** A lab's solve module: solve.js, or solve.ts from sources. Production builds may leave it out. */
export function solverModulePath(lab: Pick<Lab, 'dir'>): string | undefined {
  return labModulePath(lab, 'solve');
}

function defaultLoad(lab: Lab): LabSolver | undefined {
  const modulePath = solverModulePath(lab);
  if (!modulePath) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- labs are plugins found at start-up
  return (require(modulePath) as { solver?: LabSolver }).solver;
}

/** Loads every lab's solver; a solver that misses a step, solves an unknown one or lacks a function stops start-up. */
export function loadSolverRegistry(labs: LabCatalog, load: (lab: Lab) => LabSolver | undefined = defaultLoad): SolverRegistry {
  const byLab = new Map<string, LabSolver>();
  const problems: { file: string; field?: string; message: string }[] = [];
  for (const lab of labs.labs) {
    if (!lab.checks) continue;
    const solver = load(lab);
    if (!solver) continue;
    const file = `labs/${lab.id}/solve.ts`;
    const functions = ['discover', 'missing', 'solveStep'] as const;
    const broken = functions.filter((f) => typeof solver[f] !== 'function');
    if (broken.length > 0 || !Array.isArray(solver.steps)) {
      problems.push({ file, field: 'solver', message: `must have steps (a list) and ${functions.join(', ')} (functions)` });
      continue;
    }
    const stepIds = new Set(lab.steps.map((s) => s.id));
    for (const id of solver.steps) if (!stepIds.has(id)) problems.push({ file, field: id, message: `solves a step "${id}" that lab.md does not list` });
    for (const id of stepIds) if (!solver.steps.includes(id)) problems.push({ file, field: id, message: `has no solution for step "${id}"` });
    byLab.set(lab.id, solver);
  }
  if (problems.length > 0) throw new LabLoadError(problems);
  return { get: (labId) => byLab.get(labId) };
}
