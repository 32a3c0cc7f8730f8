import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log collection: the admin's path policy and storage limits (one row), each device's bundle
 * of a collection run, its files (upload progress per file: the next chunk wanted), and the
 * content-addressed blobs they point at (the bytes themselves live under DATA_DIR).
 */
export class LogCollection1764840000000 implements MigrationInterface {
  name = 'LogCollection1764840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "log_collection_settings" (
        "id" smallint PRIMARY KEY,
        "allow" jsonb NOT NULL,
        "deny" jsonb NOT NULL,
        "max_bundle_bytes" bigint NOT NULL,
        "max_total_bytes" bigint NOT NULL,
        "retention_days" integer NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "updated_by" varchar(254),
        CONSTRAINT "CHK_log_collection_settings_single" CHECK ("id" = 1)
      )`);
    await q.query(`
      CREATE TABLE "log_blob" (
        "sha256" char(64) PRIMARY KEY,
        "size" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE "log_bundle" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "run_id" uuid NOT NULL,
        "job_id" uuid NOT NULL,
        "device_id" uuid NOT NULL,
        "status" varchar(16) NOT NULL,
        "total_bytes" bigint NOT NULL,
        "received_bytes" bigint NOT NULL DEFAULT 0,
        "refused" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "error" varchar(1000),
        "collected_at" timestamptz NOT NULL,
        "completed_at" timestamptz,
        "expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_log_bundle_run" UNIQUE ("run_id"),
        CONSTRAINT "FK_log_bundle_run" FOREIGN KEY ("run_id") REFERENCES "job_run"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_log_bundle_job" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_log_bundle_device" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_log_bundle_status" CHECK ("status" IN ('uploading', 'complete', 'failed'))
      )`);
    await q.query(`CREATE INDEX "IDX_log_bundle_job" ON "log_bundle" ("job_id")`);
    await q.query(
      `CREATE INDEX "IDX_log_bundle_device_created" ON "log_bundle" ("device_id", "created_at")`,
    );
    await q.query(`CREATE INDEX "IDX_log_bundle_expires" ON "log_bundle" ("expires_at")`);
    await q.query(`
      CREATE TABLE "log_bundle_file" (
        "bundle_id" uuid NOT NULL,
        "idx" integer NOT NULL,
        "source" integer NOT NULL,
        "path" varchar(1024) NOT NULL,
        "real_path" varchar(1024) NOT NULL,
        "size" bigint NOT NULL,
        "sha256" char(64) NOT NULL,
        "chunks" integer NOT NULL,
        "next_seq" integer NOT NULL DEFAULT 0,
        "received_bytes" bigint NOT NULL DEFAULT 0,
        "truncated" boolean NOT NULL,
        "complete" boolean NOT NULL DEFAULT false,
        CONSTRAINT "PK_log_bundle_file" PRIMARY KEY ("bundle_id", "idx"),
        CONSTRAINT "FK_log_bundle_file_bundle" FOREIGN KEY ("bundle_id") REFERENCES "log_bundle"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_log_bundle_file_sha256" ON "log_bundle_file" ("sha256")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "log_bundle_file"`);
    await q.query(`DROP TABLE "log_bundle"`);
    await q.query(`DROP TABLE "log_blob"`);
    await q.query(`DROP TABLE "log_collection_settings"`);
  }
}
