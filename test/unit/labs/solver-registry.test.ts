// The solver registry: the real lab's solutions load, one per step; a solver that does not fit its lab stops start-up.
import path from 'node:path';
import { LabLoadError, loadLabs } from '../../../server/labs/loader';
import { loadSolverRegistry, solverModulePath, type LabSolver } from '../../../server/labs/solver-registry';
import { LABS_DIR } from '../../../server/paths';
import { FIXTURES } from '../../helpers/app';

const mini = loadLabs(path.join(FIXTURES, 'labs-good'));
const solver = (steps: string[]): LabSolver => ({ steps, discover: async () => ({}), missing: () => [], solveStep: async () => undefined });

function problems(load: () => LabSolver | undefined): string[] {
  try {
    loadSolverRegistry(mini, load);
  } catch (err) {
    if (err instanceof LabLoadError) return err.problems.map((p) => `${p.file} | ${p.field} | ${p.message}`);
    throw err;
  }
  return [];
}

describe('solver registry', () => {
  it("real labs: the VPC Flow Logs solver is found in the lab's folder and solves every step of lab.md", () => {
    const labs = loadLabs(LABS_DIR);
    const lab = labs.get('vpc-flow-logs')!;
    expect(solverModulePath(lab)).toBe(path.join(lab.dir, 'solve.ts'));
    const found = loadSolverRegistry(labs).get('vpc-flow-logs');
    expect([...found!.steps].sort()).toEqual(lab.steps.map((s) => s.id).sort());
  });

  it('a lab folder without a solve module has no solver, and that is not an error', () => {
    expect(solverModulePath(mini.labs[0])).toBeUndefined();
    expect(loadSolverRegistry(mini).get('mini')).toBeUndefined();
  });

  it('a read-only lab (checks: false) is never solved', () => {
    const readOnly = loadLabs(path.join(FIXTURES, 'labs-read-only'));
    expect(loadSolverRegistry(readOnly, () => solver(['first', 'second'])).get('reader')).toBeUndefined();
  });

  it('a solver that misses a step or solves an unknown one: one problem each, naming solve.ts and the step', () => {
    expect(problems(() => solver(['first', 'third']))).toEqual([
      'labs/mini/solve.ts | third | solves a step "third" that lab.md does not list',
      'labs/mini/solve.ts | second | has no solution for step "second"',
    ]);
  });

  it('a solver without its functions is refused', () => {
    expect(problems(() => ({ steps: ['first', 'second'] }) as unknown as LabSolver)).toEqual(['labs/mini/solve.ts | solver | must have steps (a list) and discover, missing, solveStep (functions)']);
  });

  it('a solver that fits: found by lab id', () => {
    const fits = solver(['second', 'first']);
    expect(loadSolverRegistry(mini, () => fits).get('mini')).toBe(fits);
  });
});
