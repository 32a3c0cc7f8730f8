import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet software queries ("who has 7-Zip, which version") start from a package name and need
 * only (source, version, device): one covering index answers them from the index alone, for an
 * exact name or a name prefix (text_pattern_ops makes LIKE 'x%' indexable whatever the
 * collation). It replaces the plain lower(name) index, which it covers.
 */
export class SoftwareInventory1764810000000 implements MigrationInterface {
  name = 'SoftwareInventory1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "IDX_device_software_lname_cover" ON "device_software"
       (lower("name") text_pattern_ops, "source", "version", "device_id")`,
    );
    await q.query(`DROP INDEX "IDX_device_software_name"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_device_software_name" ON "device_software" (lower("name"))`);
    await q.query(`DROP INDEX "IDX_device_software_lname_cover"`);
  }
}
