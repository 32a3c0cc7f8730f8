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
import { testRunId, track, untrack } from './leftovers';
import { copyEmbeddedTemplate, postgresTemplate } from './schema-template';

export type Engine = 'embedded' | 'postgres';

/** Which engine this test run targets: scripts/test.mjs runs the suite once per engine. */
export function testEngine(): Engine {
  return process.env.FLEETDESK_TEST_ENGINE === 'postgres' ? 'postgres' : 'embedded';
}

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

/**
 * A private database for one test file: a temporary PGlite data dir, or a fresh database on
 * the PostgreSQL server named by TEST_DATABASE_URL. Either way its schema is the one the real
 * migrations make of an empty one.
 */
export class TestDatabase {
  private constructor(
    readonly engine: Engine,
    readonly dataDir: string,
    readonly databaseUrl: string | undefined,
    private readonly dropName?: string,
  ) {}

  /**
   * `empty: true` for a database with no schema at all, to test the migrations themselves;
   * otherwise a copy of this run's migrated template (schema-template.ts), which is what the
   * migrations make of an empty one.
   */
  static async create(
    engine: Engine = testEngine(),
    { empty = false }: { empty?: boolean } = {},
  ): Promise<TestDatabase> {
    const dataDir = await mkdtemp(join(tmpdir(), 'fleetdesk-test-'));
    if (engine === 'embedded') {
      const db = new TestDatabase(engine, dataDir, undefined).tracked();
      if (!empty) await copyEmbeddedTemplate(dataDir);
      return db;
    }
    const base = process.env.TEST_DATABASE_URL;
    if (!base) throw new Error('FLEETDESK_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    // The run id lets the global teardown drop this database even if this file never does.
    const name = `fleetdesk_t_${testRunId()}_${Math.random().toString(36).slice(2, 10)}`;
    const template = empty ? null : await postgresTemplate(base);
    const admin = new Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
    } finally {
      await admin.end();
    }
    const url = new URL(base);
    url.pathname = `/${name}`;
    return new TestDatabase(engine, dataDir, url.toString(), name).tracked();
  }

  private destroyed?: Promise<void>;

  private tracked(): this {
    track(this, 'database', `test database ${this.dropName ?? this.dataDir}`, () => this.destroy());
    return this;
  }

  /** Idempotent; removes the data dir and drops the database even if one of the two fails. */
  destroy(): Promise<void> {
    untrack(this);
    this.destroyed ??= (async () => {
      try {
        await rm(this.dataDir, { recursive: true, force: true });
      } finally {
        if (this.dropName) {
          const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
          await admin.connect();
          try {
            await admin.query(`DROP DATABASE IF EXISTS "${this.dropName}" WITH (FORCE)`);
          } finally {
            await admin.end();
          }
        }
      }
    })();
    return this.destroyed;
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
  let closed: Promise<void> | undefined;
  const close = () => {
    untrack(app);
    closed ??= app.close();
    return closed;
  };
  track(app, 'server', 'test server', close);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    url,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    http: () => request.agent(url),
    close,
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
