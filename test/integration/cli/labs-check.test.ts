import path from 'node:path';
import { runCli } from '../../../server/cli';
import { LABS_DIR } from '../../../server/paths';
import { FIXTURES } from '../../helpers/app';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => '' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('verilab labs check', () => {
  it('real lab: exits 0 and lists the steps', async () => {
    const result = await run(['labs', 'check', LABS_DIR]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('ok  vpc-flow-logs: 8 steps');
    expect(result.out).toContain('checked automatically');
  });

  it('broken fixture: exits non-zero and names the file and field', async () => {
    const result = await run(['labs', 'check', path.join(FIXTURES, 'labs-missing-field')]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('labs-missing-field/broken/steps/01-alpha.md: field "goal": is missing');
  });

  it('a lab without checks that does not say checks: false: exits 1 and names lab.md; with checks: false it passes', async () => {
    const missing = await run(['labs', 'check', path.join(FIXTURES, 'labs-good')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('labs/mini/lab.md: field "checks": the lab has no checks module');
    const readOnly = await run(['labs', 'check', path.join(FIXTURES, 'labs-read-only')]);
    expect(readOnly.code).toBe(0);
    expect(readOnly.out).toContain('ok  reader: 2 steps (first, second), no automatic checks');
  });

  it('unknown command: usage and exit 2', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: verilab');
  });
});
