import { DataSource, MigrationExecutor } from 'typeorm';

/** Any constant works; it only has to be the same on every replica. */
const MIGRATION_LOCK_KEY = 7_340_021_114;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so replicas starting
 * together never race on the schema. The lock and the migrations share one connection: the
 * embedded engine serves a single connection, and this keeps both engines on one code path.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
