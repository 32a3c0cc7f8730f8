import { createPublicKey, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_LOG_ALLOW_GLOBS, DEVICE_FILES_RULES } from '@fleetdesk/api-types';
import { type DirListingBody, listDirSigningPayload, verifyPayload } from '@fleetdesk/protocol';
import { connectAgent, enroll, type Enrolled, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/**
 * GET /api/devices/:id/files on the real app and database, with protocol clients standing in
 * for agents (the real agent's listing is tested in its unit tests and test/files.e2e-spec.ts).
 */
describe('device file browser route (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let technician: string;
  let viewer: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOG_LEVEL: 'silent' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const f = factories(server);
    technician = await (await f.user({ role: 'technician' })).auth();
    viewer = await (await f.user({ role: 'viewer' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'files' })
        .expect(201)
    ).body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const list = (id: string, query: string, auth: string | null = technician) => {
    const req = request(server.url).get(`/api/devices/${id}/files${query}`);
    return auth ? req.set('Authorization', auth) : req;
  };
  /** Sent now (supertest sends only when awaited), answered later. */
  const send = (id: string, query: string) => list(id, query).then((res) => res);
  const online = (id: string) =>
    waitFor(
      async () =>
        (
          await request(server.url)
            .get(`/api/devices/${id}`)
            .set('Authorization', admin)
            .expect(200)
        ).body.status === 'online',
      10_000,
    );

  it('needs a technician', async () => {
    const id = randomUUID();
    await list(id, '?path=/var/log', null).expect(401);
    const res = await list(id, '?path=/var/log', viewer).expect(403);
    expect(res.body.code).toBe('AUTH_ROLE_FORBIDDEN');
  });

  it.each([
    ['no path', ''],
    ['an empty path', '?path='],
    ['a relative path', '?path=var/log'],
    ['a path past the limit', `?path=/${'a'.repeat(1024)}`],
    ['a NUL in the path', '?path=/var%00/log'],
    ['two paths', '?path=/a&path=/b'],
    ['no entries', '?path=/var/log&maxEntries=0'],
    ['too many entries', `?path=/var/log&maxEntries=${DEVICE_FILES_RULES.maxEntries.max + 1}`],
    ['entries that are no number', '?path=/var/log&maxEntries=ten'],
    ['an unknown parameter', '?path=/var/log&recursive=true'],
  ])('refuses %s with 400', async (_name, query) => {
    const res = await list(randomUUID(), query).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a device id that is no uuid, and one that does not exist', async () => {
    await list('not-a-uuid', '?path=/var/log').expect(400);
    const res = await list(randomUUID(), '?path=/var/log').expect(404);
    expect(res.body.code).toBe('DEVICE_NOT_FOUND');
  });

  it('answers 409 for a device that is offline, or whose agent is too old', async () => {
    const never = await enroll(server.url, token);
    const offline = await list(never.deviceId, '?path=/var/log').expect(409);
    expect(offline.body).toMatchObject({ code: 'DEVICE_OFFLINE' });
    expect(offline.body.message).toMatch(/only while its agent is connected/);

    const old = await enroll(server.url, token);
    const agent = await connectAgent(server.url, old, 4);
    try {
      await online(old.deviceId);
      const res = await list(old.deviceId, '?path=/var/log').expect(409);
      expect(res.body.code).toBe('AGENT_TOO_OLD');
      expect(agent.received.some((m) => m.type === 'list_dir')).toBe(false);
    } finally {
      agent.close();
    }
  });

  it('asks the device with a signed request carrying the path lists, and maps its answer', async () => {
    const id: Enrolled = await enroll(server.url, token);
    const agent = await connectAgent(server.url, id, 5);
    try {
      await online(id.deviceId);
      const pending = send(id.deviceId, '?path=/var/log/../log&maxEntries=2');
      const ask = await agent.next('list_dir', 10_000);
      const { signature, ...signed } = ask.body;
      expect(signed).toMatchObject({
        deviceId: id.deviceId,
        path: '/var/log/../log',
        maxEntries: 2,
        allow: DEFAULT_LOG_ALLOW_GLOBS,
      });
      expect(signed.expiresAt - signed.issuedAt).toBe(60_000);
      expect(
        verifyPayload(
          createPublicKey(id.serverPublicKey),
          listDirSigningPayload(signed),
          signature,
        ),
      ).toBe(true);
      const answer: DirListingBody = {
        requestId: ask.body.requestId,
        path: '/var/log',
        entries: [
          { name: 'nginx', type: 'dir', size: 4096, mtime: Date.UTC(2026, 0, 2), mode: 0o40755 },
          { name: 'server.key', type: 'file', refused: 'denied' },
        ],
        total: 7,
        truncated: true,
      };
      agent.send('dir_listing', answer);
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        deviceId: id.deviceId,
        path: '/var/log',
        separator: '/',
        entries: [
          {
            name: 'nginx',
            type: 'dir',
            size: 4096,
            modifiedAt: '2026-01-02T00:00:00.000Z',
            mode: '0755',
          },
          { name: 'server.key', type: 'file', refused: 'denied' },
        ],
        total: 7,
        truncated: true,
      });

      // A refusal on the device is the technician's answer, with the device's reason.
      const refusedReq = send(id.deviceId, '?path=/etc');
      const ask2 = await agent.next('list_dir', 10_000);
      agent.send('dir_listing', {
        requestId: ask2.body.requestId,
        path: '/etc',
        entries: [],
        total: 0,
        truncated: false,
        error: { reason: 'not_allowed', message: '/etc matches no allowed path glob' },
      });
      const refused = await refusedReq;
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        code: 'DEVICE_FILES_NOT_ALLOWED',
        message: '/etc matches no allowed path glob',
      });

      const audit = await request(server.url)
        .get(`/api/audit?action=device_files.list&targetId=${id.deviceId}`)
        .set('Authorization', admin)
        .expect(200);
      expect(audit.body.items.map((e: { details: unknown }) => e.details)).toEqual([
        { path: '/etc', outcome: 'not_allowed', message: '/etc matches no allowed path glob' },
        {
          path: '/var/log/../log',
          outcome: 'listed',
          realPath: '/var/log',
          total: 7,
          returned: 2,
        },
      ]);
    } finally {
      agent.close();
    }
  });

  it("takes no device's answer to another's request, and times out with 504", async () => {
    const asked = await enroll(server.url, token);
    const intruder = await enroll(server.url, token);
    const agent = await connectAgent(server.url, asked, 5);
    const other = await connectAgent(server.url, intruder, 5);
    try {
      await online(asked.deviceId);
      await online(intruder.deviceId);
      const started = Date.now();
      const pending = send(asked.deviceId, '?path=/var/log');
      const ask = await agent.next('list_dir', 10_000);
      other.send('dir_listing', {
        requestId: ask.body.requestId,
        path: '/var/log',
        entries: [{ name: 'forged.log', type: 'file', size: 1, mtime: 0, mode: 0o100644 }],
        total: 1,
        truncated: false,
      });
      const res = await pending;
      expect(res.status).toBe(504);
      expect(res.body.code).toBe('DEVICE_FILES_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(DEVICE_FILES_RULES.timeoutMs - 100);
      const audit = await request(server.url)
        .get(`/api/audit?action=device_files.list&targetId=${asked.deviceId}`)
        .set('Authorization', admin)
        .expect(200);
      expect(audit.body.items[0].details).toEqual({ path: '/var/log', outcome: 'timeout' });
    } finally {
      agent.close();
      other.close();
    }
  }, 60_000);
});
