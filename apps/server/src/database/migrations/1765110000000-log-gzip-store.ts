import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Collected files are stored as the gzip the agent sent (ten times fewer bytes to write and
 * sync than the log itself) and checked against the manifest after they are received:
 * - `stored_sha256`/`stored_bytes`: the object holding the file (its key is the SHA-256 of
 *   the stored bytes, so the name still proves the content) and, while uploading, how many
 *   bytes of it the partial file holds (the resume offset on disk);
 * - `encoding`: `gzip` for those, `identity` for files stored before (key = `sha256`);
 * - `verified_at`: set once the unzipped bytes hashed to the manifest's SHA-256 and size;
 *   `verify_lease`: a verifier's claim, so among several server processes one checks a file,
 *   and a crashed one's claim runs out;
 * - `log_bundle.received_at`: when the last byte was stored (the agent may forget it then);
 *   `completed_at` stays "verified".
 * Files half-uploaded by the previous code hold raw bytes: they restart from chunk 0 (the
 * agent asks where each file stands before it sends).
 */
export class LogGzipStore1765110000000 implements MigrationInterface {
  name = 'LogGzipStore1765110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "log_bundle_file"
      ADD "stored_sha256" char(64),
      ADD "stored_bytes" bigint NOT NULL DEFAULT 0,
      ADD "encoding" varchar(8) NOT NULL DEFAULT 'identity',
      ADD "verified_at" timestamptz,
      ADD "verify_lease" timestamptz,
      ADD CONSTRAINT "CHK_log_bundle_file_encoding" CHECK ("encoding" IN ('identity', 'gzip'))`);
    await q.query(`ALTER TABLE "log_bundle" ADD "received_at" timestamptz`);
    await q.query(`UPDATE "log_bundle_file" SET "verified_at" = now() WHERE "complete"`);
    await q.query(
      `UPDATE "log_bundle_file" SET "next_seq" = 0, "received_bytes" = 0 WHERE NOT "complete"`,
    );
    await q.query(
      `UPDATE "log_bundle" b SET "received_at" = b."completed_at",
              "received_bytes" = (SELECT COALESCE(SUM(f."received_bytes"), 0) FROM "log_bundle_file" f WHERE f."bundle_id" = b."id")`,
    );
    await q.query(
      `CREATE INDEX "IDX_log_bundle_file_unverified" ON "log_bundle_file" ("bundle_id", "idx")
        WHERE "complete" AND "verified_at" IS NULL`,
    );
    await q.query(
      `CREATE INDEX "IDX_log_bundle_file_stored" ON "log_bundle_file" ("stored_sha256")
        WHERE "stored_sha256" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_log_bundle_file_stored"`);
    await q.query(`DROP INDEX "IDX_log_bundle_file_unverified"`);
    await q.query(`ALTER TABLE "log_bundle" DROP COLUMN "received_at"`);
    await q.query(`ALTER TABLE "log_bundle_file"
      DROP CONSTRAINT "CHK_log_bundle_file_encoding",
      DROP COLUMN "verify_lease", DROP COLUMN "verified_at", DROP COLUMN "encoding",
      DROP COLUMN "stored_bytes", DROP COLUMN "stored_sha256"`);
  }
}
