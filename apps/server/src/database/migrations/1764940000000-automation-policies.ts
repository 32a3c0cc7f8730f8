import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automation policies (issue 14): a named bundle of schedules attached to groups and tags.
 * A link row goes with its policy. It has no foreign key to "schedule": the embedded engine
 * fails this migration with one ("could not open file base/..."), so a link to a deleted
 * schedule is ignored where it is read and dropped by the next edit of its policy.
 * Monitoring checks join the same way, with a link table of their own.
 */
export class AutomationPolicies1764940000000 implements MigrationInterface {
  name = 'AutomationPolicies1764940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "automation_policy" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "description" varchar(1000) NOT NULL DEFAULT '',
        "tags" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "group_ids" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "created_by" uuid,
        "created_by_email" varchar(254),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_automation_policy_name" ON "automation_policy" (lower("name"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_automation_policy_created_at" ON "automation_policy" ("created_at" DESC)`,
    );
    await q.query(`
      CREATE TABLE "automation_policy_schedule" (
        "policy_id" uuid NOT NULL
          CONSTRAINT "FK_automation_policy_schedule_policy" REFERENCES "automation_policy" ("id") ON DELETE CASCADE,
        "schedule_id" uuid NOT NULL,
        CONSTRAINT "PK_automation_policy_schedule" PRIMARY KEY ("policy_id", "schedule_id")
      )`);
    // The scheduler asks "which policies is this schedule in" on every firing.
    await q.query(
      `CREATE INDEX "IDX_automation_policy_schedule_schedule" ON "automation_policy_schedule" ("schedule_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "automation_policy_schedule"`);
    await q.query(`DROP TABLE "automation_policy"`);
  }
}
