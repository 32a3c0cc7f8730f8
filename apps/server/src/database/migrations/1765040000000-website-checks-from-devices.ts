import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Website checks run from chosen devices too (a site seen from inside a network): the devices
 * a check also runs from (ids, groups, tags, chosen as agent checks choose theirs), and the
 * location of each result (`device_id` null: the server). Each location's latest result and
 * response-time series are read by (check, location) in time order, hence the index.
 * `device_id` has no foreign key: the device table is the devices module's, and a deleted
 * device's results simply age out with the retention.
 */
export class WebsiteChecksFromDevices1765040000000 implements MigrationInterface {
  name = 'WebsiteChecksFromDevices1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "website_check"
      ADD COLUMN "run_from_device_ids" uuid[] NOT NULL DEFAULT '{}',
      ADD COLUMN "run_from_group_ids" uuid[] NOT NULL DEFAULT '{}',
      ADD COLUMN "run_from_tags" text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "website_check_result" ADD COLUMN "device_id" uuid`);
    await q.query(
      `CREATE INDEX "IDX_website_check_result_location" ON "website_check_result"
         ("check_id", "device_id", "at" DESC, "id" DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_website_check_result_location"`);
    await q.query(`ALTER TABLE "website_check_result" DROP COLUMN "device_id"`);
    await q.query(`ALTER TABLE "website_check"
      DROP COLUMN "run_from_device_ids",
      DROP COLUMN "run_from_group_ids",
      DROP COLUMN "run_from_tags"`);
  }
}
