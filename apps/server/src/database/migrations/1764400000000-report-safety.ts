import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room for what devices really report, and a trace of what could not be stored.
 * - `job_run.exit_code` becomes bigint: Windows exit codes are unsigned 32-bit
 *   (0xC0000005 = 3221225477 is an ordinary crash) and overflowed `integer`.
 * - `device.rejected_reports` counts the reports of a device the database refused, so a
 *   technician sees which device sends data that is dropped.
 */
export class ReportSafety1764400000000 implements MigrationInterface {
  name = 'ReportSafety1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job_run" ALTER COLUMN "exit_code" TYPE bigint`);
    await q.query(
      `ALTER TABLE "device" ADD COLUMN "rejected_reports" bigint NOT NULL DEFAULT 0,
         ADD COLUMN "last_rejected_at" timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "device" DROP COLUMN "last_rejected_at", DROP COLUMN "rejected_reports"`,
    );
    // Codes that no longer fit become unknown rather than failing the rollback.
    await q.query(
      `ALTER TABLE "job_run" ALTER COLUMN "exit_code" TYPE integer
         USING CASE WHEN "exit_code" BETWEEN -2147483648 AND 2147483647 THEN "exit_code" END`,
    );
  }
}
