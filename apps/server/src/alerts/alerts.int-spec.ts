import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { AlertsService, type Observation } from './alerts.service';
import { OfflineAlertsService } from './offline-alerts.service';

const obs = (subject: string, ok: boolean, over: Partial<Observation> = {}): Observation => ({
  source: 'website_check',
  subject,
  checkId: null,
  ok,
  severity: 'critical',
  title: `Website down: ${subject}`,
  message: 'HTTP 500',
  failThreshold: 2,
  successThreshold: 2,
  ...over,
});

describe('alerts (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let alerts: AlertsService;

  beforeAll(async () => {
    db = await TestDatabase.create();
    // Loops off: each test drives the sweeps itself.
    server = await startServer(db, { MONITOR_TICK_MS: '0', OFFLINE_ALERT_GRACE_SECONDS: '1' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    alerts = server.app.get(AlertsService);
    // Booting the embedded engine can take a minute on a loaded 2-core machine.
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const events = async (subject: string) =>
    (await server.dataSource.query(
      `SELECT e.kind FROM alert_event e JOIN alert a ON a.id = e.alert_id WHERE a.subject = $1 ORDER BY e.id`,
      [subject],
    )) as { kind: string }[];

  it('fires after N failures, stays one alert, and resolves after M successes', async () => {
    const s = 'website_check:flap-a';
    expect(await alerts.observe(obs(s, false))).toBe('none');
    expect(await alerts.observe(obs(s, false))).toBe('fired');
    expect(await alerts.observe(obs(s, false, { severity: 'warning', message: 'slow' }))).toBe(
      'updated',
    );
    expect(await alerts.observe(obs(s, true))).toBe('none');
    expect(await alerts.observe(obs(s, true))).toBe('resolved');
    expect((await events(s)).map((e) => e.kind)).toEqual(['fired', 'resolved']);
  });

  it('does not fire for a flapping subject', async () => {
    const s = 'website_check:flap-b';
    for (let i = 0; i < 12; i += 1) await alerts.observe(obs(s, i % 2 === 0));
    expect(await events(s)).toEqual([]);
  });

  it('keeps one open alert per subject when many observations race', async () => {
    const s = 'website_check:race';
    const results = await Promise.all(
      Array.from({ length: 8 }, () => alerts.observe(obs(s, false, { failThreshold: 1 }))),
    );
    expect(results.filter((r) => r === 'fired')).toHaveLength(1);
    const [{ n }] = (await server.dataSource.query(
      `SELECT count(*)::int AS n FROM alert WHERE subject = $1`,
      [s],
    )) as { n: number }[];
    expect(n).toBe(1);
  });

  it('lists and filters, acknowledges in bulk (technician, audited), refuses bad input', async () => {
    const fx = factories(server);
    const tech = await (await fx.user({ role: 'technician' })).auth();
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    await alerts.observe(
      obs('website_check:ack-1', false, { failThreshold: 1, severity: 'warning' }),
    );
    await alerts.observe(obs('website_check:ack-2', false, { failThreshold: 1 }));
    const open = await request(server.url)
      .get('/api/alerts?state=firing,acknowledged&severity=critical,warning&pageSize=100')
      .set('Authorization', viewer)
      .expect(200);
    const ids = (open.body.items as { id: string; subject: string }[])
      .filter((a) => a.subject.startsWith('website_check:ack-'))
      .map((a) => a.id);
    expect(ids).toHaveLength(2);
    const warnings = await request(server.url)
      .get('/api/alerts?severity=warning&state=firing')
      .set('Authorization', viewer)
      .expect(200);
    expect(warnings.body.items.map((a: { subject: string }) => a.subject)).toContain(
      'website_check:ack-1',
    );
    expect(warnings.body.items.map((a: { severity: string }) => a.severity)).not.toContain(
      'critical',
    );

    await request(server.url)
      .post('/api/alerts/acknowledge')
      .set('Authorization', viewer)
      .send({ ids })
      .expect(403);
    const bad = await request(server.url)
      .get('/api/alerts?state=exploded')
      .set('Authorization', viewer)
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/state/);
    await request(server.url)
      .post('/api/alerts/acknowledge')
      .set('Authorization', tech)
      .send({ ids: [] })
      .expect(400);
    const missing = await request(server.url)
      .post('/api/alerts/acknowledge')
      .set('Authorization', tech)
      .send({ ids: [ids[0], '00000000-0000-4000-8000-000000000000'] })
      .expect(404);
    expect(missing.body.code).toBe('ALERT_NOT_FOUND');

    const ack = await request(server.url)
      .post('/api/alerts/acknowledge')
      .set('Authorization', tech)
      .send({ ids })
      .expect(200);
    expect([...ack.body.acknowledged].sort()).toEqual([...ids].sort());
    // Again: nothing left to acknowledge, and no second audit entry.
    const again = await request(server.url)
      .post('/api/alerts/acknowledge')
      .set('Authorization', tech)
      .send({ ids })
      .expect(200);
    expect(again.body.acknowledged).toEqual([]);
    const one = await request(server.url)
      .get(`/api/alerts/${ids[0]}`)
      .set('Authorization', viewer)
      .expect(200);
    expect(one.body).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: { email: expect.any(String) },
    });
    const audit = (await server.dataSource.query(
      `SELECT target_id FROM audit_event WHERE action = 'alerts.acknowledge'`,
    )) as { target_id: string }[];
    expect(audit.map((a) => a.target_id).sort()).toEqual([...ids].sort());

    // An acknowledged alert still resolves on recovery.
    await alerts.observe(obs('website_check:ack-2', true, { successThreshold: 1 }));
    const byResolved = await request(server.url)
      .get('/api/alerts?state=resolved&pageSize=100')
      .set('Authorization', admin)
      .expect(200);
    expect(byResolved.body.items.map((a: { subject: string }) => a.subject)).toContain(
      'website_check:ack-2',
    );
  });

  it('fires an offline alert for a device silent past the grace, and resolves it when back', async () => {
    const tok = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'offline', maxUses: 5 })
      .expect(201);
    const { deviceId } = await enroll(server.url, tok.body.token as string, 'quiet-host');
    await server.dataSource.query(
      `UPDATE device SET status = 'offline', last_seen_at = now() - interval '1 hour' WHERE id = $1`,
      [deviceId],
    );
    const sweeps = server.app.get(OfflineAlertsService);
    expect((await sweeps.sweep(true)).fired).toBeGreaterThanOrEqual(1);
    expect((await sweeps.sweep(true)).fired).toBe(0);
    const list = await request(server.url)
      .get(`/api/alerts?source=device_offline&deviceId=${deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      state: 'firing',
      title: 'Device offline: quiet-host',
      links: { device: `/devices/${deviceId}` },
    });
    await server.dataSource.query(
      `UPDATE device SET status = 'online', last_seen_at = now() WHERE id = $1`,
      [deviceId],
    );
    expect((await sweeps.sweep(true)).resolved).toBe(1);
    const after = await request(server.url)
      .get(`/api/alerts/${list.body.items[0].id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(after.body.state).toBe('resolved');
  });
});
