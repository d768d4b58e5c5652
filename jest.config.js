/** Unit and integration tests. The action's end-to-end tests run the bundled dist/ as a child process. */
module.exports = {
  // jest's node environment; its workers exit as soon as their event loop drains (see the file)
  testEnvironment: '<rootDir>/scripts/jest-environment.cjs',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true } }],
  },
  testTimeout: 60000,
  // Tests share one dockerd and one registry; two workers match the 2-core machines this runs on.
  maxWorkers: 2,
  verbose: false,
  // after jest's own summary: every skipped test with why (__tests__/helpers/skip.ts puts the reason in its title)
  reporters: ['default', '<rootDir>/scripts/jest-skip-reporter.cjs'],
};
