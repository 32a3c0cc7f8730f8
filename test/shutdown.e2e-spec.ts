import { io, type Socket } from 'socket.io-client';
import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';

/**
 * SIGTERM with agents and a console connected: the server used to wait in server.close() for
 * their WebSockets until the forced timeout, and exit 1. It must close them itself, exit 0
 * well within SHUTDOWN_TIMEOUT_MS, and the agents must come back when a server does.
 */
describe('graceful shutdown with sockets open', () => {
  let fleet: Fleet;
  let consoleSocket: Socket | undefined;

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
  }, 180_000);
  afterAll(async () => {
    consoleSocket?.close();
    await fleet?.stop();
  });

  const statusOf = async (id: string) =>
    (await fleet.api().get(`/api/devices/${id}`).set('Authorization', fleet.admin).expect(200)).body
      .status as string;

  it('exits 0 within 10 s, and the agents reconnect to the next server', async () => {
    const agents = await Promise.all([fleet.enrollAgent(), fleet.enrollAgent()]);
    const procs = agents.map((a) => fleet.runAgent(a.stateDir));
    await waitFor(
      async () =>
        (await Promise.all(agents.map((a) => statusOf(a.deviceId)))).every((s) => s === 'online'),
      20_000,
    );
    consoleSocket = io(fleet.url, {
      auth: { token: fleet.admin.replace('Bearer ', '') },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      consoleSocket!.once('connect', () => resolve());
      consoleSocket!.once('connect_error', reject);
    });
    const consoleClosed = new Promise<string>((resolve) =>
      consoleSocket!.once('disconnect', (reason) => resolve(reason)),
    );

    const server = fleet.server!;
    const started = Date.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;
    const took = Date.now() - started;
    console.log(`server with 2 agents and 1 console socket stopped in ${took} ms`);
    expect({ code, output: code === 0 ? '' : server.output() }).toEqual({ code: 0, output: '' });
    expect(took).toBeLessThan(10_000);
    expect(await consoleClosed).toBe('io server disconnect');
    // The agents were told to go away, not killed: they keep trying, with backoff.
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);

    await fleet.startServer();
    await waitFor(
      async () =>
        (await Promise.all(agents.map((a) => statusOf(a.deviceId)))).every((s) => s === 'online'),
      40_000,
    );
  }, 120_000);
});
