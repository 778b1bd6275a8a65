// The PostgreSQL pass of CI runs the test files that open a store; this checks that the filter picks them by what they
// import, and leaves out the ones that never reach the database.
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const filter = require('../store-backed.js') as ((paths: string[]) => { filtered: { test: string }[] }) & { reachesStore(file: string): boolean };

const TEST_DIR = path.resolve(__dirname, '..');
const file = (relative: string) => path.join(TEST_DIR, relative);

describe('the store-backed test filter', () => {
  it.each([
    'integration/store/store.test.ts', // opens the store helper itself
    'integration/web/auth.test.ts', // through the app helper
    'integration/sandbox/accounts.test.ts', // through the sandbox helper
    'e2e/class-grid-live.test.ts', // the live grid across instances: LISTEN/NOTIFY on PostgreSQL
  ])('keeps %s', (relative) => {
    expect(filter.reachesStore(file(relative))).toBe(true);
  });

  it.each([
    'e2e/sandbox-whole-lab.test.ts', // starts Verilab on its embedded SQLite
    'integration/sandbox/proxy.test.ts', // moto helper only
    'integration/labs/cli-blocks.test.ts',
    'unit/labs/kit/cidr.test.ts',
  ])('leaves out %s', (relative) => {
    expect(filter.reachesStore(file(relative))).toBe(false);
  });

  it('answers jest with the kept paths, in the shape --filter expects', () => {
    const kept = filter([file('integration/store/store.test.ts'), file('unit/labs/kit/cidr.test.ts')]);
    expect(kept).toEqual({ filtered: [{ test: file('integration/store/store.test.ts') }] });
  });

  it('follows the helpers: the app helper opens stores; the moto helper, which shares only keys with it, does not', () => {
    expect(filter.reachesStore(file('helpers/app.ts'))).toBe(true);
    expect(filter.reachesStore(file('helpers/moto.ts'))).toBe(false);
  });
});
