import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules and the occurrences they claimed; a device's reported IANA time zone; and the
 * link from a job to the schedule occurrence that created it. Maintenance windows and spread
 * are meant to arrive later as nullable columns on "schedule" (a window reference, spread
 * seconds) without reworking these tables.
 */
export class Schedules1764700000000 implements MigrationInterface {
  name = 'Schedules1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "device" ADD COLUMN "time_zone" varchar(64)`);
    await q.query(`
      CREATE TABLE "schedule" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "template" jsonb NOT NULL,
        "cron" varchar(120),
        "run_at" varchar(19),
        "zone_mode" varchar(8) NOT NULL,
        "time_zone" varchar(64) NOT NULL DEFAULT 'UTC',
        "catch_up" varchar(8) NOT NULL DEFAULT 'once',
        "offline_policy" varchar(16) NOT NULL DEFAULT 'run_when_back',
        "paused" boolean NOT NULL DEFAULT false,
        "evaluated_until" timestamptz NOT NULL,
        "next_due_at" timestamptz,
        "zone_set_key" varchar(64),
        "created_by" uuid,
        "created_by_email" varchar(254),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_schedule_when" CHECK (("cron" IS NULL) <> ("run_at" IS NULL)),
        CONSTRAINT "CHK_schedule_zone_mode" CHECK ("zone_mode" IN ('fixed', 'device')),
        CONSTRAINT "CHK_schedule_catch_up" CHECK ("catch_up" IN ('once', 'skip')),
        CONSTRAINT "CHK_schedule_offline" CHECK ("offline_policy" IN ('skip', 'run_when_back'))
      )`);
    // The scheduler's one query: active schedules whose next occurrence is due.
    await q.query(
      `CREATE INDEX "IDX_schedule_due" ON "schedule" ("next_due_at") WHERE NOT "paused"`,
    );
    await q.query(`CREATE INDEX "IDX_schedule_created_at" ON "schedule" ("created_at" DESC)`);
    await q.query(`
      CREATE TABLE "schedule_occurrence" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "schedule_id" uuid NOT NULL REFERENCES "schedule"("id") ON DELETE CASCADE,
        "occurrence_at" timestamptz NOT NULL,
        "zone" varchar(64) NOT NULL,
        "status" varchar(16) NOT NULL,
        "job_id" uuid REFERENCES "job"("id") ON DELETE SET NULL,
        "devices" integer NOT NULL DEFAULT 0,
        "reason" varchar(500),
        "claimed_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_schedule_occurrence" UNIQUE ("schedule_id", "occurrence_at", "zone"),
        CONSTRAINT "CHK_schedule_occurrence_status" CHECK ("status" IN ('fired', 'skipped', 'failed'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_schedule_occurrence_history" ON "schedule_occurrence" ("schedule_id", "occurrence_at" DESC)`,
    );
    await q.query(`ALTER TABLE "job" ADD COLUMN "schedule_id" uuid`);
    await q.query(`ALTER TABLE "job" ADD COLUMN "occurrence_at" timestamptz`);
    await q.query(`ALTER TABLE "job" ADD COLUMN "occurrence_zone" varchar(64)`);
    // A second barrier under the occurrence claim: one job per occurrence, whatever happens.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_job_occurrence" ON "job" ("schedule_id", "occurrence_at", "occurrence_zone") WHERE "schedule_id" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "UQ_job_occurrence"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "occurrence_zone"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "occurrence_at"`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "schedule_id"`);
    await q.query(`DROP TABLE "schedule_occurrence"`);
    await q.query(`DROP TABLE "schedule"`);
    await q.query(`ALTER TABLE "device" DROP COLUMN "time_zone"`);
  }
}
