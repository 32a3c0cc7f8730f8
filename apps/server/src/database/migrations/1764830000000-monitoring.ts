import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (with the flap counters of every watched subject and the alert events notifications
 * are routed from), website checks and their results, notification channels and their
 * deliveries. No foreign key reaches into another module's tables: an alert names its device
 * or check by id, and the owning module resolves it.
 */
export class Monitoring1764830000000 implements MigrationInterface {
  name = 'Monitoring1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "monitor_subject" (
        "subject" varchar(120) PRIMARY KEY,
        "consecutive_failures" integer NOT NULL DEFAULT 0,
        "consecutive_successes" integer NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE "alert" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "source" varchar(32) NOT NULL,
        "subject" varchar(120) NOT NULL,
        "check_id" uuid,
        "device_id" uuid,
        "title" varchar(300) NOT NULL,
        "message" varchar(2000) NOT NULL,
        "severity" varchar(16) NOT NULL,
        "state" varchar(16) NOT NULL,
        "muted" boolean NOT NULL DEFAULT false,
        "group_id" uuid,
        "tags" text[] NOT NULL DEFAULT '{}',
        "fired_at" timestamptz NOT NULL DEFAULT now(),
        "acknowledged_at" timestamptz,
        "acknowledged_by" uuid,
        "acknowledged_by_email" varchar(254),
        "resolved_at" timestamptz,
        CONSTRAINT "CHK_alert_state" CHECK ("state" IN ('firing', 'acknowledged', 'resolved')),
        CONSTRAINT "CHK_alert_severity" CHECK ("severity" IN ('info', 'warning', 'critical')),
        CONSTRAINT "CHK_alert_source" CHECK ("source" IN ('website_check', 'device_offline'))
      )`);
    // The multi-process guard: at most one open alert per subject, whoever inserts it.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_alert_open_subject" ON "alert" ("subject") WHERE "state" <> 'resolved'`,
    );
    await q.query(`CREATE INDEX "IDX_alert_fired_at" ON "alert" ("fired_at" DESC, "id" DESC)`);
    await q.query(
      `CREATE INDEX "IDX_alert_state_fired_at" ON "alert" ("state", "fired_at" DESC, "id" DESC)`,
    );
    await q.query(`CREATE INDEX "IDX_alert_device" ON "alert" ("device_id", "fired_at" DESC)`);
    await q.query(`CREATE INDEX "IDX_alert_check" ON "alert" ("check_id", "fired_at" DESC)`);
    await q.query(`
      CREATE TABLE "alert_event" (
        "id" bigserial PRIMARY KEY,
        "alert_id" uuid NOT NULL REFERENCES "alert"("id") ON DELETE CASCADE,
        "kind" varchar(16) NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now(),
        "routed_at" timestamptz,
        CONSTRAINT "CHK_alert_event_kind" CHECK ("kind" IN ('fired', 'resolved'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_alert_event_unrouted" ON "alert_event" ("id") WHERE "routed_at" IS NULL`,
    );
    await q.query(`CREATE INDEX "IDX_alert_event_alert" ON "alert_event" ("alert_id")`);
    // One row per periodic cluster-wide sweep: claiming it is moving next_at forward.
    await q.query(`
      CREATE TABLE "monitor_sweep" (
        "name" varchar(64) PRIMARY KEY,
        "next_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO "monitor_sweep" ("name") VALUES ('device_offline')`);

    await q.query(`
      CREATE TABLE "website_check" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "url" varchar(2048) NOT NULL,
        "expected_status" integer NOT NULL DEFAULT 200,
        "latency_limit_ms" integer,
        "body_contains" varchar(1000),
        "body_not_contains" varchar(1000),
        "redirect_policy" varchar(8) NOT NULL DEFAULT 'follow',
        "max_redirects" integer NOT NULL DEFAULT 5,
        "cert_warn_days" integer NOT NULL DEFAULT 14,
        "interval_seconds" integer NOT NULL DEFAULT 60,
        "timeout_ms" integer NOT NULL DEFAULT 10000,
        "fail_threshold" integer NOT NULL DEFAULT 2,
        "success_threshold" integer NOT NULL DEFAULT 1,
        "severity" varchar(16) NOT NULL DEFAULT 'critical',
        "tags" text[] NOT NULL DEFAULT '{}',
        "enabled" boolean NOT NULL DEFAULT true,
        "next_run_at" timestamptz NOT NULL DEFAULT now(),
        "last_outcome" varchar(16),
        "last_checked_at" timestamptz,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_website_check_url" CHECK ("url" ~* '^https?://'),
        CONSTRAINT "CHK_website_check_redirect" CHECK ("redirect_policy" IN ('follow', 'error')),
        CONSTRAINT "CHK_website_check_severity" CHECK ("severity" IN ('info', 'warning', 'critical'))
      )`);
    // The runner's one query: enabled checks whose next run is due.
    await q.query(
      `CREATE INDEX "IDX_website_check_due" ON "website_check" ("next_run_at") WHERE "enabled"`,
    );
    await q.query(
      `CREATE INDEX "IDX_website_check_created_at" ON "website_check" ("created_at" DESC, "id" DESC)`,
    );
    await q.query(`
      CREATE TABLE "website_check_result" (
        "id" bigserial PRIMARY KEY,
        "check_id" uuid NOT NULL REFERENCES "website_check"("id") ON DELETE CASCADE,
        "at" timestamptz NOT NULL DEFAULT now(),
        "outcome" varchar(16) NOT NULL,
        "status_code" integer,
        "latency_ms" integer,
        "cert_expires_at" timestamptz,
        "message" varchar(500),
        CONSTRAINT "CHK_website_check_result_outcome" CHECK ("outcome" IN ('ok', 'warning', 'critical'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_website_check_result_check" ON "website_check_result" ("check_id", "at" DESC, "id" DESC)`,
    );

    await q.query(`
      CREATE TABLE "notification_channel" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "url_sealed" text,
        "url_display" varchar(300),
        "email_to" text[] NOT NULL DEFAULT '{}',
        "signing_secret_sealed" text,
        "min_severity" varchar(16) NOT NULL DEFAULT 'warning',
        "group_ids" uuid[] NOT NULL DEFAULT '{}',
        "tags" text[] NOT NULL DEFAULT '{}',
        "digest_seconds" integer NOT NULL DEFAULT 30,
        "enabled" boolean NOT NULL DEFAULT true,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_notification_channel_kind" CHECK ("kind" IN ('webhook', 'slack', 'teams', 'email')),
        CONSTRAINT "CHK_notification_channel_severity" CHECK ("min_severity" IN ('info', 'warning', 'critical')),
        CONSTRAINT "CHK_notification_channel_target" CHECK (("kind" = 'email') = ("url_sealed" IS NULL))
      )`);
    // Alert changes routed to a channel and not yet gathered into a message (the digest window).
    await q.query(`
      CREATE TABLE "notification_pending" (
        "id" bigserial PRIMARY KEY,
        "channel_id" uuid NOT NULL REFERENCES "notification_channel"("id") ON DELETE CASCADE,
        "alert_event_id" bigint NOT NULL,
        "snapshot" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_notification_pending" UNIQUE ("channel_id", "alert_event_id")
      )`);
    await q.query(`
      CREATE TABLE "notification_delivery" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "channel_id" uuid NOT NULL REFERENCES "notification_channel"("id") ON DELETE CASCADE,
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "test" boolean NOT NULL DEFAULT false,
        "events" jsonb NOT NULL,
        "event_count" integer NOT NULL,
        "summary" varchar(500) NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz,
        "lease_until" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "delivered_at" timestamptz,
        CONSTRAINT "CHK_notification_delivery_status" CHECK ("status" IN ('pending', 'sending', 'delivered', 'failed'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_notification_delivery_due" ON "notification_delivery" ("next_attempt_at") WHERE "status" IN ('pending', 'sending')`,
    );
    await q.query(
      `CREATE INDEX "IDX_notification_delivery_channel" ON "notification_delivery" ("channel_id", "created_at" DESC, "id" DESC)`,
    );
    await q.query(`
      CREATE TABLE "notification_attempt" (
        "id" bigserial PRIMARY KEY,
        "delivery_id" uuid NOT NULL REFERENCES "notification_delivery"("id") ON DELETE CASCADE,
        "at" timestamptz NOT NULL DEFAULT now(),
        "ok" boolean NOT NULL,
        "code" integer,
        "error" varchar(1000),
        "duration_ms" integer NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "IDX_notification_attempt_delivery" ON "notification_attempt" ("delivery_id", "at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'notification_attempt',
      'notification_delivery',
      'notification_pending',
      'notification_channel',
      'website_check_result',
      'website_check',
      'monitor_sweep',
      'alert_event',
      'alert',
      'monitor_subject',
    ])
      await q.query(`DROP TABLE "${table}"`);
  }
}
