import { rm } from 'node:fs/promises';
import { Fleet } from './support/fleet';
import { AGENT_BUNDLE, buildAll, spawnNode, waitFor } from './support/processes';

const HEARTBEAT_MS = 1000;

/** The real server process, real agent processes, real sockets, a real database. */
describe('agent end to end', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start({ AGENT_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) });
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const device = async (id: string) =>
    (await fleet.api().get(`/api/devices/${id}`).set('Authorization', fleet.admin).expect(200))
      .body as {
      status: string;
      inventory: { softwareCount: number } | null;
    };

  it('enrolls, comes online, goes offline when killed, returns with the same id, and is locked out when revoked', async () => {
    const token = await fleet.token(1);
    const { stateDir, deviceId } = await fleet.enrollAgent(token);
    // The token allowed one use: a second enrollment with it is refused.
    const again = spawnNode(
      [
        AGENT_BUNDLE,
        'enroll',
        '--server',
        fleet.url,
        '--token',
        token,
        '--state-dir',
        `${stateDir}-2`,
      ],
      {},
    );
    expect(await again.exited).not.toBe(0);
    await rm(`${stateDir}-2`, { recursive: true, force: true });
    const list = await fleet
      .api()
      .get('/api/devices')
      .set('Authorization', fleet.admin)
      .expect(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].id).toBe(deviceId);

    // Online within 2 s of starting.
    const first = fleet.runAgent(stateDir);
    const started = Date.now();
    await waitFor(async () => (await device(deviceId)).status === 'online', 3500);
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
    const second = fleet.runAgent(stateDir);
    await waitFor(async () => (await device(deviceId)).status === 'online', 3500);
    const after = await fleet
      .api()
      .get('/api/devices')
      .set('Authorization', fleet.admin)
      .expect(200);
    expect(after.body.total).toBe(1);
    expect(after.body.items[0].id).toBe(deviceId);

    // Revoked: the socket closes within 1 s and the agent stops for good (exit code 3). The
    // second is timed to the agent's own log of the close, not to its process exit: the
    // exit adds the runtime's teardown, which on a loaded CI machine alone passed 1 s.
    const revokedAt = Date.now();
    await fleet
      .api()
      .post(`/api/devices/${deviceId}/revoke`)
      .set('Authorization', fleet.admin)
      .expect(200);
    await waitFor(() => Promise.resolve(/has been revoked/.test(second.output())), 1000);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await second.exited).toBe(3);

    // And it stays out on every later attempt.
    const third = fleet.runAgent(stateDir);
    expect(await third.exited).toBe(3);
    expect((await device(deviceId)).status).toBe('revoked');
  }, 60_000);
});
