import { generateDeviceKeyPair, serverKeyFingerprint } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll } from '../test-support/agent-client';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

describe('enrollment (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function newToken(body: Record<string, unknown> = {}) {
    const res = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'test', ...body })
      .expect(201);
    return res.body as { id: string; token: string; prefix: string; serverKeySha256: string };
  }

  const facts = {
    hostname: 'h1',
    os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
    agentVersion: 't',
  };

  function tryEnroll(token: string, publicKey = generateDeviceKeyPair().publicKey) {
    return request(server.url).post('/api/agent/enroll').send({ token, publicKey, facts });
  }

  it('shows the token once, stores only its hash, and enrolls a device with its default tags and group', async () => {
    const group = await request(server.url)
      .post('/api/groups')
      .set('Authorization', admin)
      .send({ name: 'Paris' })
      .expect(201);
    const created = await newToken({
      tags: ['Web', 'web', 'site:paris'],
      groupId: group.body.id,
      maxUses: 5,
      expiresInHours: 2,
    });
    expect(created.token).toMatch(/^fde_[\w-]{43}$/);
    const stored = JSON.stringify(await server.dataSource.query(`SELECT * FROM enrollment_token`));
    expect(stored).not.toContain(created.token);
    const list = await request(server.url)
      .get('/api/enrollment-tokens')
      .set('Authorization', admin)
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.token);

    const id = await enroll(server.url, created.token, 'web-01');
    expect(id.serverPublicKey).toContain('BEGIN PUBLIC KEY');
    // The creation answer carries the fingerprint of the very key enrollment hands out.
    expect(created.serverKeySha256).toBe(serverKeyFingerprint(id.serverPublicKey));
    const device = await request(server.url)
      .get(`/api/devices/${id.deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(device.body).toMatchObject({
      hostname: 'web-01',
      status: 'offline',
      tags: ['site:paris', 'web'],
      group: { id: group.body.id, name: 'Paris' },
    });
    const after = await request(server.url)
      .get('/api/enrollment-tokens')
      .set('Authorization', admin)
      .expect(200);
    expect(after.body.find((t: { id: string }) => t.id === created.id)).toMatchObject({
      uses: 1,
      state: 'active',
    });
    const audit = await request(server.url)
      .get(`/api/audit?action=devices.enroll&targetId=${id.deviceId}`)
      .set('Authorization', admin);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].actor.kind).toBe('device');
  });

  it('refuses unknown, expired, used-up and revoked tokens, each with its own code, writing nothing', async () => {
    const usedUp = await newToken({ maxUses: 1 });
    await tryEnroll(usedUp.token).expect(201);
    const expired = await newToken();
    await server.dataSource.query(
      `UPDATE enrollment_token SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expired.id],
    );
    const revoked = await newToken();
    await request(server.url)
      .delete(`/api/enrollment-tokens/${revoked.id}`)
      .set('Authorization', admin)
      .expect(200);

    const devices = await countRows(server, 'device');
    const events = await countRows(server, 'audit_event');
    for (const [token, code] of [
      ['fde_not-a-real-token', 'ENROLLMENT_TOKEN_INVALID'],
      [expired.token, 'ENROLLMENT_TOKEN_EXPIRED'],
      [usedUp.token, 'ENROLLMENT_TOKEN_USED_UP'],
      [revoked.token, 'ENROLLMENT_TOKEN_REVOKED'],
    ]) {
      const res = await tryEnroll(token);
      expect({ code: res.body.code, status: res.status }).toEqual({ code, status: 401 });
      expect(res.body.message).toMatch(/token/);
    }
    expect(await countRows(server, 'device')).toBe(devices);
    expect(await countRows(server, 'audit_event')).toBe(events);
  });

  it('never lets two concurrent enrollments overspend a token', async () => {
    const token = await newToken({ maxUses: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, () => tryEnroll(token.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(
      results
        .filter((r) => r.status === 401)
        .every((r) => r.body.code === 'ENROLLMENT_TOKEN_USED_UP'),
    ).toBe(true);
  });

  it('refuses a malformed key, a private key, and a key already enrolled', async () => {
    const token = await newToken();
    const bad = await tryEnroll(token.token, 'not a key');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_PUBLIC_KEY');
    const pair = generateDeviceKeyPair();
    expect((await tryEnroll(token.token, pair.privateKey)).status).toBe(400);
    await tryEnroll(token.token, pair.publicKey).expect(201);
    const again = await tryEnroll(token.token, pair.publicKey);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DEVICE_KEY_IN_USE');
  });

  it('keeps devices enrolled with a token connected after the token is revoked', async () => {
    const token = await newToken();
    const id = await enroll(server.url, token.token);
    const agent = await connectAgent(server.url, id);
    await request(server.url)
      .delete(`/api/enrollment-tokens/${token.id}`)
      .set('Authorization', admin)
      .expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.ws.readyState).toBe(agent.ws.OPEN);
    const device = await request(server.url)
      .get(`/api/devices/${id.deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(device.body.status).toBe('online');
    agent.close();
  });

  it('rate limits enrollment per client', async () => {
    const limitedDb = await TestDatabase.create();
    const limited = await startServer(limitedDb, { ENROLL_RATE_LIMIT: '2' });
    try {
      const answers = [];
      for (let i = 0; i < 3; i += 1) {
        answers.push(
          await request(limited.url)
            .post('/api/agent/enroll')
            .send({ token: 'x', publicKey: 'y', facts }),
        );
      }
      expect(answers.map((a) => a.status)).toEqual([400, 400, 429]);
      // The standard header, so agents know when to come back (the window is 60 s).
      const retryAfter = Number(answers[2]?.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await limited.close();
      await limitedDb.destroy();
    }
  });
});
