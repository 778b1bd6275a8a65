// Jest runs the TypeScript sources directly through ts-jest; tests mirror server/ under test/.
// tsconfig.json sets isolatedModules, so ts-jest only transpiles each file (fast); `npm run typecheck` does the type-checking.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
};
