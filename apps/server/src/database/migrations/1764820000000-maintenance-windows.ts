import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Maintenance windows; the `run_in_window` offline policy and a spread per schedule; and on
 * each run an earliest start (`not_before`: a window not open yet, a spread delay) and the
 * reason it gets if it expires (a window that closed says so, not "the device was offline").
 */
export class MaintenanceWindows1764820000000 implements MigrationInterface {
  name = 'MaintenanceWindows1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "maintenance_window" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "tags" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "group_ids" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "days" jsonb NOT NULL,
        "start_time" char(5) NOT NULL,
        "end_time" char(5) NOT NULL,
        "zone_mode" varchar(8) NOT NULL,
        "time_zone" varchar(64) NOT NULL DEFAULT 'UTC',
        "created_by" uuid,
        "created_by_email" varchar(254),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_maintenance_window_zone_mode" CHECK ("zone_mode" IN ('fixed', 'device'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_maintenance_window_created_at" ON "maintenance_window" ("created_at" DESC)`,
    );
    await q.query(`ALTER TABLE "schedule" DROP CONSTRAINT "CHK_schedule_offline"`);
    await q.query(
      `ALTER TABLE "schedule" ADD CONSTRAINT "CHK_schedule_offline" CHECK ("offline_policy" IN ('skip', 'run_when_back', 'run_in_window'))`,
    );
    await q.query(
      `ALTER TABLE "schedule" ADD COLUMN "spread_minutes" integer NOT NULL DEFAULT 0 CONSTRAINT "CHK_schedule_spread" CHECK ("spread_minutes" BETWEEN 0 AND 720)`,
    );
    await q.query(`ALTER TABLE "job_run" ADD COLUMN "not_before" timestamptz`);
    await q.query(`ALTER TABLE "job_run" ADD COLUMN "expiry_reason" varchar(500)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job_run" DROP COLUMN "expiry_reason"`);
    await q.query(`ALTER TABLE "job_run" DROP COLUMN "not_before"`);
    await q.query(`ALTER TABLE "schedule" DROP COLUMN "spread_minutes"`);
    await q.query(
      `UPDATE "schedule" SET "offline_policy" = 'run_when_back' WHERE "offline_policy" = 'run_in_window'`,
    );
    await q.query(`ALTER TABLE "schedule" DROP CONSTRAINT "CHK_schedule_offline"`);
    await q.query(
      `ALTER TABLE "schedule" ADD CONSTRAINT "CHK_schedule_offline" CHECK ("offline_policy" IN ('skip', 'run_when_back'))`,
    );
    await q.query(`DROP TABLE "maintenance_window"`);
  }
}
