module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  moduleNameMapper: { '^@fleetdesk/(.*)$': '<rootDir>/../libs/$1/src' },
  testMatch: ['<rootDir>/**/*.e2e-spec.ts'],
  testTimeout: 60000,
  testEnvironment: '<rootDir>/support/environment.js',
  setupFilesAfterEnv: ['<rootDir>/../apps/server/src/test-support/close-leftovers.ts'],
};
