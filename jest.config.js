/**
 * Three projects: `unit` (`*.test.ts` beside their code, pure logic, no
 * servers), `integration` (`*.int.test.ts`, against the real stack, which the
 * global setup finds or reports missing) and `faults` (`*.fault.test.ts`: tests
 * that stop servers; `make test` runs them alone, in band, after the others).
 */
const common = {
  testEnvironment: 'node',
  rootDir: __dirname,
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.local/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
};

const stack = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

module.exports = {
  // two cores, and the stack's servers need one of them
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.(int|fault)\\.test\\.ts$'] },
    { ...common, ...stack, displayName: 'integration', testMatch: ['**/*.int.test.ts'] },
    { ...common, ...stack, displayName: 'faults', testMatch: ['**/*.fault.test.ts'] },
  ],
};
