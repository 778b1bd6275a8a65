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
  });

  it('broken fixture: exits non-zero and names the file and field', async () => {
    const result = await run(['labs', 'check', path.join(FIXTURES, 'labs-missing-field')]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('labs-missing-field/broken/steps/01-alpha.md: field "goal": is missing');
  });

  it('unknown command: usage and exit 2', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: verilab');
  });
});
