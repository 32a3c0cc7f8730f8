import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyPayload, webChecksSigningPayload } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll, type Enrolled, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/** Website checks run from chosen devices: the server side, with agents speaking the wire. */
describe('website checks from devices (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let tech: string;
  let viewer: string;
  let token: string;
  let plainToken: string;
  let site: Server;
  let siteUrl: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '200' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    tech = await (await fx.user({ role: 'technician' })).auth();
    viewer = await (await fx.user({ role: 'viewer' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'branch', tags: ['branch'] })
        .expect(201)
    ).body.token as string;
    plainToken = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'plain' })
        .expect(201)
    ).body.token as string;
    // The site as the server sees it: up.
    site = createServer((_q, res) => void res.writeHead(200).end('ok'));
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
  type Json = ReturnType<typeof JSON.parse>;
  const get = async (path: string): Promise<Json> =>
    (await request(server.url).get(`/api/${path}`).set('Authorization', viewer).expect(200))
      .body as Json;

  it('is validated at the edge, admin-only to change, and audited with its devices', async () => {
    const device = await enroll(server.url, plainToken, 'validated');
    await post(tech, { name: 'x', url: siteUrl, runFrom: { tags: ['branch'] } }).expect(403);
    await post(viewer, { name: 'x', url: siteUrl, runFrom: { tags: ['branch'] } }).expect(403);
    for (const [runFrom, why] of [
      [{ deviceIds: ['not-a-uuid'] }, /each value in deviceIds must be a UUID/],
      [{ deviceIds: ['00000000-0000-4000-8000-000000000000'] }, /no enrolled device with id/],
      [{ groupIds: 'g' }, /groupIds must be an array/],
      [[], /runFrom must be an object/],
      [{ all: true }, /property all should not exist/],
      [
        { deviceIds: Array.from({ length: 101 }, () => device.deviceId) },
        /deviceIds must contain no more than 100/,
      ],
    ] as const) {
      const res = await post(admin, { name: 'x', url: siteUrl, runFrom }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(why);
    }
    const made = await post(admin, {
      name: 'intranet',
      url: siteUrl,
      runFrom: { deviceIds: [device.deviceId, device.deviceId], tags: ['Branch'] },
    }).expect(201);
    expect(made.body.runFrom).toEqual({
      deviceIds: [device.deviceId],
      groupIds: [],
      tags: ['branch'],
    });
    const id = made.body.id as string;
    // A check made before this feature, or without devices, reads as running from none.
    const plain = await post(admin, { name: 'plain', url: siteUrl }).expect(201);
    expect(plain.body.runFrom).toEqual({ deviceIds: [], groupIds: [], tags: [] });
    await request(server.url)
      .patch(`/api/website-checks/${id}`)
      .set('Authorization', tech)
      .send({ runFrom: null })
      .expect(403);
    const cleared = await request(server.url)
      .patch(`/api/website-checks/${id}`)
      .set('Authorization', admin)
      .send({ runFrom: null })
      .expect(200);
    expect(cleared.body.runFrom).toEqual({ deviceIds: [], groupIds: [], tags: [] });
    const audit = (await server.dataSource.query(
      `SELECT action, details FROM audit_event WHERE target_id = $1 ORDER BY id`,
      [id],
    )) as { action: string; details: Record<string, unknown> }[];
    expect(audit.map((a) => a.action)).toEqual(['website_checks.create', 'website_checks.update']);
    expect(audit[0].details).toMatchObject({ runFromDeviceIds: [device.deviceId] });
    expect(audit[1].details).toMatchObject({
      before: { runFromTags: ['branch'], runFromDeviceIds: [device.deviceId] },
      after: { runFromTags: [] },
    });
    for (const location of ['elsewhere', '1', 'server;'])
      await request(server.url)
        .get(`/api/website-checks/${id}/results?location=${location}`)
        .set('Authorization', viewer)
        .expect(400);
    for (const c of [id, plain.body.id as string])
      await request(server.url)
        .delete(`/api/website-checks/${c}`)
        .set('Authorization', admin)
        .expect(204);
  });

  it('pushes a signed set to protocol-6 agents only, stores their results per location and alerts per device', async () => {
    const modern: Enrolled = await enroll(server.url, token, 'paris-office');
    const old: Enrolled = await enroll(server.url, token, 'old-agent');
    const v6 = await connectAgent(server.url, modern, 6);
    const v5 = await connectAgent(server.url, old, 5);
    // A new socket always gets its set, empty here.
    expect((await v6.next('web_checks', 10_000)).body.checks).toEqual([]);

    const check = (
      await post(admin, {
        name: 'intranet',
        url: siteUrl,
        bodyContains: 'ok',
        intervalSeconds: 30,
        timeoutMs: 2000,
        failThreshold: 2,
        runFrom: { tags: ['branch'] },
      }).expect(201)
    ).body as { id: string };
    const pushed = await v6.next('web_checks', 10_000);
    expect(pushed.body.deviceId).toBe(modern.deviceId);
    expect(pushed.body.checks).toEqual([
      {
        id: check.id,
        url: siteUrl,
        expectedStatus: 200,
        bodyContains: 'ok',
        redirectPolicy: 'follow',
        maxRedirects: 5,
        certWarnDays: 14,
        intervalMs: 30_000,
        timeoutMs: 2000,
      },
    ]);
    const { signature, ...signed } = pushed.body;
    expect(verifyPayload(modern.serverPublicKey, webChecksSigningPayload(signed), signature)).toBe(
      true,
    );

    const report = (outcome: 'ok' | 'critical', at: number, checkId = check.id) =>
      v6.send('web_check_results', {
        results: [
          outcome === 'ok'
            ? { checkId, at, outcome, statusCode: 200, latencyMs: 7 }
            : {
                checkId,
                at,
                outcome,
                statusCode: 500,
                latencyMs: 9,
                message: 'HTTP 500 (expected 200)',
              },
        ],
      });
    const alerts = async () =>
      (await get(`alerts?checkId=${check.id}&state=firing,acknowledged,resolved`)).items as {
        subject: string;
        state: string;
        deviceId: string | null;
        title: string;
        message: string;
        links: { device: string | null; check: string | null };
      }[];
    const deviceResults = async () =>
      (await get(`website-checks/${check.id}/results?location=${modern.deviceId}`)).items as {
        deviceId: string;
        outcome: string;
        latencyMs: number;
        statusCode: number;
      }[];

    const t = Date.now();
    // A check this device does not run is dropped, not stored.
    report('critical', t, '00000000-0000-4000-8000-000000000000');
    report('critical', t + 1);
    await waitFor(async () => (await deviceResults()).length === 1, 5000);
    // failThreshold 2: one failure does not fire.
    expect((await alerts()).filter((a) => a.deviceId)).toEqual([]);
    report('critical', t + 2);
    const fired = await waitFor(
      async () => (await alerts()).find((a) => a.deviceId === modern.deviceId),
      5000,
    );
    expect(fired).toMatchObject({
      subject: `website_check:${check.id}:${modern.deviceId}`,
      state: 'firing',
      title: 'Website down: intranet from paris-office',
      message: `${siteUrl} from paris-office: HTTP 500 (expected 200)`,
      links: { device: `/devices/${modern.deviceId}`, check: `/website-checks/${check.id}` },
    });
    expect(await deviceResults()).toEqual([
      expect.objectContaining({ deviceId: modern.deviceId, outcome: 'critical', latencyMs: 9 }),
      expect.objectContaining({ deviceId: modern.deviceId, outcome: 'critical', statusCode: 500 }),
    ]);
    // The server's own results (it sees the site up) are its location's, not the device's.
    const serverResults = await waitFor(async () => {
      const r = (await get(`website-checks/${check.id}/results?location=server`)).items as {
        deviceId: string | null;
        outcome: string;
      }[];
      return r.length > 0 && r;
    }, 10_000);
    expect(serverResults.every((r) => r.deviceId === null && r.outcome === 'ok')).toBe(true);
    // Without a location, every location's results.
    const all = (await get(`website-checks/${check.id}/results?pageSize=100`)).items as {
      deviceId: string | null;
    }[];
    expect(all.filter((r) => r.deviceId === modern.deviceId)).toHaveLength(2);
    expect(all.some((r) => r.deviceId === null)).toBe(true);
    // The server's alert is its own subject: the site is up from there.
    expect((await alerts()).filter((a) => a.deviceId === null)).toEqual([]);

    const locations = (await get(`website-checks/${check.id}/locations`)) as {
      items: { deviceId: string | null; name: string; lastOutcome: string | null }[];
      devices: number;
    };
    expect(locations.devices).toBe(2);
    expect(locations.items).toEqual([
      expect.objectContaining({ deviceId: null, name: 'Server', lastOutcome: 'ok' }),
      expect.objectContaining({ deviceId: old.deviceId, name: 'old-agent', lastOutcome: null }),
      expect.objectContaining({
        deviceId: modern.deviceId,
        name: 'paris-office',
        lastOutcome: 'critical',
        statusCode: 500,
        latencyMs: 9,
      }),
    ]);

    report('ok', t + 3);
    await waitFor(
      async () =>
        (await alerts()).find((a) => a.deviceId === modern.deviceId)?.state === 'resolved',
      5000,
    );

    // Fires again, then the device is taken out of the check: its set empties and its alert
    // resolves (nothing would ever resolve it otherwise).
    report('critical', t + 4);
    report('critical', t + 5);
    await waitFor(
      async () =>
        (await alerts()).some((a) => a.deviceId === modern.deviceId && a.state === 'firing'),
      5000,
    );
    await request(server.url)
      .patch(`/api/website-checks/${check.id}`)
      .set('Authorization', admin)
      .send({ runFrom: { deviceIds: [old.deviceId] } })
      .expect(200);
    expect((await v6.next('web_checks', 10_000)).body.checks).toEqual([]);
    expect(
      (await alerts()).filter((a) => a.deviceId === modern.deviceId && a.state !== 'resolved'),
    ).toEqual([]);
    // Results of a check it no longer runs are dropped.
    const before = (await deviceResults()).length;
    report('critical', t + 6);
    await new Promise((r) => setTimeout(r, 300));
    expect((await deviceResults()).length).toBe(before);

    // Back in by its tag, fires again, then loses the tag: its set empties and its alert
    // resolves through the device's tags alone, with no edit of the check.
    await request(server.url)
      .patch(`/api/website-checks/${check.id}`)
      .set('Authorization', admin)
      .send({ runFrom: { tags: ['branch'] } })
      .expect(200);
    expect((await v6.next('web_checks', 10_000)).body.checks).toHaveLength(1);
    report('critical', t + 7);
    report('critical', t + 8);
    await waitFor(
      async () =>
        (await alerts()).some((a) => a.deviceId === modern.deviceId && a.state === 'firing'),
      5000,
    );
    await request(server.url)
      .delete(`/api/devices/${modern.deviceId}/tags/branch`)
      .set('Authorization', admin)
      .expect(200);
    expect((await v6.next('web_checks', 10_000)).body.checks).toEqual([]);
    await waitFor(
      async () =>
        (await alerts()).every((a) => a.deviceId !== modern.deviceId || a.state === 'resolved'),
      10_000,
    );

    // The version-5 agent never got a frame it cannot read, and is still served.
    expect(v5.received.filter((m) => (m.type as string) === 'web_checks')).toEqual([]);
    expect(v5.ws.readyState).toBe(v5.ws.OPEN);
    await request(server.url)
      .delete(`/api/website-checks/${check.id}`)
      .set('Authorization', admin)
      .expect(204);
    v5.close();
    v6.close();
  }, 60_000);
});
