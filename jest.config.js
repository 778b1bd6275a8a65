// Jest runs the TypeScript sources directly through ts-jest; tests mirror server/ under test/.
// tsconfig.json sets isolatedModules, so ts-jest only transpiles each file (fast); `npm run typecheck` does the type-checking.
const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default is one worker fewer than the cores: a single worker on a 2-core machine. Much of the suite waits on
  // moto, cloud shells and browsers rather than the CPU, so two workers keep both cores busy there.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
};
