import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Software deployment: the catalogue's titles (a package name per manager, optional version
 * pins), uploaded installers (content-addressed: the bytes live under DATA_DIR by their
 * SHA-256, the row keeps hash, size and who uploaded them), and each software run's report
 * (versions before and after, reboot state) beside the run it belongs to.
 */
export class Software1764800000000 implements MigrationInterface {
  name = 'Software1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "software_title" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "publisher" varchar(200),
        "packages" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_software_title_packages" CHECK (jsonb_typeof("packages") = 'array')
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_software_title_name" ON "software_title" (lower("name"))`,
    );
    await q.query(`
      CREATE TABLE "software_installer" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "file_name" varchar(255) NOT NULL,
        "type" varchar(8) NOT NULL,
        "sha256" char(64) NOT NULL,
        "size" bigint NOT NULL,
        "silent_args" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "created_by" uuid,
        "created_by_email" varchar(320),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_software_installer_type" CHECK ("type" IN ('deb', 'rpm', 'msi', 'pkg', 'exe')),
        CONSTRAINT "CHK_software_installer_size" CHECK ("size" > 0)
      )`);
    await q.query(
      `CREATE INDEX "IDX_software_installer_created_at" ON "software_installer" ("created_at")`,
    );
    await q.query(
      `CREATE INDEX "IDX_software_installer_sha256" ON "software_installer" ("sha256")`,
    );
    await q.query(`ALTER TABLE "job_run" ADD COLUMN "software" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job_run" DROP COLUMN "software"`);
    await q.query(`DROP TABLE "software_installer"`);
    await q.query(`DROP TABLE "software_title"`);
  }
}
