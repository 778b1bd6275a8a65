// `verilab labs test`: the lab's own self-test, in fresh sandbox accounts of a moto server.
import { runCli } from '../../../server/cli';
import { startMoto, type Moto } from '../../helpers/moto';

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(() => moto?.stop());

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['labs', 'test', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readPassword: async () => '' }, env);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('verilab labs test', () => {
  it('vpc-flow-logs: every check fails before its solution and passes after, and every broken variant fails with its hint', async () => {
    const result = await run(['vpc-flow-logs'], { SANDBOX_MOTO_URL: moto.url, PATH: process.env.PATH });
    expect(result.err).toBe('');
    expect(result.out).not.toContain('BAD');
    expect(result.out).toContain('vpc-flow-logs: every step and every broken variant behaved.');
    expect(result.code).toBe(0);
  }, 300_000);

  it('an unknown lab, or no lab: exit 2 and say so', async () => {
    expect(await run(['nope'], { SANDBOX_MOTO_URL: moto.url })).toMatchObject({ code: 2, err: expect.stringContaining('there is no lab "nope"') });
    expect(await run([], {})).toMatchObject({ code: 2, err: 'Usage: verilab labs test LAB [--json]' });
  });
});
