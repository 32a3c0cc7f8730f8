import {
  agentAuthPayload,
  encodeFrame,
  generateDeviceKeyPair,
  MAX_FRAME_BYTES,
  newNonce,
  signPayload,
} from '@fleetdesk/protocol';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import request from 'supertest';
import { io } from 'socket.io-client';
import {
  connectAgent,
  enroll,
  type Enrolled,
  sampleHeartbeat,
  sampleInventory,
  TestAgent,
  waitFor,
} from '../test-support/agent-client';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

const HEARTBEAT_MS = 1000;

describe('agent gateway (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, {
      AGENT_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
      ENROLL_RATE_LIMIT: '1000',
    });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const res = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'gw' })
      .expect(201);
    token = res.body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const device = async (id: string) =>
    (await request(server.url).get(`/api/devices/${id}`).set('Authorization', admin).expect(200))
      .body as {
      status: string;
      rejectedReports: number;
      metrics: { cpuPercent: number } | null;
      inventory: { softwareCount: number; cpu: { model: string } } | null;
      hostname: string;
      ipAddresses: string[];
    };

  it('authenticates both ways, goes online, and stores heartbeats and inventory', async () => {
    const id = await enroll(server.url, token, 'gw-1');
    const agent = await connectAgent(server.url, id);
    await waitFor(async () => (await device(id.deviceId)).status === 'online', 2000);

    agent.send('heartbeat', sampleHeartbeat(42));
    await waitFor(async () => (await device(id.deviceId)).metrics?.cpuPercent === 42, 3000);

    const software = Array.from({ length: 2500 }, (_, i) => ({
      name: `pkg-${i}`,
      version: `1.${i}`,
      source: 'dpkg' as const,
    }));
    const invId = agent.send('inventory', sampleInventory('gw-1-renamed', software));
    const ack = await agent.next('ack');
    expect(ack.body.ackId).toBe(invId);
    const detail = await device(id.deviceId);
    expect(detail).toMatchObject({ hostname: 'gw-1-renamed', ipAddresses: ['10.1.2.3'] });
    expect(detail.inventory).toMatchObject({ softwareCount: 2500, cpu: { model: 'Test CPU' } });
    const found = await request(server.url)
      .get(`/api/devices/${id.deviceId}/software?q=pkg-249`)
      .set('Authorization', admin)
      .expect(200);
    expect(found.body.items.map((s: { name: string }) => s.name).sort()).toEqual([
      'pkg-249',
      'pkg-2490',
      'pkg-2491',
      'pkg-2492',
      'pkg-2493',
      'pkg-2494',
      'pkg-2495',
      'pkg-2496',
      'pkg-2497',
      'pkg-2498',
      'pkg-2499',
    ]);
    agent.close();
    await waitFor(async () => (await device(id.deviceId)).status === 'offline', 2000);
  });

  describe('bad input on /agent, while another agent keeps working', () => {
    let good: TestAgent;
    let goodId: Enrolled;
    let cpu = 1;

    beforeAll(async () => {
      goodId = await enroll(server.url, token, 'steady');
      good = await connectAgent(server.url, goodId);
    });
    afterAll(() => good.close());

    /** The well-behaved agent's next heartbeat still lands after each attack. */
    async function goodAgentStillServed(): Promise<void> {
      cpu += 1;
      good.send('heartbeat', sampleHeartbeat(cpu));
      await waitFor(async () => (await device(goodId.deviceId)).metrics?.cpuPercent === cpu, 3000);
      expect(good.ws.readyState).toBe(good.ws.OPEN);
    }

    async function attacker(): Promise<TestAgent> {
      const a = new TestAgent(server.url);
      await a.opened;
      await a.next('hello');
      return a;
    }

    async function expectRefused(
      name: string,
      act: (a: TestAgent) => void | Promise<void>,
      close: number,
      errorCode?: string,
    ): Promise<void> {
      const rows = {
        devices: await countRows(server, 'device'),
        inventory: await countRows(server, 'device_inventory'),
      };
      const a = await attacker();
      await act(a);
      const closed = await a.closed;
      expect({ name, code: closed.code }).toEqual({ name, code: close });
      if (errorCode)
        expect(a.received.find((m) => m.type === 'error')?.body).toMatchObject({ code: errorCode });
      expect({
        devices: await countRows(server, 'device'),
        inventory: await countRows(server, 'device_inventory'),
      }).toEqual(rows);
      await goodAgentStillServed();
    }

    it('values PostgreSQL cannot store, from an enrolled agent: an error reply each, nothing stored', async () => {
      const id = await enroll(server.url, token, 'unstorable');
      const a = await connectAgent(server.url, id);
      const frame = (type: string, body: unknown) =>
        JSON.stringify({ v: 1, type, id: randomUUID(), ts: Date.now(), body });
      const sent = [
        frame('heartbeat', {
          ...sampleHeartbeat(),
          disks: [{ mount: '\ud800', totalBytes: 1, usedBytes: 0 }],
        }),
        frame('heartbeat', {
          ...sampleHeartbeat(),
          disks: [{ mount: 'x\u0000', totalBytes: 1, usedBytes: 0 }],
        }),
        frame('inventory', sampleInventory('\udc00host')),
        frame('result', {
          runId: randomUUID(),
          outcome: 'failed',
          exitCode: 2 ** 53 + 2,
          startedAt: 1,
          finishedAt: 2,
          lastSeq: -1,
          outputBytes: 0,
          truncated: false,
        }),
      ];
      for (const f of sent) a.sendRaw(f);
      const replies = [];
      for (let i = 0; i < sent.length; i++) replies.push((await a.next('error')).body.code);
      expect(replies).toEqual(sent.map(() => 'INVALID_BODY'));
      // Refused, not cut off (that takes 20 bad frames), and nothing of it was stored.
      expect(a.ws.readyState).toBe(a.ws.OPEN);
      const seen = await device(id.deviceId);
      expect(seen).toMatchObject({ metrics: null, inventory: null, hostname: 'unstorable' });
      expect(seen.rejectedReports).toBe(0);
      a.close();
      await goodAgentStillServed();
    });

    it('invalid JSON', () =>
      expectRefused('json', (a) => a.sendRaw('{"v":1,'), 1008, 'INVALID_JSON'));

    it('unknown message type', () =>
      expectRefused(
        'type',
        (a) =>
          a.sendRaw(
            JSON.stringify({ v: 1, type: 'rm_rf', id: randomUUID(), ts: Date.now(), body: {} }),
          ),
        1008,
        'UNKNOWN_TYPE',
      ));

    it('an oversized frame', () =>
      expectRefused('size', (a) => a.sendRaw('x'.repeat(MAX_FRAME_BYTES + 10)), 1009));

    it('a protocol version the server does not speak', () =>
      expectRefused(
        'version',
        (a) =>
          a.sendRaw(
            JSON.stringify({ v: 99, type: 'auth', id: randomUUID(), ts: Date.now(), body: {} }),
          ),
        4004,
      ));

    it('a binary frame before the handshake', () =>
      expectRefused('binary', (a) => a.sendRaw(Buffer.from([0, 1, 2, 3])), 1008, 'INVALID_JSON'));

    it('a message before the handshake', () =>
      expectRefused(
        'early',
        (a) => void a.send('heartbeat', sampleHeartbeat()),
        1008,
        'UNEXPECTED_MESSAGE',
      ));

    it('a bad signature', () =>
      expectRefused(
        'sig',
        (a) =>
          void a.send('auth', {
            deviceId: goodId.deviceId,
            agentVersion: 't',
            agentNonce: newNonce(),
            signature: Buffer.alloc(64, 7).toString('base64'),
          }),
        4001,
        'AUTH_FAILED',
      ));

    it('a replayed handshake from an earlier connection', async () => {
      // A genuine auth frame, signed for one connection's nonce, replayed on another.
      const first = await attacker();
      const agentNonce = newNonce();
      const serverNonce = (await first.hello).body.serverNonce;
      const frame = encodeFrame('auth', {
        deviceId: goodId.deviceId,
        agentVersion: 't',
        agentNonce,
        signature: signPayload(
          goodId.keys.privateKey,
          agentAuthPayload({ deviceId: goodId.deviceId, serverNonce, agentNonce }),
        ),
      });
      first.close();
      await expectRefused('replay', (a) => a.sendRaw(frame), 4001, 'AUTH_FAILED');
    });

    it('a known device presenting a different key, which is audited', async () => {
      const before = await countRows(server, 'audit_event');
      const other = generateDeviceKeyPair();
      await expectRefused(
        'key',
        (a) => void a.authenticate({ ...goodId, keys: other }).catch(() => undefined),
        4001,
      );
      const rows = await server.dataSource.query<{ action: string; target_id: string }[]>(
        `SELECT action, target_id FROM audit_event ORDER BY id DESC LIMIT 1`,
      );
      expect(rows[0]).toEqual({ action: 'agent.auth_failed', target_id: goodId.deviceId });
      expect(await countRows(server, 'audit_event')).toBe(before + 1);
    });

    it('a console credential instead of a device identity', async () => {
      const session = admin.replace('Bearer ', '');
      const a = new TestAgent(server.url, {
        Authorization: admin,
        Cookie: `fleetdesk_session=${session}`,
      });
      await a.opened;
      await a.next('hello');
      a.sendRaw(
        JSON.stringify({
          v: 1,
          type: 'auth',
          id: randomUUID(),
          ts: Date.now(),
          body: { token: session },
        }),
      );
      expect((await a.closed).code).toBe(1008);
      await goodAgentStillServed();
    });

    it('silence during the handshake is cut off', async () => {
      // Only checks that a handshake that never happens does not hold a slot forever:
      // the timer is 10 s, so the socket must still be open (not yet authenticated) at 1 s.
      const a = await attacker();
      await new Promise((r) => setTimeout(r, 1000));
      expect(a.ws.readyState).toBe(a.ws.OPEN);
      a.send('heartbeat', sampleHeartbeat());
      expect((await a.closed).code).toBe(1008);
    });
  });

  it.each(['/', '/nope', '/agent/x', '/api/devices', '/socket.iox'])(
    'answers a WebSocket upgrade to %s with 404 and closes the socket at once',
    async (path) => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
          `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\n\r\n`,
      );
      // Without the fix the server never answers and never closes: this race times out.
      const outcome = await Promise.race([
        closed.then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still open'), 3000)),
      ]);
      socket.destroy();
      expect(outcome).toBe('closed');
      expect(received).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    },
  );

  it('refuses a device identity on the REST API', async () => {
    const id = await enroll(server.url, token);
    for (const auth of [
      `Bearer ${id.deviceId}`,
      `Bearer ${id.keys.privateKey.split('\n')[1]}`,
      `Bearer ${signPayload(id.keys.privateKey, Buffer.from('x'))}`,
    ]) {
      const res = await request(server.url).get('/api/devices').set('Authorization', auth);
      expect(res.status).toBe(401);
    }
  });

  it('keeps one socket per device: a second connection replaces the first', async () => {
    const id = await enroll(server.url, token);
    const first = await connectAgent(server.url, id);
    const second = await connectAgent(server.url, id);
    expect((await first.closed).code).toBe(4003);
    await new Promise((r) => setTimeout(r, 200));
    expect((await device(id.deviceId)).status).toBe('online');
    second.close();
  });

  it('closes a revoked device within 1 s and refuses it from then on', async () => {
    const id = await enroll(server.url, token);
    const agent = await connectAgent(server.url, id);
    const started = Date.now();
    await request(server.url)
      .post(`/api/devices/${id.deviceId}/revoke`)
      .set('Authorization', admin)
      .expect(200);
    const closed = await agent.closed;
    expect(closed.code).toBe(4002);
    expect(Date.now() - started).toBeLessThan(1000);
    const again = new TestAgent(server.url);
    await again.opened;
    await again.authenticate(id).catch(() => undefined);
    expect((await again.closed).code).toBe(4002);
    expect((await device(id.deviceId)).status).toBe('revoked');
  });

  it('marks a silent device offline within 2.5 heartbeat intervals', async () => {
    const id = await enroll(server.url, token);
    const agent = await connectAgent(server.url, id);
    await waitFor(async () => (await device(id.deviceId)).status === 'online', 2000);
    const silentSince = Date.now();
    // The socket stays open but nothing more is sent.
    await waitFor(
      async () => (await device(id.deviceId)).status === 'offline',
      2.5 * HEARTBEAT_MS + 1500,
      100,
    );
    expect(Date.now() - silentSince).toBeLessThan(2.5 * HEARTBEAT_MS + 1500);
    agent.close();
  });

  it('pushes status changes to signed-in consoles, and to nobody else', async () => {
    const session = admin.replace('Bearer ', '');
    const consoleSocket = io(server.url, { auth: { token: session }, transports: ['websocket'] });
    const statuses: { deviceId: string; status: string }[] = [];
    consoleSocket.on('device.status', (e: { deviceId: string; status: string }) =>
      statuses.push(e),
    );
    await new Promise<void>((resolve, reject) => {
      consoleSocket.on('connect', () => resolve());
      consoleSocket.on('connect_error', reject);
    });
    const id = await enroll(server.url, token);
    const agent = await connectAgent(server.url, id);
    await waitFor(
      () =>
        Promise.resolve(statuses.some((s) => s.deviceId === id.deviceId && s.status === 'online')),
      2000,
    );
    agent.close();
    await waitFor(
      () =>
        Promise.resolve(statuses.some((s) => s.deviceId === id.deviceId && s.status === 'offline')),
      2000,
    );
    consoleSocket.close();

    const anonymous = io(server.url, { transports: ['websocket'], reconnection: false });
    const error = await new Promise<Error>((resolve) => anonymous.on('connect_error', resolve));
    expect(error.message).toBe('AUTH_REQUIRED');
    anonymous.close();

    const foreign = io(server.url, {
      auth: { token: session },
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { Origin: 'https://evil.example' },
    });
    await new Promise<Error>((resolve) => foreign.on('connect_error', resolve));
    expect(foreign.connected).toBe(false);
    foreign.close();
  });
});
