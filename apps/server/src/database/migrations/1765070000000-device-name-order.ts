import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /api/devices sorts by display name by default (`lower(COALESCE(name, hostname))`, then
 * id): without an index on that expression every page read and sorted the whole device
 * table, ten thousand wide rows, and the console polls the list. With it, the first pages
 * are an index scan of pageSize entries. During a 10,000-run fan-out on PostgreSQL the page
 * query was the largest statement in the database's log after the heartbeat writes
 * (BENCHMARKS.md, fan-out section).
 */
export class DeviceNameOrder1765070000000 implements MigrationInterface {
  name = 'DeviceNameOrder1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "IDX_device_display_name" ON "device" (lower(COALESCE("name", "hostname")), "id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_device_display_name"`);
  }
}
