import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `job_run_count`: how many runs of each job are in each state, kept by statement-level
 * triggers on `job_run`, so a job's counts are a read of at most nine rows instead of a count
 * of its runs. The console polls `GET /api/jobs/:id` while a job fans out; at ten thousand
 * runs the count read ~30,000 index entries (each run's versions) and ~700 heap pages, 4–6 ms
 * of PostgreSQL each time, ~40 times a fan-out (BENCHMARKS.md, fan-out, i10c).
 *
 * Triggers rather than the run store's own statements: every writer of `job_run` is covered
 * (a transition, a cascade from a deleted device or job, a test's direct UPDATE), and the
 * counts change in the same transaction as the runs, so they are never ahead or behind of
 * the committed rows. One statement of the trigger per statement on `job_run` (transition
 * tables), not one per row: a claim of ten thousand runs adds one grouped upsert. Counter
 * rows are locked in (job_id, status) order at the end of each statement, so two statements
 * touching the same jobs queue rather than deadlock.
 *
 * And `job_run` gets fillfactor 40. Each run is written three times (inserted pending,
 * claimed, finished), and a state is in its indexes, so no update is HOT; with full pages
 * each new version went to another page (a relation extension or a free-space lookup, one
 * more page dirtied and logged). With room on the page the claim and the result usually
 * land beside the row they replace: ~4 % less PostgreSQL CPU for a 10,000-run round
 * (claim, output, result writes), measured with the same statements on bench databases.
 * It applies to pages written from now on.
 */
export class JobRunCounts1765100000000 implements MigrationInterface {
  name = 'JobRunCounts1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "job_run_count" (
        "job_id" uuid NOT NULL,
        "status" varchar(16) NOT NULL,
        "n" integer NOT NULL,
        CONSTRAINT "PK_job_run_count" PRIMARY KEY ("job_id", "status"),
        CONSTRAINT "FK_job_run_count_job" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE
      )`);
    // A deleted run only lowers a counter that exists (its job's row may be going too, by
    // the same cascade); inserted and updated runs add their new state and, for an update,
    // take away their old one (an update that keeps the state changes nothing).
    await q.query(`
      CREATE FUNCTION "job_run_count_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO job_run_count AS c (job_id, status, n)
          SELECT job_id, status, count(*) FROM new_runs GROUP BY job_id, status ORDER BY job_id, status
          ON CONFLICT (job_id, status) DO UPDATE SET n = c.n + excluded.n;
        ELSIF TG_OP = 'UPDATE' THEN
          INSERT INTO job_run_count AS c (job_id, status, n)
          SELECT job_id, status, sum(d) FROM (
            SELECT job_id, status, -1 AS d FROM old_runs
            UNION ALL SELECT job_id, status, 1 AS d FROM new_runs) x
          GROUP BY job_id, status HAVING sum(d) <> 0 ORDER BY job_id, status
          ON CONFLICT (job_id, status) DO UPDATE SET n = c.n + excluded.n;
        ELSE
          UPDATE job_run_count c SET n = c.n - x.n
          FROM (SELECT job_id, status, count(*) AS n FROM old_runs GROUP BY job_id, status) x
          WHERE c.job_id = x.job_id AND c.status = x.status;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER "TRG_job_run_count_insert" AFTER INSERT ON "job_run"
      REFERENCING NEW TABLE AS new_runs
      FOR EACH STATEMENT EXECUTE FUNCTION "job_run_count_apply"()`);
    await q.query(`
      CREATE TRIGGER "TRG_job_run_count_update" AFTER UPDATE ON "job_run"
      REFERENCING OLD TABLE AS old_runs NEW TABLE AS new_runs
      FOR EACH STATEMENT EXECUTE FUNCTION "job_run_count_apply"()`);
    await q.query(`
      CREATE TRIGGER "TRG_job_run_count_delete" AFTER DELETE ON "job_run"
      REFERENCING OLD TABLE AS old_runs
      FOR EACH STATEMENT EXECUTE FUNCTION "job_run_count_apply"()`);
    await q.query(`
      INSERT INTO "job_run_count" (job_id, status, n)
      SELECT job_id, status, count(*) FROM "job_run" GROUP BY job_id, status`);
    await q.query(`ALTER TABLE "job_run" SET (fillfactor = 40)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "job_run" RESET (fillfactor)`);
    await q.query(`DROP TRIGGER "TRG_job_run_count_delete" ON "job_run"`);
    await q.query(`DROP TRIGGER "TRG_job_run_count_update" ON "job_run"`);
    await q.query(`DROP TRIGGER "TRG_job_run_count_insert" ON "job_run"`);
    await q.query(`DROP FUNCTION "job_run_count_apply"()`);
    await q.query(`DROP TABLE "job_run_count"`);
  }
}
