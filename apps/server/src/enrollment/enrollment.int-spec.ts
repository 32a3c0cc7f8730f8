import { generateDeviceKeyPair, serverKeyFingerprint } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll, waitFor } from '../test-support/agent-client';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  testEngine,
  type TestServer,
} from '../test-support/test-app';

describe('enrollment (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
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

  it('refuses a malformed key, a private key, and a key already enrolled', async () => {
    const token = await newToken();
    const bad = await tryEnroll(token.token, 'not a key');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_PUBLIC_KEY');
    const pair = generateDeviceKeyPair();
    expect((await tryEnroll(token.token, pair.privateKey)).status).toBe(400);
    await tryEnroll(token.token, pair.publicKey).expect(201);
    // The same key with another token is another enrollment, of a key that is taken.
    const again = await tryEnroll((await newToken()).token, pair.publicKey);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DEVICE_KEY_IN_USE');
  });

  it('answers a repeated enrollment (same key, same token) with the same device until it connects', async () => {
    const token = await newToken({ maxUses: 1 });
    const keys = generateDeviceKeyPair();
    const first = await tryEnroll(token.token, keys.publicKey).expect(201);
    const devices = await countRows(server, 'device');
    // The agent never saw the answer (a timeout) and asks again: same device, no use spent,
    // although the token had only the one.
    const repeat = await tryEnroll(token.token, keys.publicKey).expect(201);
    expect(repeat.body.deviceId).toBe(first.body.deviceId);
    expect(await countRows(server, 'device')).toBe(devices);
    const listed = await request(server.url)
      .get('/api/enrollment-tokens')
      .set('Authorization', admin)
      .expect(200);
    const row = (listed.body.items ?? listed.body).find((t: { id: string }) => t.id === token.id);
    expect(row.uses).toBe(1);
    // Once the device has connected, its key is in use for good.
    const agent = await connectAgent(server.url, {
      deviceId: first.body.deviceId,
      keys,
      serverPublicKey: first.body.serverPublicKey,
      heartbeatIntervalMs: first.body.heartbeatIntervalMs,
    });
    await waitFor(async () => {
      const res = await request(server.url)
        .get(`/api/devices/${first.body.deviceId}`)
        .set('Authorization', admin);
      return res.body.status === 'online';
    });
    agent.close();
    // No longer a repeat: a new enrollment, which this one-use token has no use left for.
    const late = await tryEnroll(token.token, keys.publicKey);
    expect({ status: late.status, code: late.body.code }).toEqual({
      status: 401,
      code: 'ENROLLMENT_TOKEN_USED_UP',
    });
    expect(await countRows(server, 'device')).toBe(devices);
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

  /** `count` enrollments with one token at once, through the given servers in turn. */
  async function burst(token: string, count: number, servers: TestServer[] = [server]) {
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        request(servers[i % servers.length].url)
          .post('/api/agent/enroll')
          .send({ token, publicKey: generateDeviceKeyPair().publicKey, facts }),
      ),
    );
  }

  async function devicesOf(tokenId: string, on: TestServer = server): Promise<number> {
    const [{ n }] = await on.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM device WHERE enrollment_token_id = $1`,
      [tokenId],
    );
    return n;
  }

  it('never lets 50 concurrent enrollments overspend a token with 20 uses', async () => {
    const token = await newToken({ maxUses: 20 });
    const results = await burst(token.token, 50);
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(30);
    expect(refused.every((r) => r.body.code === 'ENROLLMENT_TOKEN_USED_UP')).toBe(true);
    expect(await devicesOf(token.id)).toBe(20);
    const audit = await server.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_event
       WHERE action = 'devices.enroll' AND details->>'enrollmentTokenId' = $1`,
      [token.id],
    );
    expect(audit[0].n).toBe(20);
  });

  it("limits a token to its rate per minute, with 429 and a Retry-After of one slot's refill", async () => {
    const token = await newToken({ ratePerMinute: 4 });
    expect(token).toMatchObject({ ratePerMinute: 4 });
    const results = await burst(token.token, 10);
    expect(results.filter((r) => r.status === 201)).toHaveLength(4);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(6);
    for (const r of limited) {
      expect(r.body.code).toBe('ENROLLMENT_TOKEN_RATE_LIMITED');
      expect(r.body.message).toMatch(/rate per minute/);
      // One slot refills in 60 / 4 = 15 s.
      const retryAfter = Number(r.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(15);
    }
    expect(await devicesOf(token.id)).toBe(4);
    // Another token is not slowed by this one's rate.
    const other = await newToken();
    expect((await burst(other.token, 5)).every((r) => r.status === 201)).toBe(true);
    // Once a slot has refilled (made to look so by moving the bucket back), one more gets in.
    await server.dataSource.query(
      `UPDATE enrollment_token SET rate_tat = rate_tat - interval '15 seconds' WHERE id = $1`,
      [token.id],
    );
    const after = await burst(token.token, 3);
    expect(after.map((r) => r.status).sort()).toEqual([201, 429, 429]);
  });

  it('takes ratePerMinute at creation (default 1000), validated, and lists it', async () => {
    const plain = await newToken();
    expect(plain).toMatchObject({ ratePerMinute: 1000 });
    for (const ratePerMinute of [0, 100_001, 2.5, '60']) {
      const res = await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'bad rate', ratePerMinute });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('ratePerMinute');
    }
    const slow = await newToken({ ratePerMinute: 60 });
    const list = await request(server.url)
      .get('/api/enrollment-tokens')
      .set('Authorization', admin)
      .expect(200);
    expect(list.body.find((t: { id: string }) => t.id === slow.id).ratePerMinute).toBe(60);
    const audit = await request(server.url)
      .get(`/api/audit?action=enrollment_tokens.create&targetId=${slow.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items[0].details).toMatchObject({ ratePerMinute: 60 });
  });

  it('lets 200 devices behind one address enroll inside a minute', async () => {
    const token = await newToken({ maxUses: 200 });
    const statuses: number[] = [];
    // In waves, as a site's machines come up, all from 127.0.0.1.
    for (let wave = 0; wave < 4; wave += 1) {
      statuses.push(...(await burst(token.token, 50)).map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(200);
    expect(await devicesOf(token.id)).toBe(200);
  });

  it('limits failed attempts per address, in the database, while good ones from elsewhere pass', async () => {
    const lockedDb = await TestDatabase.create();
    const limited = await startServer(lockedDb, {
      ENROLL_FAIL_LIMIT: '3',
      TRUST_PROXY: 'true',
    });
    try {
      const limitedAdmin = await login(limited, ADMIN.email, ADMIN.password);
      const good = (
        await request(limited.url)
          .post('/api/enrollment-tokens')
          .set('Authorization', limitedAdmin)
          .send({ name: 'good' })
          .expect(201)
      ).body as { token: string };
      const from = (address: string, token: string) =>
        request(limited.url)
          .post('/api/agent/enroll')
          .set('X-Forwarded-For', address)
          .send({ token, publicKey: generateDeviceKeyPair().publicKey, facts });

      // Good enrollments from an address never count against it.
      for (let i = 0; i < 5; i += 1) await from('198.51.100.7', good.token).expect(201);

      const guesses = [];
      for (let i = 0; i < 4; i += 1) guesses.push(await from('203.0.113.9', `fde_guess-${i}`));
      expect(guesses.map((r) => r.status)).toEqual([401, 401, 401, 429]);
      expect(guesses[3].body.code).toBe('ENROLLMENT_ADDRESS_LOCKED');
      const retryAfter = Number(guesses[3].headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Locked means every attempt from there, a valid token too: guessing must not go on.
      expect((await from('203.0.113.9', good.token)).status).toBe(429);
      // The count is in the database, where every server process reads it.
      const [row] = await limited.dataSource.query<{ failures: number }[]>(
        `SELECT failures FROM enrollment_failure WHERE address = '203.0.113.9'`,
      );
      expect(row.failures).toBe(3);
      // Other addresses are untouched, and once the window has passed the address may try again.
      await from('198.51.100.7', good.token).expect(201);
      await limited.dataSource.query(
        `UPDATE enrollment_failure SET window_start = window_start - interval '61 seconds'`,
      );
      await from('203.0.113.9', good.token).expect(201);
    } finally {
      await limited.close();
      await lockedDb.destroy();
    }
  });

  (testEngine() === 'postgres' ? it : it.skip)(
    'holds maxUses and the rate across two server processes on one database',
    async () => {
      const second = await startServer(db);
      try {
        const capped = await newToken({ maxUses: 20 });
        const results = await burst(capped.token, 50, [server, second]);
        expect(results.filter((r) => r.status === 201)).toHaveLength(20);
        expect(await devicesOf(capped.id)).toBe(20);

        const slow = await newToken({ ratePerMinute: 6 });
        const rated = await burst(slow.token, 20, [server, second]);
        expect(rated.filter((r) => r.status === 201)).toHaveLength(6);
        expect(rated.filter((r) => r.status === 429)).toHaveLength(14);
      } finally {
        await second.close();
      }
    },
  );
});
