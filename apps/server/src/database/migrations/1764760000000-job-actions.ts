import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job carries either a script (language + body) or a typed action (agent update, later
 * software and log actions). The action is kept as sent, builds and their signatures
 * included, so every run of the job (and a re-run) sends the same signed action.
 */
export class JobActions1764760000000 implements MigrationInterface {
  name = 'JobActions1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job" ADD COLUMN "action" jsonb`);
    await q.query(`ALTER TABLE "job" ALTER COLUMN "language" DROP NOT NULL`);
    await q.query(
      `ALTER TABLE "job" ADD CONSTRAINT "CHK_job_script_or_action"
       CHECK (("action" IS NULL) = ("language" IS NOT NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "job" WHERE "action" IS NOT NULL`);
    await q.query(`ALTER TABLE "job" DROP CONSTRAINT "CHK_job_script_or_action"`);
    await q.query(`ALTER TABLE "job" ALTER COLUMN "language" SET NOT NULL`);
    await q.query(`ALTER TABLE "job" DROP COLUMN "action"`);
  }
}
