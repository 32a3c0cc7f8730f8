import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets at rest. `secret_key` records which key seals this database's secrets (its id,
 * never the key), so a server started with another key refuses to start. `job.sealed_env`
 * holds a job's env and args sealed together; plain rows are sealed at boot by the server,
 * which alone has the key.
 */
export class Secrets1764500000000 implements MigrationInterface {
  name = 'Secrets1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "secret_key" (
        "id" smallint PRIMARY KEY CHECK ("id" = 1),
        "key_id" varchar(16) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE "job" ADD COLUMN "sealed_env" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job" DROP COLUMN "sealed_env"`);
    await q.query(`DROP TABLE "secret_key"`);
  }
}
