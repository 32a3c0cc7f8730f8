import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checks run by the agents: their settings and targets, the last state of each on each
 * device, and a revision every server process watches to push a changed set to the agents
 * it holds. Alerts learn the new source. No foreign key reaches the device table (another
 * module's): a deleted device's states are left out by the queries that read them.
 */
export class AgentChecks1764900000000 implements MigrationInterface {
  name = 'AgentChecks1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "agent_check" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "target_all" boolean NOT NULL DEFAULT false,
        "target_device_ids" uuid[] NOT NULL DEFAULT '{}',
        "target_group_ids" uuid[] NOT NULL DEFAULT '{}',
        "target_tags" text[] NOT NULL DEFAULT '{}',
        "threshold_percent" double precision,
        "mount" varchar(1024),
        "service" varchar(255),
        "process" varchar(255),
        "host" varchar(255),
        "port" integer,
        "language" varchar(16),
        "script" text,
        "interval_seconds" integer NOT NULL DEFAULT 60,
        "timeout_seconds" integer NOT NULL DEFAULT 30,
        "duration_seconds" integer NOT NULL DEFAULT 0,
        "severity" varchar(16) NOT NULL DEFAULT 'critical',
        "fail_threshold" integer NOT NULL DEFAULT 1,
        "success_threshold" integer NOT NULL DEFAULT 1,
        "enabled" boolean NOT NULL DEFAULT true,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_agent_check_kind" CHECK ("kind" IN
          ('cpu', 'memory', 'disk', 'service', 'process', 'ping', 'tcp', 'script')),
        CONSTRAINT "CHK_agent_check_severity" CHECK ("severity" IN ('info', 'warning', 'critical')),
        CONSTRAINT "CHK_agent_check_threshold" CHECK
          ("threshold_percent" IS NULL OR "threshold_percent" BETWEEN 0 AND 100)
      )`);
    await q.query(
      `CREATE INDEX "IDX_agent_check_created_at" ON "agent_check" ("created_at" DESC, "id" DESC)`,
    );
    await q.query(`
      CREATE TABLE "agent_check_state" (
        "check_id" uuid NOT NULL REFERENCES "agent_check"("id") ON DELETE CASCADE,
        "device_id" uuid NOT NULL,
        "status" varchar(16) NOT NULL,
        "message" varchar(1000) NOT NULL,
        "value" double precision,
        "at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_agent_check_state" PRIMARY KEY ("check_id", "device_id"),
        CONSTRAINT "CHK_agent_check_state_status" CHECK
          ("status" IN ('ok', 'warning', 'critical', 'unknown'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_agent_check_state_device" ON "agent_check_state" ("device_id")`,
    );
    await q.query(`
      CREATE TABLE "agent_check_revision" (
        "id" integer PRIMARY KEY,
        "revision" bigint NOT NULL,
        CONSTRAINT "CHK_agent_check_revision_one" CHECK ("id" = 1)
      )`);
    await q.query(`INSERT INTO "agent_check_revision" ("id", "revision") VALUES (1, 0)`);
    await q.query(`ALTER TABLE "alert" DROP CONSTRAINT "CHK_alert_source"`);
    await q.query(`ALTER TABLE "alert" ADD CONSTRAINT "CHK_alert_source"
      CHECK ("source" IN ('website_check', 'device_offline', 'agent_check'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "alert" WHERE "source" = 'agent_check'`);
    await q.query(`ALTER TABLE "alert" DROP CONSTRAINT "CHK_alert_source"`);
    await q.query(`ALTER TABLE "alert" ADD CONSTRAINT "CHK_alert_source"
      CHECK ("source" IN ('website_check', 'device_offline'))`);
    for (const table of ['agent_check_revision', 'agent_check_state', 'agent_check'])
      await q.query(`DROP TABLE "${table}"`);
  }
}
