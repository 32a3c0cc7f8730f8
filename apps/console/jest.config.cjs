// The console's pure helpers (no DOM, no React): match finding, level colouring, the virtual
// list's window maths, the forms' rules. Pages are covered by the browser tests in test/.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'console',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
