import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT, spawnNode } from './processes';
import { testEngine } from './test-app';

/**
 * Test databases are dropped even when a test file fails: one whose beforeAll throws (the
 * setup file's afterAll drops it) and one whose worker is killed (the global teardown drops
 * every database named with this run's id). Runs the broken files in ./fixtures through a
 * real jest.
 */
(testEngine() === 'postgres' ? describe : describe.skip)(
  'test databases left by failed test files (integration, PostgreSQL only)',
  () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fleetdesk-leftovers-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('drops every one of them by the end of the run', async () => {
      const run = `lo${randomBytes(4).toString('hex')}`;
      const out = join(dir, 'created.txt');
      const jest = spawnNode(
        [
          join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--config',
          join(__dirname, 'fixtures', 'jest.config.js'),
          '--maxWorkers=2',
        ],
        {
          FLEETDESK_TEST_ENGINE: 'postgres',
          FLEETDESK_TEST_RUN: run,
          TEST_DATABASE_URL: process.env.TEST_DATABASE_URL!,
          FIXTURE_OUT: out,
          NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning',
        },
      );
      expect(await jest.exited).not.toBe(0);
      const created = (await readFile(out, 'utf8')).trim().split('\n');
      const names = created.map((url) => new URL(url).pathname.slice(1));
      // Both kinds of failure happened, each after creating its database.
      expect(jest.output()).toContain('beforeAll failed on purpose');
      expect(names.length).toBeGreaterThanOrEqual(2);
      expect(names.every((n) => n.startsWith(`fleetdesk_t_${run}_`))).toBe(true);

      const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datname = ANY($1)',
          [names],
        );
        expect(rows).toEqual([]);
      } finally {
        await admin.end();
      }
    }, 120_000);
  },
);
