import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automation policies carry agent checks (issue 15): a link table beside the schedules' one,
 * the same shape. As there, no foreign key to "agent_check" (the embedded engine fails a
 * migration with one across these tables): a link to a deleted check is ignored where it is
 * read and dropped by the next edit of its policy.
 */
export class PolicyChecks1765030000000 implements MigrationInterface {
  name = 'PolicyChecks1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "automation_policy_check" (
        "policy_id" uuid NOT NULL
          CONSTRAINT "FK_automation_policy_check_policy" REFERENCES "automation_policy" ("id") ON DELETE CASCADE,
        "check_id" uuid NOT NULL,
        CONSTRAINT "PK_automation_policy_check" PRIMARY KEY ("policy_id", "check_id")
      )`);
    // "Which policies carry this check" (a check's page, and the delivery's extra targets).
    await q.query(
      `CREATE INDEX "IDX_automation_policy_check_check" ON "automation_policy_check" ("check_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "automation_policy_check"`);
  }
}
