import { MigrationInterface, QueryRunner } from 'typeorm';

export class Devices1764100000000 implements MigrationInterface {
  name = 'Devices1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // One row: the key every replica signs with, pinned by agents at enrollment.
    await q.query(`
      CREATE TABLE "server_key" (
        "id" smallint PRIMARY KEY CHECK ("id" = 1),
        "public_key" text NOT NULL,
        "private_key" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE "device_group" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(100) NOT NULL,
        "description" varchar(500) NOT NULL DEFAULT '',
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_device_group_name" ON "device_group" (lower("name"))`);

    await q.query(`
      CREATE TABLE "tag" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_tag_name" CHECK ("name" ~ '^[a-z0-9][a-z0-9._:-]*$')
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_tag_name" ON "tag" ("name")`);

    await q.query(`
      CREATE TABLE "enrollment_token" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(100) NOT NULL,
        "token_hash" char(64) NOT NULL,
        "token_prefix" varchar(16) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "max_uses" integer,
        "uses" integer NOT NULL DEFAULT 0,
        "default_tags" text[] NOT NULL DEFAULT '{}',
        "default_group_id" uuid REFERENCES "device_group"("id") ON DELETE SET NULL,
        "created_by" uuid REFERENCES "user"("id") ON DELETE SET NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "CHK_enrollment_token_uses" CHECK ("max_uses" IS NULL OR "uses" <= "max_uses")
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_enrollment_token_token_hash" ON "enrollment_token" ("token_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_enrollment_token_created_at" ON "enrollment_token" ("created_at" DESC)`,
    );

    await q.query(`
      CREATE TABLE "device" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(255),
        "hostname" varchar(255) NOT NULL,
        "public_key" text NOT NULL,
        "os_platform" varchar(32) NOT NULL DEFAULT '',
        "os_distro" varchar(128) NOT NULL DEFAULT '',
        "os_release" varchar(128) NOT NULL DEFAULT '',
        "arch" varchar(32) NOT NULL DEFAULT '',
        "agent_version" varchar(64) NOT NULL DEFAULT '',
        "status" varchar(16) NOT NULL DEFAULT 'offline',
        "last_seen_at" timestamptz,
        "last_ip" varchar(64),
        "ip_addresses" text[] NOT NULL DEFAULT '{}',
        "metrics" jsonb,
        "metrics_at" timestamptz,
        "group_id" uuid REFERENCES "device_group"("id") ON DELETE SET NULL,
        "enrollment_token_id" uuid REFERENCES "enrollment_token"("id") ON DELETE SET NULL,
        "enrolled_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "CHK_device_status" CHECK ("status" IN ('online', 'offline'))
      )`);
    await q.query(`CREATE INDEX "IDX_device_status" ON "device" ("status", "last_seen_at")`);
    await q.query(`CREATE INDEX "IDX_device_hostname" ON "device" (lower("hostname"))`);
    await q.query(`CREATE INDEX "IDX_device_os_platform" ON "device" ("os_platform")`);
    await q.query(`CREATE INDEX "IDX_device_group_id" ON "device" ("group_id")`);
    await q.query(`CREATE INDEX "IDX_device_enrolled_at" ON "device" ("enrolled_at" DESC)`);

    await q.query(`
      CREATE TABLE "device_tag" (
        "device_id" uuid NOT NULL REFERENCES "device"("id") ON DELETE CASCADE,
        "tag_id" uuid NOT NULL REFERENCES "tag"("id") ON DELETE CASCADE,
        PRIMARY KEY ("device_id", "tag_id")
      )`);
    await q.query(`CREATE INDEX "IDX_device_tag_tag_id" ON "device_tag" ("tag_id")`);

    await q.query(`
      CREATE TABLE "device_inventory" (
        "device_id" uuid PRIMARY KEY REFERENCES "device"("id") ON DELETE CASCADE,
        "collected_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "data" jsonb NOT NULL
      )`);

    await q.query(`
      CREATE TABLE "device_software" (
        "device_id" uuid NOT NULL REFERENCES "device"("id") ON DELETE CASCADE,
        "name" varchar(255) NOT NULL,
        "version" varchar(128) NOT NULL,
        "source" varchar(16) NOT NULL
      )`);
    await q.query(
      `CREATE INDEX "IDX_device_software_device" ON "device_software" ("device_id", "name")`,
    );
    await q.query(`CREATE INDEX "IDX_device_software_name" ON "device_software" (lower("name"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'device_software',
      'device_inventory',
      'device_tag',
      'device',
      'enrollment_token',
      'tag',
      'device_group',
      'server_key',
    ]) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
