// Drops every PostgreSQL database this jest run created and did not drop: a test file whose
// afterAll never ran (a crash, a timeout, a killed worker) must not leave one behind.
const { Client } = require('pg');

module.exports = async () => {
  const run = process.env.FLEETDESK_TEST_RUN;
  const url = process.env.TEST_DATABASE_URL;
  if (!run || !url || !/^[a-z0-9]{1,24}$/.test(run)) return;
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    console.warn(`test teardown: cannot reach ${url} to drop leftover databases: ${error}`);
    return;
  }
  try {
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 ESCAPE '!'",
      [`fleetdesk!_t!_${run}!_%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    if (rows.length > 0) {
      console.warn(`test teardown: dropped ${rows.length} database(s) left by this run`);
    }
  } finally {
    await client.end();
  }
};
