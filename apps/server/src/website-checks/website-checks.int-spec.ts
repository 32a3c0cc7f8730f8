import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { WebsiteCheckRunner } from './website-check-runner.service';

describe('website checks (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let site: Server;
  let siteUrl: string;
  const status = 500;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '0' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    site = createServer((_q, res) => void res.writeHead(status).end('x'));
    site.listen(0, '127.0.0.1');
    await once(site, 'listening');
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  }, 180_000);
  afterAll(async () => {
    site?.closeAllConnections();
    site?.close();
    await server?.close();
    await db?.destroy();
  });

  const post = (auth: string, body: object) =>
    request(server.url).post('/api/website-checks').set('Authorization', auth).send(body);

  it('is admin-configured, and refuses what is not an http(s) URL with a clear error', async () => {
    const tech = await (await factories(server).user({ role: 'technician' })).auth();
    await post(tech, { name: 'x', url: siteUrl }).expect(403);
    for (const [url, why] of [
      ['file:///etc/passwd', /url uses file; only http and https are allowed/],
      ['gopher://127.0.0.1:70/', /url uses gopher/],
      ['not a url', /not a valid absolute URL/],
      ['http://user:pw@example.com/', /user name or password/],
    ] as const) {
      const res = await post(admin, { name: 'x', url }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(why);
    }
    await post(admin, { name: 'x', url: siteUrl, intervalSeconds: 1 }).expect(400);
    await post(admin, { name: 'x', url: siteUrl, redirectPolicy: 'sometimes' }).expect(400);
    await post(admin, { name: 'x', url: siteUrl, unknown: 1 }).expect(400);
    const ok = await post(admin, { name: 'defaults', url: siteUrl }).expect(201);
    expect(ok.body).toMatchObject({
      expectedStatus: 200,
      redirectPolicy: 'follow',
      certWarnDays: 14,
      intervalSeconds: 60,
      failThreshold: 2,
      successThreshold: 1,
      severity: 'critical',
      enabled: true,
      lastOutcome: null,
    });
    const audit = (await server.dataSource.query(
      `SELECT action FROM audit_event WHERE target_id = $1`,
      [ok.body.id],
    )) as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(['website_checks.create']);
    await request(server.url)
      .delete(`/api/website-checks/${ok.body.id as string}`)
      .set('Authorization', admin)
      .expect(204);
  });

  it('runs a due check once however many passes race for it, stores the result, alerts, and resolves on delete', async () => {
    const c = await post(admin, { name: 'racy', url: siteUrl, failThreshold: 1 }).expect(201);
    const id = c.body.id as string;
    const runner = server.app.get(WebsiteCheckRunner);
    const ran = await Promise.all([runner.pass(), runner.pass(), runner.pass()]);
    expect(ran.reduce((a, b) => a + b, 0)).toBe(1);
    const results = await request(server.url)
      .get(`/api/website-checks/${id}/results`)
      .set('Authorization', admin)
      .expect(200);
    expect(results.body.items).toEqual([
      expect.objectContaining({
        outcome: 'critical',
        statusCode: 500,
        message: 'HTTP 500 (expected 200)',
      }),
    ]);
    // Not due again before its interval.
    expect(await runner.pass()).toBe(0);
    const alerts = await request(server.url)
      .get(`/api/alerts?checkId=${id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(alerts.body.items).toEqual([
      expect.objectContaining({ state: 'firing', title: 'Website down: racy' }),
    ]);

    await request(server.url)
      .delete(`/api/website-checks/${id}`)
      .set('Authorization', admin)
      .expect(204);
    const after = await request(server.url)
      .get(`/api/alerts/${alerts.body.items[0].id as string}`)
      .set('Authorization', admin)
      .expect(200);
    expect(after.body.state).toBe('resolved');
    await request(server.url)
      .get(`/api/website-checks/${id}`)
      .set('Authorization', admin)
      .expect(404);
  });
});
