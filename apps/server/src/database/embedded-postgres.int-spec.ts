import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Client } from 'pg';
import { copyEmbeddedTemplate } from '../test-support/schema-template';
import { EmbeddedPostgres } from './embedded-postgres';

/**
 * PGlite-socket has no password: the embedded engine must never be reachable over TCP. Each
 * data dir starts as a copy of the run's migrated cluster: what is tested is the listener, and
 * an initdb from empty cost 30 s and more per start on a loaded CI machine.
 */
describe('embedded PostgreSQL listener (integration)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fleetdesk-embedded-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function query(host: string, port: number): Promise<number> {
    const client = new Client({ host, port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT 41 + 1 AS n');
      return rows[0].n;
    } finally {
      await client.end();
    }
  }

  const mode = (path: string) => statSync(path).mode & 0o777;

  it('listens on a Unix socket in DATA_DIR/run (0700) when the path fits', async () => {
    const dataDir = join(root, 'short');
    await copyEmbeddedTemplate(dataDir);
    const embedded = new EmbeddedPostgres(dataDir);
    const conn = await embedded.start();
    try {
      expect(conn.host).toBe(join(dataDir, 'run'));
      expect(mode(conn.host)).toBe(0o700);
      expect(statSync(join(conn.host, '.s.PGSQL.5432')).isSocket()).toBe(true);
      expect(await query(conn.host, conn.port)).toBe(42);
    } finally {
      await embedded.stop();
    }
  });

  it('uses a private 0700 temp directory, not 127.0.0.1, when DATA_DIR is too long for a socket', async () => {
    const dataDir = join(root, 'a-data-dir-whose-path-is-far-too-long'.repeat(4));
    expect(Buffer.byteLength(join(dataDir, 'run', '.s.PGSQL.5432'))).toBeGreaterThan(108);
    await copyEmbeddedTemplate(dataDir);
    const embedded = new EmbeddedPostgres(dataDir);
    const conn = await embedded.start();
    let host = '';
    try {
      host = conn.host;
      expect(isAbsolute(host)).toBe(true);
      expect(host.startsWith(dataDir)).toBe(false);
      expect(mode(host)).toBe(0o700);
      expect(statSync(join(host, '.s.PGSQL.5432')).isSocket()).toBe(true);
      expect(await query(host, conn.port)).toBe(42);
      // The data itself still lives under DATA_DIR.
      expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    } finally {
      await embedded.stop();
    }
    expect(existsSync(host)).toBe(false);
  });
});
