module.exports = {
  projects: ['<rootDir>/libs/protocol/jest.config.js', '<rootDir>/apps/server/jest.config.js'],
};
