import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrollment limited per token instead of per address, and counted in the database so the
 * limits hold whichever server process a device reaches:
 * - each token carries its own rate; `rate_tat` is its GCRA "theoretical arrival time" (one
 *   timestamp per token, updated under the row lock enrollment already takes, so the rate
 *   costs no extra statement);
 * - failed attempts (unknown, expired, revoked token) are counted per source address;
 * - a device key may be enrolled once among live devices, now enforced by an index (it was a
 *   sequential scan of the device table per enrollment).
 */
export class EnrollmentAtScale1764710000000 implements MigrationInterface {
  name = 'EnrollmentAtScale1764710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "enrollment_token"
        ADD COLUMN "rate_per_minute" integer NOT NULL DEFAULT 1000,
        ADD COLUMN "rate_tat" timestamptz,
        ADD CONSTRAINT "CHK_enrollment_token_rate_per_minute"
          CHECK ("rate_per_minute" BETWEEN 1 AND 100000)`);
    await q.query(`
      CREATE TABLE "enrollment_failure" (
        "address" varchar(64) PRIMARY KEY,
        "failures" integer NOT NULL,
        "window_start" timestamptz NOT NULL,
        CONSTRAINT "CHK_enrollment_failure_failures" CHECK ("failures" >= 0)
      )`);
    // Pruning: rows whose window ended long ago are deleted as new failures come in.
    await q.query(
      `CREATE INDEX "IDX_enrollment_failure_window_start" ON "enrollment_failure" ("window_start")`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_device_public_key_live" ON "device" ("public_key") WHERE "revoked_at" IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_device_public_key_live"`);
    await q.query(`DROP TABLE "enrollment_failure"`);
    await q.query(`
      ALTER TABLE "enrollment_token"
        DROP CONSTRAINT "CHK_enrollment_token_rate_per_minute",
        DROP COLUMN "rate_tat",
        DROP COLUMN "rate_per_minute"`);
  }
}
