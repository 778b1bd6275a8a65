import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabLoadError, loadLabs } from '../../../server/labs/loader';
import { INTRO_STEP } from '../../../server/labs/types';
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
      'labs-unclosed/broken/steps/01-alpha.md |  | has an unknown or unclosed ":::" block (tabs, tab, note, tip, warning, solution, aws, sandbox)',
    ]);
  });

  it('missing labs folder: a LabLoadError, not a crash', () => {
    expect(() => loadLabs(path.join(FIXTURES, 'no-such-folder'))).toThrow(LabLoadError);
  });

  it('unclosed sandbox block: reported with its file line in either mode, though aws mode does not show it', () => {
    const root = copyFixture('labs-good');
    const step = path.join(root, 'mini', 'steps', '02-second.md');
    const lines = fs.readFileSync(step, 'utf8').split('\n');
    const at = lines.length + 1;
    fs.appendFileSync(step, '\n::: sandbox\nOnly in the sandbox.\n');
    for (const mode of ['aws', 'sandbox'] as const) {
      expect(problemsAt(root, mode)).toEqual([`${path.basename(root)}/mini/steps/02-second.md |  | has an unclosed "::: sandbox" block (opened on line ${at})`]);
    }
  });

  it('real lab in sandbox mode: every step opens on the AWS CLI tab, and the console note appears once per step', () => {
    const lab = loadLabs(LABS_DIR, { mode: 'sandbox' }).get('vpc-flow-logs')!;
    for (const step of lab.steps) {
      const checked = /<input type="radio" class="tab-radio" name="tabs-1" id="tabs-1-(\d)" checked><label class="tab-label" for="tabs-1-\d">([^<]+)<\/label>/.exec(step.html);
      expect([step.id, checked?.[2]]).toEqual([step.id, 'AWS CLI']);
      expect([step.id, step.html.match(/mode-note/g)?.length]).toEqual([step.id, 1]);
    }
    expect(lab.finish?.html).toContain('mode-note');
  });

  it('real lab in aws mode: the Console tab is checked, and nothing written for the sandbox is shown', () => {
    const aws = loadLabs(LABS_DIR).get('vpc-flow-logs')!;
    const sandbox = loadLabs(LABS_DIR, { mode: 'sandbox' }).get('vpc-flow-logs')!;
    for (const step of aws.steps) {
      expect([step.id, /id="tabs-1-0" checked><label class="tab-label" for="tabs-1-0">Console</.test(step.html)]).toEqual([step.id, true]);
      expect(step.html).not.toContain('mode-sandbox');
      expect(step.html).not.toContain('mode-note');
    }
    // The lab gives the sandbox its own variant somewhere (the SSH and "my IP" blocks cannot run there).
    expect(sandbox.steps.some((s) => s.html.includes('mode-sandbox'))).toBe(true);
    expect(aws.steps.some((s) => s.html.includes('mode-aws'))).toBe(true);
  });
});

describe("lab loader: the introduction's reflections (lab.md)", () => {
  it('real lab: the introduction asks its two prompts, in order', () => {
    const lab = loadLabs(LABS_DIR).get('vpc-flow-logs')!;
    expect(lab.reflections.map((r) => r.id)).toEqual(['seeing-traffic', 'refused-guess']);
    expect(lab.reflections.every((r) => r.prompt.endsWith('?'))).toBe(true);
  });

  it('parsed in order with their prompts; a lab.md without them has none', () => {
    expect(loadLabs(path.join(FIXTURES, 'labs-good')).get('mini')!.reflections).toEqual([]);
    const root = copyFixture('labs-good');
    addToLabFrontMatter(root, ['reflections:', '  - id: before', '    prompt: What do you expect?', '  - id: seen', '    prompt: "  Where have you seen this?  "']);

    const lab = loadLabs(root).get('mini')!;

    expect(lab.reflections).toEqual([
      { id: 'before', prompt: 'What do you expect?' },
      { id: 'seen', prompt: 'Where have you seen this?' },
    ]);
    expect(lab.steps[0].reflections).toEqual([{ id: 'why', prompt: 'Why did you do it?' }]);
  });

  it('duplicate reflection id: names lab.md and the field', () => {
    const root = copyFixture('labs-good');
    addToLabFrontMatter(root, ['reflections:', '  - id: before', '    prompt: What do you expect?', '  - id: before', '    prompt: And again?']);
    expect(problemsAt(root, 'aws')).toEqual([`${path.basename(root)}/mini/lab.md | reflections.1.id | duplicate reflection id "before"`]);
  });

  it('empty or missing prompt: names lab.md and the field', () => {
    const root = copyFixture('labs-good');
    addToLabFrontMatter(root, ['reflections:', '  - id: before', '    prompt: "   "', '  - id: after']);
    expect(problemsAt(root, 'aws')).toEqual([
      `${path.basename(root)}/mini/lab.md | reflections.0.prompt | must not be empty`,
      `${path.basename(root)}/mini/lab.md | reflections.1.prompt | is missing`,
    ]);
  });

  it(`no step or prompt can be called ${INTRO_STEP}, the step id the introduction's answers are stored under`, () => {
    const root = copyFixture('labs-good');
    const labFile = path.join(root, 'mini', 'lab.md');
    fs.writeFileSync(labFile, fs.readFileSync(labFile, 'utf8').replace('steps: [first, second]', `steps: [first, second, ${INTRO_STEP}]`));
    addToLabFrontMatter(root, ['reflections:', `  - id: ${INTRO_STEP}`, '    prompt: Why?']);
    const problems = problemsAt(root, 'aws');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/\/mini\/lab\.md \| steps\.2 \| must be kebab-case/);
    expect(problems[1]).toMatch(/\/mini\/lab\.md \| reflections\.0\.id \| must be kebab-case/);
  });
});

/** Adds front matter lines to the copied mini lab's lab.md, after its steps list. */
function addToLabFrontMatter(root: string, lines: string[]): void {
  const labFile = path.join(root, 'mini', 'lab.md');
  const source = fs.readFileSync(labFile, 'utf8');
  const steps = /^steps: .*$/m.exec(source)!;
  const end = steps.index + steps[0].length;
  fs.writeFileSync(labFile, `${source.slice(0, end)}\n${lines.join('\n')}${source.slice(end)}`);
}

/** A writable copy of a fixture, so a test can break it without touching the shared one. */
function copyFixture(fixture: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verilab-labs-'));
  fs.cpSync(path.join(FIXTURES, fixture), root, { recursive: true });
  return root;
}

function problemsAt(root: string, mode: 'aws' | 'sandbox'): string[] {
  try {
    loadLabs(root, { mode });
  } catch (err) {
    if (err instanceof LabLoadError) return err.problems.map((p) => `${p.file} | ${p.field ?? ''} | ${p.message}`);
    throw err;
  }
  throw new Error(`${root} loaded without problems in ${mode} mode`);
}
