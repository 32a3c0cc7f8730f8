// Drops every PostgreSQL database this jest run created and did not drop: a test file whose
// afterAll never ran (a crash, a timeout, a killed worker) must not leave one behind.
// The run's migrated PGlite template (apps/server/src/test-support/schema-template.ts) goes too;
// its PostgreSQL twin is one of the run's databases.
const { Client } = require('pg');
const { rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  const run = process.env.FLEETDESK_TEST_RUN;
  if (!run || !/^[a-z0-9]{1,24}$/.test(run)) return;
  // The same path as embeddedTemplateDir() in schema-template.ts (this file cannot import TS).
  const template = join(tmpdir(), `fleetdesk-test-template-${run}`);
  rmSync(template, { recursive: true, force: true });
  rmSync(`${template}.lock`, { recursive: true, force: true });
  // What test/support/processes.ts builds once per run (the console, the "built" marker).
  for (const name of ['console', 'built']) {
    rmSync(join(tmpdir(), `fleetdesk-${name}-${run}`), { recursive: true, force: true });
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
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
