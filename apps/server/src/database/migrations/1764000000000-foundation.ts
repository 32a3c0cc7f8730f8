import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "user" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "email" varchar(254) NOT NULL,
        "display_name" varchar(100) NOT NULL,
        "password_hash" varchar(255) NOT NULL,
        "role" varchar(16) NOT NULL,
        "disabled" boolean NOT NULL DEFAULT false,
        "credentials_changed_at" timestamptz NOT NULL DEFAULT now(),
        "last_login_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_user_role" CHECK ("role" IN ('admin', 'technician', 'viewer')),
        CONSTRAINT "CHK_user_email_lower" CHECK ("email" = lower("email"))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_user_email" ON "user" ("email")`);

    await q.query(`
      CREATE TABLE "session" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "user"("id") ON DELETE CASCADE,
        "token_hash" char(64) NOT NULL,
        "source_ip" varchar(64),
        "user_agent" varchar(512),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_session_token_hash" ON "session" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_session_user_id" ON "session" ("user_id")`);
    await q.query(`CREATE INDEX "IDX_session_expires_at" ON "session" ("expires_at")`);

    await q.query(`
      CREATE TABLE "api_token" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "user"("id") ON DELETE CASCADE,
        "name" varchar(100) NOT NULL,
        "token_hash" char(64) NOT NULL,
        "token_prefix" varchar(16) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz,
        "last_used_at" timestamptz,
        "revoked_at" timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_api_token_token_hash" ON "api_token" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_api_token_user_id" ON "api_token" ("user_id", "created_at")`);

    // No foreign key to "user": the trail must outlive the accounts it mentions.
    await q.query(`
      CREATE TABLE "audit_event" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "actor_id" uuid,
        "actor_email" varchar(254),
        "actor_kind" varchar(16) NOT NULL,
        "action" varchar(64) NOT NULL,
        "target_type" varchar(32),
        "target_id" varchar(64),
        "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "source_ip" varchar(64),
        CONSTRAINT "CHK_audit_event_actor_kind" CHECK ("actor_kind" IN ('user', 'system', 'anonymous', 'device'))
      )`);
    await q.query(
      `CREATE INDEX "IDX_audit_event_occurred_at" ON "audit_event" ("occurred_at" DESC, "id" DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_audit_event_actor" ON "audit_event" ("actor_id", "occurred_at" DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_audit_event_action" ON "audit_event" ("action", "occurred_at" DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_audit_event_target" ON "audit_event" ("target_type", "target_id", "occurred_at" DESC)`,
    );
    // Append-only, enforced by the database rather than by good intentions.
    await q.query(`
      CREATE FUNCTION "audit_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER "TRG_audit_event_append_only" BEFORE UPDATE OR DELETE ON "audit_event"
      FOR EACH ROW EXECUTE FUNCTION "audit_event_append_only"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_event"`);
    await q.query(`DROP FUNCTION "audit_event_append_only"()`);
    await q.query(`DROP TABLE "api_token"`);
    await q.query(`DROP TABLE "session"`);
    await q.query(`DROP TABLE "user"`);
  }
}
