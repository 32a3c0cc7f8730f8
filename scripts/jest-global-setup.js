// One id per `jest` run, inherited by every worker: TestDatabase puts it in the name of each
// PostgreSQL database it creates (fleetdesk_t_<run>_...), so jest-global-teardown.js can drop
// exactly this run's databases, even those of a test file that crashed.
const { randomBytes } = require('node:crypto');

module.exports = async () => {
  if (!process.env.FLEETDESK_TEST_RUN) {
    process.env.FLEETDESK_TEST_RUN = Date.now().toString(36) + randomBytes(3).toString('hex');
  }
};
