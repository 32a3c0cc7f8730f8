import { MigrationInterface, QueryRunner } from 'typeorm';

export class Jobs1764300000000 implements MigrationInterface {
  name = 'Jobs1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "job" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'running',
        "script_id" uuid,
        "script_version" integer,
        "language" varchar(16) NOT NULL,
        "body" text NOT NULL,
        "body_sha256" char(64) NOT NULL,
        "params" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "env" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "args" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "target" jsonb NOT NULL,
        "timeout_ms" integer NOT NULL,
        "offline_expiry_ms" bigint NOT NULL,
        "max_concurrency" integer,
        "failure_threshold_percent" integer,
        "total_runs" integer NOT NULL,
        "rerun_of" uuid REFERENCES "job"("id") ON DELETE SET NULL,
        "created_by" uuid,
        "created_by_email" varchar(254),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        "stop_reason" varchar(500),
        CONSTRAINT "CHK_job_status" CHECK ("status" IN ('running', 'completed', 'cancelled', 'stopped'))
      )`);
    await q.query(`CREATE INDEX "IDX_job_created_at" ON "job" ("created_at" DESC)`);
    await q.query(`CREATE INDEX "IDX_job_status" ON "job" ("status", "created_at" DESC)`);

    await q.query(`
      CREATE TABLE "job_run" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "job_id" uuid NOT NULL REFERENCES "job"("id") ON DELETE CASCADE,
        "device_id" uuid NOT NULL REFERENCES "device"("id") ON DELETE CASCADE,
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "dispatched_at" timestamptz,
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "exit_code" integer,
        "signal" varchar(32),
        "error" varchar(1024),
        "output_bytes" bigint NOT NULL DEFAULT 0,
        "truncated" boolean NOT NULL DEFAULT false,
        "last_seq" integer NOT NULL DEFAULT -1,
        CONSTRAINT "CHK_job_run_status" CHECK ("status" IN
          ('pending', 'dispatched', 'running', 'succeeded', 'failed', 'timed_out', 'expired', 'cancelled', 'lost'))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_job_run_job_device" ON "job_run" ("job_id", "device_id")`,
    );
    await q.query(`CREATE INDEX "IDX_job_run_job_status" ON "job_run" ("job_id", "status")`);
    await q.query(
      `CREATE INDEX "IDX_job_run_device" ON "job_run" ("device_id", "created_at" DESC)`,
    );
    // The dispatcher and the sweeps only ever look at unfinished runs.
    await q.query(`
      CREATE INDEX "IDX_job_run_open" ON "job_run" ("status", "device_id")
      WHERE "status" IN ('pending', 'dispatched', 'running')`);

    await q.query(`
      CREATE TABLE "run_output" (
        "run_id" uuid NOT NULL REFERENCES "job_run"("id") ON DELETE CASCADE,
        "seq" integer NOT NULL,
        "stream" varchar(8) NOT NULL,
        "data" text NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("run_id", "seq"),
        CONSTRAINT "CHK_run_output_stream" CHECK ("stream" IN ('stdout', 'stderr'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "run_output"`);
    await q.query(`DROP TABLE "job_run"`);
    await q.query(`DROP TABLE "job"`);
  }
}
