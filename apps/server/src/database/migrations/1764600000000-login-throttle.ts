import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed sign-ins per account, shared by every server process: one account's lock must hold
 * whichever node the next attempt reaches (the per-IP limit stays in each process's memory).
 */
export class LoginThrottle1764600000000 implements MigrationInterface {
  name = 'LoginThrottle1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "login_throttle" (
        "account" varchar(254) PRIMARY KEY,
        "failures" integer NOT NULL,
        "last_failure_at" timestamptz NOT NULL,
        "locked_until" timestamptz,
        CONSTRAINT "CHK_login_throttle_failures" CHECK ("failures" >= 0)
      )`);
    // Pruning forgotten rows: every failure deletes those older than the forget window.
    await q.query(
      `CREATE INDEX "IDX_login_throttle_last_failure_at" ON "login_throttle" ("last_failure_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "login_throttle"`);
  }
}
