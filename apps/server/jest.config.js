module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'server',
  rootDir: __dirname,
  // Integration tests boot a database; give slow first starts room without hiding hangs.
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/src/test-support/close-leftovers.ts'],
};
