import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ADMIN, TestDatabase } from '../apps/server/src/test-support/test-app';
import {
  AGENT_BUNDLE,
  buildAll,
  freePort,
  type Proc,
  SERVER_MAIN,
  spawnNode,
  waitFor,
  waitHealthy,
} from './support/processes';

const HEARTBEAT_MS = 1000;

/** The real server process, real agent processes, real sockets, a real database. */
describe('agent end to end', () => {
  let db: TestDatabase;
  let server: Proc;
  let url: string;
  let admin: string;
  let stateDir: string;
  const agents: Proc[] = [];

  beforeAll(async () => {
    buildAll();
    db = await TestDatabase.create();
    stateDir = await mkdtemp(join(tmpdir(), 'fleetdesk-agent-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawnNode([SERVER_MAIN], {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: db.dataDir,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      FLEETDESK_ADMIN_EMAIL: ADMIN.email,
      FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
      AGENT_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    });
    await waitHealthy(url, server);
    const res = await request(url).post('/api/auth/login').send(ADMIN).expect(200);
    admin = `Bearer ${res.body.accessToken}`;
  }, 180_000);

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGKILL');
    server?.child.kill('SIGTERM');
    await server?.exited;
    await db?.destroy();
    await rm(stateDir, { recursive: true, force: true });
  });

  const runAgent = () => {
    const proc = spawnNode([AGENT_BUNDLE, 'run', '--state-dir', stateDir], {});
    agents.push(proc);
    return proc;
  };
  const device = async (id: string) =>
    (await request(url).get(`/api/devices/${id}`).set('Authorization', admin).expect(200)).body as {
      status: string;
      hostname: string;
      inventory: { softwareCount: number } | null;
    };

  it('enrolls, comes online, goes offline when killed, returns with the same id, and is locked out when revoked', async () => {
    const token = await request(url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'e2e', maxUses: 1 })
      .expect(201);
    const enroll = spawnNode(
      [
        AGENT_BUNDLE,
        'enroll',
        '--server',
        url,
        '--token',
        token.body.token as string,
        '--state-dir',
        stateDir,
      ],
      {},
    );
    expect(await enroll.exited).toBe(0);
    const list = await request(url).get('/api/devices').set('Authorization', admin).expect(200);
    expect(list.body.total).toBe(1);
    const deviceId = list.body.items[0].id as string;

    // Online within 2 s of starting.
    const first = runAgent();
    const started = Date.now();
    await waitFor(async () => (await device(deviceId)).status === 'online', 2000 + 1500);
    expect(Date.now() - started).toBeLessThan(3500);
    await waitFor(async () => (await device(deviceId)).inventory !== null, 10_000);

    // Killed without a goodbye: offline within 2.5 heartbeat intervals.
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    await waitFor(
      async () => (await device(deviceId)).status === 'offline',
      2.5 * HEARTBEAT_MS + 1000,
    );
    expect(Date.now() - killedAt).toBeLessThan(2.5 * HEARTBEAT_MS + 1000);

    // Restarted: online again as the same device.
    const second = runAgent();
    await waitFor(async () => (await device(deviceId)).status === 'online', 3500);
    const again = await request(url).get('/api/devices').set('Authorization', admin).expect(200);
    expect(again.body.total).toBe(1);
    expect(again.body.items[0].id).toBe(deviceId);

    // Revoked: the socket closes within 1 s and the agent stops for good (exit code 3).
    const revokedAt = Date.now();
    await request(url)
      .post(`/api/devices/${deviceId}/revoke`)
      .set('Authorization', admin)
      .expect(200);
    expect(await second.exited).toBe(3);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(second.output()).toMatch(/revoked/i);

    // And it stays out on every later attempt.
    const third = runAgent();
    expect(await third.exited).toBe(3);
    expect((await device(deviceId)).status).toBe('revoked');
  }, 60_000);
});
