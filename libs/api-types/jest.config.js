module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'api-types',
  rootDir: __dirname,
};
