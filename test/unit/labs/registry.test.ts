import path from 'node:path';
import type { LabChecks } from '../../../server/labs/check-types';
import { LabLoadError, loadLabs } from '../../../server/labs/loader';
import { checksModulePath, loadCheckRegistry } from '../../../server/labs/registry';
import { LABS_DIR } from '../../../server/paths';
import { FIXTURES } from '../../helpers/app';

const mini = loadLabs(path.join(FIXTURES, 'labs-good'));
const check = { needs: [], run: () => ({ passed: true, checks: [], evidence: {} }) };

function problems(checks: LabChecks): string[] {
  try {
    loadCheckRegistry(mini, () => checks);
  } catch (err) {
    if (err instanceof LabLoadError) return err.problems.map((p) => `${p.file} | ${p.field} | ${p.message}`);
    throw err;
  }
  return [];
}

describe('check registry', () => {
  it('real labs: the VPC Flow Logs checks load, one per step', () => {
    const registry = loadCheckRegistry(loadLabs(LABS_DIR));
    expect(registry.has('vpc-flow-logs')).toBe(true);
    for (const id of ['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights']) expect(registry.get('vpc-flow-logs', id)?.needs.length).toBeGreaterThan(0);
  });

  it('a lab that says checks: false is read-only, not an error', () => {
    const registry = loadCheckRegistry(loadLabs(path.join(FIXTURES, 'labs-read-only')));
    expect(registry.has('reader')).toBe(false);
    expect(registry.get('reader', 'first')).toBeUndefined();
  });

  it('a lab without a checks module that does not say checks: false: an error naming lab.md and the field', () => {
    expect(() => loadCheckRegistry(mini)).toThrow(LabLoadError);
    try {
      loadCheckRegistry(mini);
    } catch (err) {
      expect((err as LabLoadError).problems).toEqual([expect.objectContaining({ file: 'labs/mini/lab.md', field: 'checks', message: expect.stringContaining('say checks: false') })]);
    }
  });

  it('checks: false in lab.md and a checks module in the folder: the contradiction is an error', () => {
    const both = loadLabs(path.join(FIXTURES, 'labs-contradiction'));
    expect(() => loadCheckRegistry(both)).toThrow(/says checks: false, but the lab folder has a checks module/);
  });

  it('checks are found in the lab\'s own folder: a copy of the real lab elsewhere loads its own checks', () => {
    const real = loadLabs(LABS_DIR).labs[0];
    expect(checksModulePath(real)).toBe(path.join(real.dir, 'checks.ts'));
    expect(checksModulePath({ dir: path.join(FIXTURES, 'labs-good', 'mini') })).toBeUndefined();
  });

  it('a step without a check, a check for an unknown step, a malformed check: each named with file and step', () => {
    expect(problems({ first: check, extra: check })).toEqual([
      'labs/mini/checks.ts | extra | checks a step "extra" that lab.md does not list',
      'labs/mini/checks.ts | second | has no check for step "second"',
    ]);
    expect(problems({ first: check, second: { needs: 'vpcs' } as never })).toEqual(['labs/mini/checks.ts | second | must have needs (a list) and run (a function)']);
  });
});
