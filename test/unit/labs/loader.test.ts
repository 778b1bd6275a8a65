import path from 'node:path';
import { LabLoadError, loadLabs } from '../../../server/labs/loader';
import { LABS_DIR } from '../../../server/paths';
import { FIXTURES } from '../../helpers/app';

function problemsOf(fixture: string): string[] {
  try {
    loadLabs(path.join(FIXTURES, fixture));
  } catch (err) {
    if (err instanceof LabLoadError) return err.problems.map((p) => `${p.file} | ${p.field ?? ''} | ${p.message}`);
    throw err;
  }
  throw new Error(`${fixture} loaded without problems`);
}

describe('lab loader', () => {
  it('real labs: the VPC Flow Logs lab loads with its eight steps in order', () => {
    const lab = loadLabs(LABS_DIR).get('vpc-flow-logs');
    expect(lab?.steps.map((s) => s.id)).toEqual(['vpcs', 'instances', 'flow-logs', 'iam-role', 'ping', 'peering', 'routes', 'insights']);
    expect(lab?.steps.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lab?.finish?.html).toContain('<h2');
  });

  it('good fixture: loads, renders once and numbers the steps', () => {
    const catalog = loadLabs(path.join(FIXTURES, 'labs-good'));
    const lab = catalog.get('mini')!;
    expect(lab.title).toBe('Mini lab');
    expect(lab.steps.map((s) => [s.number, s.id])).toEqual([[1, 'first'], [2, 'second']]);
    expect(lab.steps[0].hintsHtml[1]).toContain('<code>aws ec2 create-vpc</code>');
    expect(lab.steps[0].reflections).toEqual([{ id: 'why', prompt: 'Why did you do it?' }]);
    expect(lab.steps[1].reflections).toEqual([]);
    expect(catalog.get('nope')).toBeUndefined();
  });

  it('a single lab folder can be loaded too', () => {
    expect(loadLabs(path.join(FIXTURES, 'labs-good', 'mini')).labs.map((l) => l.id)).toEqual(['mini']);
  });

  it('missing field: names the step file and the field', () => {
    expect(problemsOf('labs-missing-field')).toEqual(['labs-missing-field/broken/steps/01-alpha.md | goal | is missing']);
  });

  it('unknown step id in steps: names lab.md and the list entry', () => {
    expect(problemsOf('labs-unknown-step')).toEqual([
      'labs-unknown-step/broken/lab.md | steps.1 | lists step "beta" but there is no steps/NN-beta.md',
    ]);
  });

  it('duplicate step id: names the second file and the field', () => {
    expect(problemsOf('labs-duplicate-id')).toEqual([
      'labs-duplicate-id/broken/steps/02-alpha.md | id | duplicate step id "alpha" (also in labs-duplicate-id/broken/steps/01-alpha.md)',
    ]);
  });

  it('step file not listed in steps: names the file and lab.md\'s steps field', () => {
    expect(problemsOf('labs-unlisted-step')).toEqual([
      'labs-unlisted-step/broken/steps/02-gamma.md | steps | step "gamma" is not listed in lab.md',
    ]);
  });

  it('bad value and unknown field in lab.md: both reported', () => {
    const problems = problemsOf('labs-bad-lab');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^labs-bad-lab\/broken\/lab\.md \| level \| .*beginner/);
    expect(problems[1]).toBe('labs-bad-lab/broken/lab.md | colour | is not a known field');
  });

  it('invalid YAML: names the file and where the YAML broke', () => {
    const problems = problemsOf('labs-bad-yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^labs-bad-yaml\/broken\/steps\/01-alpha\.md \| {2}\| front matter is not valid YAML: .*line 2/);
  });

  it('unknown container: names the file', () => {
    expect(problemsOf('labs-unclosed')).toEqual([
      'labs-unclosed/broken/steps/01-alpha.md |  | has an unknown or unclosed ":::" block (tabs, tab, note, tip, warning, solution)',
    ]);
  });

  it('missing labs folder: a LabLoadError, not a crash', () => {
    expect(() => loadLabs(path.join(FIXTURES, 'no-such-folder'))).toThrow(LabLoadError);
  });
});
