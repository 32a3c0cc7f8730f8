import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Heartbeat metrics history in two time-bucketed tables: one row per device per minute (kept
 * a day by default) and one per device per 15 minutes (kept a month), plain tables that work
 * the same on PGlite and PostgreSQL. Sums and sample counts rather than averages, so two
 * writers of one bucket merge exactly. `metric_rollup` holds how far the 15-minute roll-up
 * has come: a process claims the next bucket by moving it forward in one UPDATE.
 */
export class MetricsHistory1764901000000 implements MigrationInterface {
  name = 'MetricsHistory1764901000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['device_metric_1m', 'device_metric_15m']) {
      await q.query(`
        CREATE TABLE "${table}" (
          "device_id" uuid NOT NULL,
          "bucket" timestamptz NOT NULL,
          "samples" integer NOT NULL,
          "cpu_sum" real NOT NULL,
          "cpu_max" real NOT NULL,
          "mem_sum" real NOT NULL,
          "mem_max" real NOT NULL,
          "disk_max" real,
          "load_sum" real NOT NULL,
          CONSTRAINT "PK_${table}" PRIMARY KEY ("device_id", "bucket"),
          CONSTRAINT "CHK_${table}_samples" CHECK ("samples" > 0)
        )`);
      // Retention deletes by time across devices.
      await q.query(`CREATE INDEX "IDX_${table}_bucket" ON "${table}" ("bucket")`);
    }
    await q.query(`
      CREATE TABLE "metric_rollup" (
        "name" varchar(32) PRIMARY KEY,
        "rolled_until" timestamptz NOT NULL,
        "pruned_at" timestamptz NOT NULL DEFAULT now()
      )`);
    // Rolling up starts with the current 15 minutes: nothing older exists yet.
    await q.query(`INSERT INTO "metric_rollup" ("name", "rolled_until")
      VALUES ('15m', to_timestamp(floor(extract(epoch FROM now()) / 900) * 900))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['metric_rollup', 'device_metric_15m', 'device_metric_1m'])
      await q.query(`DROP TABLE "${table}"`);
  }
}
