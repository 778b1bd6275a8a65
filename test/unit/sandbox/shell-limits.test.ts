// The cloud shell's per-learner limit: the shell beyond SANDBOX_SHELLS_PER_LEARNER is refused before anything starts, and only for that learner.
import os from 'node:os';
import { CLOSE, SHELL_MESSAGES, ShellRefusal, createShellManager } from '../../../server/sandbox/shell/shell-manager';
import { silentLogger } from '../../helpers/app';

/** A manager whose shells never get past their credentials: the limits are decided before that, which is what is tested. */
function manager(maxShellsPerLearner: number) {
  const asked: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const shells = createShellManager({
    dataDir: os.tmpdir(),
    proxySocketPath: '/nonexistent/aws.sock',
    credentialsFor: async (userId) => {
      asked.push(userId);
      await held;
      throw new Error('not in this test');
    },
    tools: async () => {
      throw new Error('not in this test');
    },
    maxShells: 100,
    maxShellsPerLearner,
    idleMs: 60_000,
    homeQuotaBytes: 1024 * 1024,
    quotaCheckMs: 60_000,
    scrollbackChars: 1000,
    logger: silentLogger,
  });
  return { shells, asked, release };
}

const size = { cols: 80, rows: 24 };

describe('shell manager: shells per learner', () => {
  it('the shell beyond the limit: refused with close code 4429 and the learner\'s limit in words; nothing is started for it', async () => {
    const { shells, asked, release } = manager(2);
    const first = shells.open('learner-a', { fresh: true, ...size });
    const second = shells.open('learner-a', { fresh: true, ...size });
    const third = shells.open('learner-a', { fresh: true, ...size });
    await expect(third).rejects.toBeInstanceOf(ShellRefusal);
    await expect(third).rejects.toMatchObject({ closeCode: CLOSE.TOO_MANY, message: SHELL_MESSAGES.LEARNER_FULL(2) });
    expect(asked).toEqual(['learner-a', 'learner-a']);

    // another learner is not affected
    const other = shells.open('learner-b', { fresh: true, ...size });
    expect(asked).toEqual(['learner-a', 'learner-a', 'learner-b']);
    release();
    await Promise.allSettled([first, second, other]);
  });

  it('a shell that failed to start frees its place', async () => {
    const { shells, asked, release } = manager(1);
    release();
    await expect(shells.open('learner-c', { fresh: true, ...size })).rejects.toMatchObject({ closeCode: CLOSE.FAILED });
    await expect(shells.open('learner-c', { fresh: true, ...size })).rejects.toMatchObject({ closeCode: CLOSE.FAILED });
    expect(asked).toEqual(['learner-c', 'learner-c']);
  });
});
