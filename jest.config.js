module.exports = {
  projects: [
    '<rootDir>/libs/protocol/jest.config.js',
    '<rootDir>/libs/api-types/jest.config.js',
    '<rootDir>/apps/agent/jest.config.js',
    '<rootDir>/apps/server/jest.config.js',
    '<rootDir>/apps/console/jest.config.cjs',
    '<rootDir>/test/jest.config.js',
  ],
  // Global-only option: integration tests boot a database, which can take seconds on 2 cores.
  testTimeout: 60000,
  // Name this run's test databases, and drop any a failed test file left behind.
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  globalTeardown: '<rootDir>/scripts/jest-global-teardown.js',
};
