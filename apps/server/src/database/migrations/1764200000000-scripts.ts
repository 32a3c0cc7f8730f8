import { MigrationInterface, QueryRunner } from 'typeorm';

export class Scripts1764200000000 implements MigrationInterface {
  name = 'Scripts1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "script" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(100) NOT NULL,
        "description" varchar(2000) NOT NULL DEFAULT '',
        "tags" text[] NOT NULL DEFAULT '{}',
        "current_version" integer NOT NULL,
        "builtin" boolean NOT NULL DEFAULT false,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "archived_at" timestamptz,
        CONSTRAINT "FK_script_created_by" FOREIGN KEY ("created_by")
          REFERENCES "user"("id") ON DELETE SET NULL,
        CONSTRAINT "CHK_script_name" CHECK (length(btrim("name")) > 0),
        CONSTRAINT "CHK_script_current_version" CHECK ("current_version" >= 1),
        CONSTRAINT "CHK_script_builtin_not_archived" CHECK (NOT ("builtin" AND "archived_at" IS NOT NULL))
      )`);
    // Unique among live scripts, so an archived script's name can be used again.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_script_name" ON "script" (lower("name")) WHERE "archived_at" IS NULL`,
    );
    await q.query(`CREATE INDEX "IDX_script_name" ON "script" (lower("name"), "id")`);
    await q.query(`CREATE INDEX "IDX_script_tags" ON "script" USING gin ("tags")`);

    // Versions are immutable: a new edit is a new row.
    await q.query(`
      CREATE TABLE "script_version" (
        "script_id" uuid NOT NULL,
        "version" integer NOT NULL,
        "language" varchar(16) NOT NULL,
        "body" text NOT NULL,
        "body_sha256" char(64) NOT NULL,
        "parameters" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "default_timeout_seconds" integer NOT NULL DEFAULT 300,
        "created_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_script_version" PRIMARY KEY ("script_id", "version"),
        CONSTRAINT "FK_script_version_script" FOREIGN KEY ("script_id")
          REFERENCES "script"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_script_version_created_by" FOREIGN KEY ("created_by")
          REFERENCES "user"("id") ON DELETE SET NULL,
        CONSTRAINT "CHK_script_version_version" CHECK ("version" >= 1),
        CONSTRAINT "CHK_script_version_language"
          CHECK ("language" IN ('bash', 'sh', 'powershell', 'python', 'node', 'cmd')),
        CONSTRAINT "CHK_script_version_body" CHECK (octet_length("body") BETWEEN 1 AND 262144),
        CONSTRAINT "CHK_script_version_body_sha256" CHECK ("body_sha256" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "CHK_script_version_parameters"
          CHECK (jsonb_typeof("parameters") = 'array' AND jsonb_array_length("parameters") <= 32),
        CONSTRAINT "CHK_script_version_timeout"
          CHECK ("default_timeout_seconds" BETWEEN 1 AND 86400)
      )`);
    // The current version always exists; checked at commit, since the script row comes first.
    await q.query(`
      ALTER TABLE "script" ADD CONSTRAINT "FK_script_current_version"
        FOREIGN KEY ("id", "current_version") REFERENCES "script_version"("script_id", "version")
        DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "script" DROP CONSTRAINT "FK_script_current_version"`);
    await q.query(`DROP TABLE "script_version"`);
    await q.query(`DROP TABLE "script"`);
  }
}
