import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IDX_device_status loses `last_seen_at`. Every heartbeat sets `last_seen_at`, and a column in
 * any index makes PostgreSQL write a new entry in every index of the row (nine on `device`):
 * with it out of all indexes, the heartbeat UPDATE is a HOT update that touches only the heap
 * page. The one query that filtered on it, the offline sweep (`status = 'online' AND
 * last_seen_at < …`), now reads the online devices' rows through the status index, a few
 * thousand heap tuples every few seconds instead of an index write per heartbeat.
 * Measured in BENCHMARKS.md (fan-out, 2026-11-30 afternoon).
 */
export class DeviceStatusHot1765090000000 implements MigrationInterface {
  name = 'DeviceStatusHot1765090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_device_status"`);
    await q.query(`CREATE INDEX "IDX_device_status" ON "device" ("status")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_device_status"`);
    await q.query(`CREATE INDEX "IDX_device_status" ON "device" ("status", "last_seen_at")`);
  }
}
