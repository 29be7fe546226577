/**
 * Two projects: `unit` (`*.test.ts` beside their code, pure logic, no servers)
 * and `integration` (`*.int.test.ts`, against the real stack, which the global
 * setup finds or reports missing).
 */
const common = {
  testEnvironment: 'node',
  rootDir: __dirname,
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.local/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
};

module.exports = {
  // two cores, and the stack's servers need one of them
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
