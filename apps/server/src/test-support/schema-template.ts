import { cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { MIGRATIONS } from '../database/migrations';
import { runMigrationsLocked } from '../database/run-migrations';
import { testRunId } from './leftovers';

/**
 * One migrated schema per jest run, copied into each test database instead of migrating every
 * one from empty: on the embedded engine a server's first start spent about half its time (4–5
 * s of CPU on 2 cores) applying the migrations, and some 100 test servers start in a run. The
 * template is built by the real migrations through the server's own `runMigrationsLocked`, so
 * a copy is exactly what an empty database becomes; `migrations.int-spec.ts` still builds one
 * from empty. Both kinds are removed by scripts/jest-global-teardown.js (same run id).
 */

const READY = 'ready';
const BUILD_TIMEOUT_MS = 300_000;

/** The template database's name on the PostgreSQL server: the teardown drops it with the rest. */
function postgresTemplateName(): string {
  return `fleetdesk_t_${testRunId()}_template`;
}

/** The template data dir for PGlite, shared by the workers of this run. */
function embeddedTemplateDir(): string {
  return join(tmpdir(), `fleetdesk-test-template-${testRunId()}`);
}

let embeddedReady: Promise<string> | undefined;
let postgresReady: Promise<string> | undefined;

/** Copies the migrated PGlite cluster into `dataDir` (as the server's `pglite` folder). */
export async function copyEmbeddedTemplate(dataDir: string): Promise<void> {
  embeddedReady ??= buildEmbeddedTemplate();
  const template = await embeddedReady;
  await cp(join(template, 'pglite'), join(dataDir, 'pglite'), { recursive: true });
}

/** The name of a migrated database to pass as `CREATE DATABASE … TEMPLATE`. */
export function postgresTemplate(baseUrl: string): Promise<string> {
  postgresReady ??= buildPostgresTemplate(baseUrl);
  return postgresReady;
}

async function migrate(options: ConstructorParameters<typeof DataSource>[0]): Promise<void> {
  const dataSource = new DataSource({
    ...options,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  } as ConstructorParameters<typeof DataSource>[0]);
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Workers of one run race to build it: `mkdir` of the lock folder is atomic, so one builds and
 * the others wait for its `ready` file.
 */
async function buildEmbeddedTemplate(): Promise<string> {
  const root = embeddedTemplateDir();
  const lock = `${root}.lock`;
  let builder = false;
  try {
    await mkdir(lock);
    builder = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (builder) {
    await rm(root, { recursive: true, force: true });
    const embedded = new EmbeddedPostgres(root);
    const conn = await embedded.start();
    try {
      await migrate({
        type: 'postgres',
        host: conn.host,
        port: conn.port,
        username: 'postgres',
        database: 'postgres',
        extra: { max: 1 },
      });
    } finally {
      await embedded.stop();
    }
    await rm(join(root, 'run'), { recursive: true, force: true });
    await writeFile(join(root, READY), String(process.pid));
    return root;
  }
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    if (await stat(join(root, READY)).catch(() => null)) return root;
    if (Date.now() > deadline) {
      throw new Error(`the embedded schema template at ${root} was not built within 5 minutes`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * An advisory lock on the server serialises the workers; the one that finds no template makes
 * it. Nobody stays connected to it, which `CREATE DATABASE … TEMPLATE` requires.
 */
async function buildPostgresTemplate(baseUrl: string): Promise<string> {
  const name = postgresTemplateName();
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      const { rows } = await admin.query<{ ready: boolean }>(
        `SELECT COALESCE(shobj_description(oid, 'pg_database') = $2, false) AS ready
           FROM pg_database WHERE datname = $1`,
        [name, READY],
      );
      if (rows[0]?.ready) return name;
      // A template a crashed builder left half made is dropped and made again.
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      await migrate({ type: 'postgres', url: url.toString(), extra: { max: 1 } });
      await admin.query(`COMMENT ON DATABASE "${name}" IS '${READY}'`);
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    await admin.end();
  }
}
