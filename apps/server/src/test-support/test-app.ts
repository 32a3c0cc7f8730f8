import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../app.factory';
import { AppConfig, loadConfig } from '../config/app-config';

export type Engine = 'embedded' | 'postgres';

/** Which engine this test run targets: scripts/test.mjs runs the suite once per engine. */
export function testEngine(): Engine {
  return process.env.FLEETDESK_TEST_ENGINE === 'postgres' ? 'postgres' : 'embedded';
}

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

/**
 * A private, empty database for one test file: a temporary PGlite data dir, or a fresh
 * database on the PostgreSQL server named by TEST_DATABASE_URL. Either way the real
 * migrations build the schema.
 */
export class TestDatabase {
  private constructor(
    readonly engine: Engine,
    readonly dataDir: string,
    readonly databaseUrl: string | undefined,
    private readonly dropName?: string,
  ) {}

  static async create(engine: Engine = testEngine()): Promise<TestDatabase> {
    const dataDir = await mkdtemp(join(tmpdir(), 'fleetdesk-test-'));
    if (engine === 'embedded') return new TestDatabase(engine, dataDir, undefined);
    const base = process.env.TEST_DATABASE_URL;
    if (!base) throw new Error('FLEETDESK_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    const name = `fleetdesk_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return new TestDatabase(engine, dataDir, url.toString(), name);
  }

  async destroy(): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
    if (!this.dropName) return;
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${this.dropName}" WITH (FORCE)`);
    await admin.end();
  }
}

export interface TestServer {
  app: NestExpressApplication;
  config: AppConfig;
  url: string;
  dataSource: DataSource;
  http: () => request.Agent;
  close: () => Promise<void>;
}

/** Boots the real AppModule on a real database and a real port, as main.ts does. */
export async function startServer(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    FLEETDESK_ADMIN_EMAIL: ADMIN.email,
    FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    url,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    http: () => request.agent(url),
    close: () => app.close(),
  };
}

/** Signs in through the real login route and returns a bearer header value. */
export async function login(server: TestServer, email: string, password: string): Promise<string> {
  const res = await request(server.url)
    .post('/api/auth/login')
    .send({ email, password })
    .expect(200);
  return `Bearer ${(res.body as { accessToken: string }).accessToken}`;
}

export async function countRows(server: TestServer, table: string): Promise<number> {
  const [row] = (await server.dataSource.query(`SELECT count(*)::int AS n FROM "${table}"`)) as {
    n: number;
  }[];
  return row.n;
}
