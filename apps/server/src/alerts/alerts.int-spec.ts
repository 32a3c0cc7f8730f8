import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { AlertEvents } from './alert-events';
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
    // One request, one audit entry naming both alerts and their count.
    const audit = (await server.dataSource.query(
      `SELECT target_id, details FROM audit_event WHERE action = 'alerts.acknowledge'`,
    )) as { target_id: string | null; details: { count: number; alerts: { id: string }[] } }[];
    expect(audit).toHaveLength(1);
    expect(audit[0].target_id).toBeNull();
    expect(audit[0].details.count).toBe(2);
    expect(audit[0].details.alerts.map((a) => a.id).sort()).toEqual([...ids].sort());

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

  it('resolves in bulk (one audit entry), counts open alerts, and tells consoles', async () => {
    const fx = factories(server);
    const tech = await (await fx.user({ role: 'technician' })).auth();
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    // Alerts keep a device's id, not a reference to its row: ids are enough here.
    const d1 = { id: randomUUID() };
    const d2 = { id: randomUUID() };
    const heard: { alertIds: string[]; deviceIds: string[] }[] = [];
    const off = server.app.get(AlertEvents).on('changed', (e) => heard.push(e));
    await alerts.observe(
      obs(`device_offline:${d1.id}`, false, {
        source: 'device_offline',
        deviceId: d1.id,
        failThreshold: 1,
        severity: 'warning',
      }),
    );
    await alerts.observe(
      obs(`device_offline:${d2.id}`, false, {
        source: 'device_offline',
        deviceId: d2.id,
        failThreshold: 1,
      }),
    );
    await alerts.observe(
      obs(`website_check:other-${d2.id}`, false, { deviceId: d2.id, failThreshold: 1 }),
    );
    expect(heard.flatMap((e) => e.deviceIds)).toEqual([d1.id, d2.id, d2.id]);

    const counts = await request(server.url)
      .get(`/api/alerts/device-counts?deviceIds=${d1.id},${d2.id}`)
      .set('Authorization', viewer)
      .expect(200);
    expect(
      (counts.body as { deviceId: string }[]).sort((a, b) =>
        a.deviceId === d1.id ? -1 : b.deviceId === d1.id ? 1 : 0,
      ),
    ).toEqual([
      { deviceId: d1.id, open: 1, severity: 'warning' },
      { deviceId: d2.id, open: 2, severity: 'critical' },
    ]);
    await request(server.url)
      .get('/api/alerts/device-counts?deviceIds=not-a-uuid')
      .set('Authorization', viewer)
      .expect(400);
    const before = await request(server.url)
      .get('/api/alerts/summary')
      .set('Authorization', viewer)
      .expect(200);
    expect(before.body.firing).toBeGreaterThanOrEqual(3);

    const mine = (
      await request(server.url)
        .get(`/api/alerts?deviceId=${d2.id}`)
        .set('Authorization', viewer)
        .expect(200)
    ).body.items.map((a: { id: string }) => a.id) as string[];
    await request(server.url)
      .post('/api/alerts/resolve')
      .set('Authorization', viewer)
      .send({ ids: mine })
      .expect(403);
    heard.length = 0;
    const done = await request(server.url)
      .post('/api/alerts/resolve')
      .set('Authorization', tech)
      .send({ ids: mine })
      .expect(200);
    expect([...done.body.resolved].sort()).toEqual([...mine].sort());
    expect(heard).toEqual([{ alertIds: expect.arrayContaining(mine), deviceIds: [d2.id] }]);
    off();
    const again = await request(server.url)
      .post('/api/alerts/resolve')
      .set('Authorization', tech)
      .send({ ids: mine })
      .expect(200);
    expect(again.body.resolved).toEqual([]);
    const audit = (await server.dataSource.query(
      `SELECT details FROM audit_event WHERE action = 'alerts.resolve'`,
    )) as { details: { count: number } }[];
    expect(audit.map((a) => a.details.count)).toEqual([2]);
    // Resolved by hand: notified like a recovery, and the counters start again, so a
    // still-failing subject needs its full fail threshold to fire anew.
    expect((await events(`device_offline:${d2.id}`)).map((e) => e.kind)).toEqual([
      'fired',
      'resolved',
    ]);
    const again1 = obs(`device_offline:${d2.id}`, false, {
      source: 'device_offline',
      deviceId: d2.id,
      failThreshold: 2,
    });
    expect(await alerts.observe(again1)).toBe('none');
    expect(await alerts.observe(again1)).toBe('fired');

    const after = await request(server.url)
      .get(`/api/alerts/device-counts?deviceIds=${d2.id}`)
      .set('Authorization', viewer)
      .expect(200);
    expect(after.body).toEqual([{ deviceId: d2.id, open: 1, severity: 'critical' }]);
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
