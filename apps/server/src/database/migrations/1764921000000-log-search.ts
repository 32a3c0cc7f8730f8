import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet search: each device's answer to a search_logs run (its matching lines with context,
 * per file, and what it refused), one row per run, written once however often it is sent.
 */
export class LogSearch1764921000000 implements MigrationInterface {
  name = 'LogSearch1764921000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "log_search_result" (
        "run_id" uuid PRIMARY KEY,
        "job_id" uuid NOT NULL,
        "device_id" uuid NOT NULL,
        "match_count" bigint NOT NULL,
        "truncated" boolean NOT NULL,
        "result" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "FK_log_search_result_run" FOREIGN KEY ("run_id") REFERENCES "job_run"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_log_search_result_job" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_log_search_result_job" ON "log_search_result" ("job_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "log_search_result"`);
  }
}
