import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The few revoked devices, indexed on their own: fleet-wide software counts leave them out
 * with an anti-join against this small index instead of hashing the whole device table on
 * every search (the fleet search's "newest version" statement, 10,000 devices).
 */
export class RevokedDevices1764950000000 implements MigrationInterface {
  name = 'RevokedDevices1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "IDX_device_revoked" ON "device" ("id") WHERE "revoked_at" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_device_revoked"`);
  }
}
