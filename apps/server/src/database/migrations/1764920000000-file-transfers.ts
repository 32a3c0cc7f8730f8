import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * File transfer: files technicians upload to push to devices (the bytes in the log store,
 * by SHA-256, beside collected logs), and how far each push run's device has downloaded.
 * A fetched file is a log bundle of its run, so fetches need no table of their own.
 */
export class FileTransfers1764920000000 implements MigrationInterface {
  name = 'FileTransfers1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "file_upload" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "sha256" char(64) NOT NULL,
        "size" bigint NOT NULL,
        "name" varchar(255) NOT NULL,
        "uploaded_by" varchar(254),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "FK_file_upload_blob" FOREIGN KEY ("sha256") REFERENCES "log_blob"("sha256")
      )`);
    await q.query(`CREATE INDEX "IDX_file_upload_sha256" ON "file_upload" ("sha256")`);
    await q.query(`CREATE INDEX "IDX_file_upload_expires" ON "file_upload" ("expires_at")`);
    await q.query(`
      CREATE TABLE "file_push_progress" (
        "run_id" uuid PRIMARY KEY,
        "next_seq" integer NOT NULL,
        "sent_bytes" bigint NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "FK_file_push_progress_run" FOREIGN KEY ("run_id") REFERENCES "job_run"("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "file_push_progress"`);
    await q.query(`DROP TABLE "file_upload"`);
  }
}
