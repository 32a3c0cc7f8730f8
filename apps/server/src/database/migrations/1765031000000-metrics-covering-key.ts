import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The device page's month chart reads one device's 2,880 quarter rows. Each roll-up inserts
 * one row per device, so one device's rows lie on as many heap pages as it has rows, and the
 * primary-key range scan fetched ~2,880 scattered heap pages per chart. The primary key now
 * carries the value columns (INCLUDE), so the chart is an index-only scan of one device's
 * contiguous key range: a few dozen index pages, no heap page once the table is vacuumed
 * (the roll-up vacuums it). The upserts' ON CONFLICT target, (device_id, bucket), is the same.
 * Rebuilding the key locks the table while it runs, once, at upgrade.
 */
export class MetricsCoveringKey1765031000000 implements MigrationInterface {
  name = 'MetricsCoveringKey1765031000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "device_metric_15m" DROP CONSTRAINT "PK_device_metric_15m"`);
    await q.query(`ALTER TABLE "device_metric_15m" ADD CONSTRAINT "PK_device_metric_15m"
      PRIMARY KEY ("device_id", "bucket")
      INCLUDE ("samples", "cpu_sum", "cpu_max", "mem_sum", "mem_max", "disk_max", "load_sum")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "device_metric_15m" DROP CONSTRAINT "PK_device_metric_15m"`);
    await q.query(`ALTER TABLE "device_metric_15m" ADD CONSTRAINT "PK_device_metric_15m"
      PRIMARY KEY ("device_id", "bucket")`);
  }
}
