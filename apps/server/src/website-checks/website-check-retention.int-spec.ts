import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import request from 'supertest';
import { WebsiteCheckRetention } from './website-check-retention.service';

describe('website-check result retention (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '0', WEBSITE_CHECK_RETENTION_DAYS: '7' });
    admin = await login(server, ADMIN.email, ADMIN.password);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const check = async (name: string) =>
    (
      await request(server.url)
        .post('/api/website-checks')
        .set('Authorization', admin)
        .send({ name, url: 'http://127.0.0.1:9/' })
        .expect(201)
    ).body.id as string;

  const ages = async (id: string) =>
    (
      (await server.dataSource.query(
        `SELECT round(extract(epoch FROM now() - at) / 86400)::int AS days
         FROM website_check_result WHERE check_id = $1 ORDER BY at`,
        [id],
      )) as { days: number }[]
    ).map((r) => r.days);

  it('deletes results older than the retention, of every check, and keeps the rest', async () => {
    const a = await check('retention a');
    const b = await check('retention b');
    for (const id of [a, b])
      await server.dataSource.query(
        `INSERT INTO website_check_result (check_id, at, outcome, latency_ms)
         SELECT $1, now() - d * interval '1 day', 'ok', 10 FROM unnest(ARRAY[30, 8, 6, 1]) AS d`,
        [id],
      );
    const retention = server.app.get(WebsiteCheckRetention);
    expect(await retention.sweep()).toBe(4);
    expect(await ages(a)).toEqual([6, 1]);
    expect(await ages(b)).toEqual([6, 1]);
    expect(await retention.sweep()).toBe(0);
  });

  it('is claimed by one process a period', async () => {
    const retention = server.app.get(WebsiteCheckRetention);
    await server.dataSource.query(
      `DELETE FROM monitor_sweep WHERE name = 'website_check_retention'`,
    );
    expect(await retention.pass()).toBe(0);
    // Claimed for the next ten minutes: a second process (or pass) does nothing.
    expect(await retention.pass()).toBeNull();
    await server.dataSource.query(
      `UPDATE monitor_sweep SET next_at = now() - interval '1 second' WHERE name = 'website_check_retention'`,
    );
    expect(await retention.pass()).toBe(0);
  });
});
