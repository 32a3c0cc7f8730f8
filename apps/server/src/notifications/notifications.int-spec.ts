import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AlertsService } from '../alerts/alerts.service';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { NotificationDispatcher } from './notification-dispatcher.service';

interface Got {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

describe('notification channels (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let receiver: Server;
  let base: string;
  const got: Got[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '0', SMTP_URL: 'smtp://127.0.0.1:1' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url ?? '', headers: req.headers, raw });
        res.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  }, 180_000);
  afterAll(async () => {
    receiver?.closeAllConnections();
    receiver?.close();
    await server?.close();
    await db?.destroy();
  });

  const create = (body: object, auth = admin) =>
    request(server.url).post('/api/notification-channels').set('Authorization', auth).send(body);

  it('is for admins only, and refuses a bad target with a clear error', async () => {
    const tech = await (await factories(server).user({ role: 'technician' })).auth();
    await create({ name: 'x', kind: 'webhook', url: `${base}/x` }, tech).expect(403);
    await request(server.url)
      .get('/api/notification-channels')
      .set('Authorization', tech)
      .expect(403);
    const cases: [object, RegExp][] = [
      [{ name: 'x', kind: 'webhook', url: 'file:///etc/passwd' }, /url uses file/],
      [{ name: 'x', kind: 'webhook' }, /needs a url/],
      [
        { name: 'x', kind: 'slack', url: `${base}/x`, emailTo: ['a@example.com'] },
        /takes url, not emailTo/,
      ],
      [{ name: 'x', kind: 'email' }, /at least one address/],
      [{ name: 'x', kind: 'email', emailTo: ['not-an-address'] }, /emailTo/],
      [{ name: 'x', kind: 'pager', url: `${base}/x` }, /kind/],
      [{ name: 'x', kind: 'webhook', url: `${base}/x`, digestSeconds: -1 }, /digestSeconds/],
      [
        { name: 'x', kind: 'webhook', url: `${base}/x`, routing: { minSeverity: 'loud' } },
        /minSeverity/,
      ],
    ];
    for (const [body, why] of cases)
      expect(JSON.stringify((await create(body).expect(400)).body)).toMatch(why);
  });

  it('creates an email channel (no URL, no secret)', async () => {
    const res = await create({ name: 'mail', kind: 'email', emailTo: ['oncall@example.com'] });
    expect(res.body).toMatchObject({
      kind: 'email',
      url: null,
      emailTo: ['oncall@example.com'],
      signingSecret: null,
    });
    expect(res.status).toBe(201);
  });

  it('keeps the URL and signing secret sealed, sends a signed test, and lists the delivery', async () => {
    const res = await create({
      name: 'ops',
      kind: 'webhook',
      url: `${base}/hooks/very-secret-path`,
    }).expect(201);
    const { id, signingSecret, url } = res.body as {
      id: string;
      signingSecret: string;
      url: string;
    };
    expect(url).toBe(`${base}/hooks/very-…`);
    const [row] = (await server.dataSource.query(
      `SELECT url_sealed, signing_secret_sealed FROM notification_channel WHERE id = $1`,
      [id],
    )) as { url_sealed: string; signing_secret_sealed: string }[];
    expect(row.url_sealed).not.toContain('very-secret-path');
    expect(row.signing_secret_sealed).not.toContain(signingSecret);
    // Shown once.
    const again = await request(server.url)
      .get(`/api/notification-channels/${id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(again.body.signingSecret).toBeUndefined();

    const test = await request(server.url)
      .post(`/api/notification-channels/${id}/test`)
      .set('Authorization', admin)
      .expect(200);
    expect(test.body).toMatchObject({ status: 'delivered', test: true, events: 0 });
    const hit = got.find((g) => g.path === '/hooks/very-secret-path');
    expect(hit).toBeDefined();
    const ts = String(hit?.headers['x-fleetdesk-timestamp']);
    const expected = createHmac('sha256', signingSecret)
      .update(`${ts}.${hit?.raw ?? ''}`)
      .digest('hex');
    expect(hit?.headers['x-fleetdesk-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(hit?.raw ?? '{}')).toMatchObject({ type: 'fleetdesk.alerts', test: true });

    const list = await request(server.url)
      .get(`/api/notification-channels/${id}/deliveries`)
      .set('Authorization', admin)
      .expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: test.body.id,
        status: 'delivered',
        attempts: [expect.objectContaining({ ok: true, code: 200 })],
      }),
    ]);
    const audit = (await server.dataSource.query(
      `SELECT action FROM audit_event WHERE target_id = $1 ORDER BY id`,
      [id],
    )) as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual([
      'notifications.channel.create',
      'notifications.channel.test',
    ]);
  });

  it('answers a failed test with the error, without retrying it', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const res = await create({
      name: 'dead',
      kind: 'teams',
      url: `http://127.0.0.1:${port}/`,
    }).expect(201);
    const test = await request(server.url)
      .post(`/api/notification-channels/${res.body.id as string}/test`)
      .set('Authorization', admin)
      .expect(200);
    expect(test.body.status).toBe('failed');
    expect(test.body.attempts[0].error).toMatch(/ECONNREFUSED/);
  });

  it('routes by severity and tag, and gathers changes of one window into one digest', async () => {
    const all = await create({
      name: 'all',
      kind: 'webhook',
      url: `${base}/all`,
      routing: { minSeverity: 'info' },
      digestSeconds: 0,
    }).expect(201);
    await create({
      name: 'db only',
      kind: 'webhook',
      url: `${base}/db`,
      routing: { minSeverity: 'info', tags: ['db'] },
      digestSeconds: 0,
    }).expect(201);
    await create({
      name: 'critical only',
      kind: 'slack',
      url: `${base}/crit`,
      routing: { minSeverity: 'critical' },
      digestSeconds: 0,
    }).expect(201);
    const alerts = server.app.get(AlertsService);
    for (const i of [1, 2, 3])
      await alerts.observe({
        source: 'website_check',
        subject: `website_check:digest-${i}`,
        ok: false,
        severity: 'warning',
        title: `Website warning: site ${i}`,
        message: 'slow',
        failThreshold: 1,
        successThreshold: 1,
        tags: ['web'],
      });
    await server.app.get(NotificationDispatcher).pass();
    const toAll = got.filter((g) => g.path === '/all');
    expect(toAll).toHaveLength(1);
    const body = JSON.parse(toAll[0].raw) as {
      digest: boolean;
      events: unknown[];
      summary: string;
    };
    expect(body).toMatchObject({ digest: true, summary: 'Fleetdesk digest: 3 alert(s) fired' });
    expect(body.events).toHaveLength(3);
    expect(got.filter((g) => g.path === '/db' || g.path === '/crit')).toEqual([]);
    const list = await request(server.url)
      .get(`/api/notification-channels/${all.body.id as string}/deliveries`)
      .set('Authorization', admin)
      .expect(200);
    expect(list.body.items[0]).toMatchObject({ events: 3, status: 'delivered' });
  });
});
