import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Patch compliance: per device, the updates its package managers offer (from inventory), the
 * counts the fleet view sorts by, reboot-required, and the last successful update run.
 */
export class PatchStatus1764811000000 implements MigrationInterface {
  name = 'PatchStatus1764811000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "device_patch_status" (
        "device_id" uuid PRIMARY KEY REFERENCES "device"("id") ON DELETE CASCADE,
        "managers" text[] NOT NULL DEFAULT '{}',
        "pending" jsonb NOT NULL DEFAULT '[]',
        "security_count" integer,
        "other_count" integer,
        "reboot_required" boolean,
        "reported_at" timestamptz,
        "last_update_run_at" timestamptz,
        CONSTRAINT "CHK_device_patch_status_counts"
          CHECK ("security_count" >= 0 AND "other_count" >= 0)
      )`);
    await q.query(
      `CREATE INDEX "IDX_device_patch_status_exposure" ON "device_patch_status"
       ("security_count" DESC NULLS LAST, "other_count" DESC NULLS LAST)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "device_patch_status"`);
  }
}
