import { checksSigningPayload, verifyPayload } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll, type Enrolled, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

describe('agent checks (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let tech: string;
  let viewer: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '200', AGENT_CHECK_SUMMARY_SECONDS: '60' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    tech = await (await fx.user({ role: 'technician' })).auth();
    viewer = await (await fx.user({ role: 'viewer' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'checks', tags: ['db'] })
        .expect(201)
    ).body.token as string;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const post = (auth: string, body: object) =>
    request(server.url).post('/api/agent-checks').set('Authorization', auth).send(body);

  it('is for technicians, audited, validated per kind, and keeps only what the kind uses', async () => {
    await post(viewer, {
      name: 'x',
      kind: 'cpu',
      thresholdPercent: 90,
      target: { all: true },
    }).expect(403);
    const made = await post(tech, {
      name: 'db service',
      kind: 'service',
      service: 'postgresql',
      // Not a service check's: dropped rather than stored stale.
      thresholdPercent: 50,
      target: { tags: ['db'] },
    }).expect(201);
    expect(made.body).toMatchObject({
      kind: 'service',
      service: 'postgresql',
      thresholdPercent: null,
      intervalSeconds: 60,
      durationSeconds: 0,
      failThreshold: 1,
      severity: 'critical',
      target: { all: false, deviceIds: [], groupIds: [], tags: ['db'] },
    });
    for (const [body, why] of [
      [{ kind: 'tcp', host: 'db.local' }, /a tcp check needs port/],
      [{ kind: 'script', language: 'bash' }, /a script check needs script/],
      [{ kind: 'ping', host: 'a b' }, /host must be a host name/],
      [{ kind: 'process', process: '-9' }, /process must not start with/],
      [{ kind: 'ping', host: 'x', timeoutSeconds: 90, intervalSeconds: 30 }, /timeoutSeconds/],
      [{ kind: 'memory', thresholdPercent: 'ninety' }, /thresholdPercent/],
    ] as const) {
      const res = await post(tech, { name: 'bad', target: { all: true }, ...body }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(why);
    }
    await request(server.url)
      .patch(`/api/agent-checks/${made.body.id}`)
      .set('Authorization', tech)
      .send({ kind: 'cpu' })
      .expect(400);
    const events = (await server.dataSource.query(
      `SELECT action FROM audit_event WHERE target_id = $1`,
      [made.body.id],
    )) as { action: string }[];
    expect(events.map((e) => e.action)).toEqual(['agent_checks.create']);
    await request(server.url)
      .delete(`/api/agent-checks/${made.body.id}`)
      .set('Authorization', tech)
      .expect(204);
  });

  it('pushes a signed set to protocol-3 agents only, and turns their results into alerts', async () => {
    const modern: Enrolled = await enroll(server.url, token, 'modern');
    const old: Enrolled = await enroll(server.url, token, 'old');
    const v3 = await connectAgent(server.url, modern, 3);
    const v2 = await connectAgent(server.url, old, 2);
    const first = await v3.next('checks');
    expect(first.body.checks).toEqual([]);

    const check = (
      await post(tech, {
        name: 'data disk',
        kind: 'disk',
        mount: '/data',
        thresholdPercent: 90,
        durationSeconds: 300,
        target: { tags: ['db'] },
        failThreshold: 2,
      }).expect(201)
    ).body as { id: string };
    const pushed = await v3.next('checks', 10_000);
    expect(pushed.body.checks).toEqual([
      {
        id: check.id,
        kind: 'disk',
        mount: '/data',
        thresholdPercent: 90,
        intervalMs: 60_000,
        timeoutMs: 30_000,
        durationMs: 300_000,
      },
    ]);
    expect(pushed.body.deviceId).toBe(modern.deviceId);
    expect(pushed.body.issuedAt).toBeGreaterThanOrEqual(first.body.issuedAt);
    expect(pushed.body.summaryIntervalMs).toBe(60_000);
    const { signature, ...signed } = pushed.body;
    expect(verifyPayload(modern.serverPublicKey, checksSigningPayload(signed), signature)).toBe(
      true,
    );

    const report = (status: 'ok' | 'critical', at: number, checkId = check.id) =>
      v3.send('check_results', {
        results: [{ checkId, status, message: `disk /data at ${at}`, value: 95, at }],
      });
    const states = async () =>
      (
        await request(server.url)
          .get(`/api/devices/${modern.deviceId}/check-states`)
          .set('Authorization', viewer)
          .expect(200)
      ).body as { items: { status: string; message: string; value: number }[] };
    const alerts = async () =>
      (
        await request(server.url)
          .get(`/api/alerts?checkId=${check.id}`)
          .set('Authorization', viewer)
          .expect(200)
      ).body as { items: { state: string; severity: string; title: string }[] };

    const t = Date.now();
    // A check this device does not run (or no longer exists) is dropped, not stored.
    report('critical', t, '00000000-0000-4000-8000-000000000000');
    report('critical', t + 1);
    await waitFor(async () => (await states()).items[0]?.status === 'critical', 5000);
    // failThreshold 2: one report does not fire.
    expect((await alerts()).items).toEqual([]);
    // An older report re-sent after a reconnect does not overwrite the newer state.
    report('ok', t - 1000);
    report('critical', t + 2);
    const fired = await waitFor(async () => (await alerts()).items[0], 5000);
    expect(fired).toMatchObject({
      state: 'firing',
      severity: 'critical',
      title: 'data disk on modern',
    });
    expect((await states()).items).toEqual([
      expect.objectContaining({ status: 'critical', message: `disk /data at ${t + 2}`, value: 95 }),
    ]);
    report('ok', t + 3);
    await waitFor(async () => (await alerts()).items[0]?.state === 'resolved', 5000);

    // Disabled: the agent's set empties at once.
    await request(server.url)
      .patch(`/api/agent-checks/${check.id}`)
      .set('Authorization', tech)
      .send({ enabled: false })
      .expect(200);
    expect((await v3.next('checks', 10_000)).body.checks).toEqual([]);
    // The version-2 agent never got a frame it cannot read, and is still served.
    expect(v2.received.filter((m) => (m.type as string) === 'checks')).toEqual([]);
    expect(v2.ws.readyState).toBe(v2.ws.OPEN);
    v2.close();
    v3.close();
  }, 60_000);

  it('ends the state and resolves the alert of a device that leaves the check’s tags', async () => {
    const device: Enrolled = await enroll(server.url, token, 'leaver');
    const agent = await connectAgent(server.url, device, 3);
    await agent.next('checks');
    const check = (
      await post(tech, {
        name: 'leaver disk',
        kind: 'disk',
        mount: '/',
        thresholdPercent: 90,
        target: { tags: ['db'] },
        failThreshold: 1,
      }).expect(201)
    ).body as { id: string };
    expect((await agent.next('checks', 10_000)).body.checks).toHaveLength(1);
    agent.send('check_results', {
      results: [
        { checkId: check.id, status: 'critical', message: 'full', value: 99, at: Date.now() },
      ],
    });
    const alerts = async () =>
      (
        await request(server.url)
          .get(`/api/alerts?checkId=${check.id}`)
          .set('Authorization', viewer)
          .expect(200)
      ).body as { items: { state: string }[] };
    await waitFor(async () => (await alerts()).items[0]?.state === 'firing', 5000);

    // A technician takes the tag away: the device no longer runs the check, so nothing it
    // sends would ever resolve the alert; the server ends both itself.
    await request(server.url)
      .delete(`/api/devices/${device.deviceId}/tags/db`)
      .set('Authorization', tech)
      .expect(200);
    expect((await agent.next('checks', 10_000)).body.checks).toEqual([]);
    await waitFor(async () => (await alerts()).items[0]?.state === 'resolved', 10_000);
    const states = (
      await request(server.url)
        .get(`/api/agent-checks/${check.id}/states`)
        .set('Authorization', viewer)
        .expect(200)
    ).body as { items: { deviceId: string }[] };
    expect(states.items.map((s) => s.deviceId)).not.toContain(device.deviceId);
    // A late report from the device is not taken: it no longer runs the check.
    agent.send('check_results', {
      results: [
        { checkId: check.id, status: 'critical', message: 'late', value: 99, at: Date.now() },
      ],
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await alerts()).items.map((a) => a.state)).toEqual(['resolved']);
    agent.close();
  }, 60_000);
});
