import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Fleet } from './support/fleet';
import { startReceiver, validSignature } from './support/monitoring';
import { buildAll, waitFor } from './support/processes';

/** `df`'s "Use%" of a mount, as a number. */
function dfPercent(mount: string): number {
  const out = execFileSync('df', ['--output=pcent', mount], { encoding: 'utf8' });
  return Number(/(\d+)%/.exec(out.split('\n')[1])?.[1]);
}

/**
 * A real server and a real agent process: checks are configured over REST, pushed signed to
 * the agent over its socket, judged on the device and reported back, and every notification
 * crossed a real socket to a real webhook receiver.
 */
describe('agent checks end to end', () => {
  let fleet: Fleet;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deviceId: string;
  let closedPort: number;
  let listening: Server;

  beforeAll(async () => {
    buildAll();
    receiver = await startReceiver();
    // A port that was open and is now closed: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    listening = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    fleet = await Fleet.start({ MONITOR_TICK_MS: '300', AGENT_CHECK_SUMMARY_SECONDS: '2' });
    const token = (
      await fleet
        .api()
        .post('/api/enrollment-tokens')
        .set('Authorization', fleet.admin)
        .send({ name: 'checks', maxUses: 1, tags: ['checked'] })
        .expect(201)
    ).body.token as string;
    const agent = await fleet.enrollAgent(token);
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    await waitFor(
      async () => (await api.get(`/api/devices/${deviceId}`)).status === 'online',
      30_000,
      200,
    );
  }, 240_000);
  afterAll(async () => {
    await fleet?.stop();
    await receiver?.close();
    listening?.close();
  });

  type Json = ReturnType<typeof JSON.parse>;
  const api = {
    get: async (path: string): Promise<Json> =>
      (await fleet.api().get(path).set('Authorization', fleet.admin).expect(200)).body as Json,
    post: async (path: string, body: object, status = 201): Promise<Json> =>
      (await fleet.api().post(path).set('Authorization', fleet.admin).send(body).expect(status))
        .body as Json,
    patch: async (path: string, body: object): Promise<Json> =>
      (await fleet.api().patch(path).set('Authorization', fleet.admin).send(body).expect(200))
        .body as Json,
  };
  const until = <T>(fn: () => T | undefined | false, ms = 30_000) =>
    waitFor(() => Promise.resolve(fn()), ms, 100);
  const stateOf = async (checkId: string) =>
    (await api.get(`/api/agent-checks/${checkId}/states`)).items[0] as
      { status: string; message: string; value: number | null; deviceId: string } | undefined;

  it('a low disk threshold fires a signed notification, and the resolution follows', async () => {
    const channel = (await api.post('/api/notification-channels', {
      name: 'disk hook',
      kind: 'webhook',
      url: `${receiver.url}/disk`,
      routing: { minSeverity: 'info', tags: ['checked'] },
      digestSeconds: 0,
    })) as { id: string; signingSecret: string };
    const check = (await api.post('/api/agent-checks', {
      name: 'root disk',
      kind: 'disk',
      mount: '/',
      thresholdPercent: 1,
      target: { tags: ['checked'] },
    })) as { id: string };
    const subject = `agent_check:${check.id}:${deviceId}`;

    const fired = await until(() =>
      receiver
        .on('/disk')
        .find((r) => r.body.events.some((e) => e.event === 'fired' && e.alert.subject === subject)),
    );
    expect(validSignature(fired, channel.signingSecret)).toBe(true);
    expect(fired.body.events[0].alert).toMatchObject({
      source: 'agent_check',
      deviceId,
      checkId: check.id,
      severity: 'critical',
      links: { device: `/devices/${deviceId}`, check: `/agent-checks/${check.id}` },
    });
    const alert = fired.body.events[0].alert as unknown as { message: string };
    expect(alert.message).toMatch(/^disk \/ \d+(\.\d)? % \(threshold 1 %\)$/);

    // The figure the agent judged is df's, for the same mount, on this machine.
    const state = await stateOf(check.id);
    expect(state).toMatchObject({ status: 'critical', deviceId });
    expect(Math.abs((state?.value ?? -100) - dfPercent('/'))).toBeLessThanOrEqual(1);

    // The condition clears: the agent gets the new threshold, judges ok, the alert resolves.
    await api.patch(`/api/agent-checks/${check.id}`, { thresholdPercent: 100 });
    const resolved = await until(() =>
      receiver
        .on('/disk')
        .find((r) =>
          r.body.events.some((e) => e.event === 'resolved' && e.alert.subject === subject),
        ),
    );
    expect(validSignature(resolved, channel.signingSecret)).toBe(true);
    expect(resolved.body.summary).toBe(`[RESOLVED critical] ${fired.body.events[0].alert.title}`);
    const alerts = await api.get(`/api/alerts?checkId=${check.id}`);
    expect(alerts.items).toEqual([expect.objectContaining({ state: 'resolved', subject })]);
    expect(await stateOf(check.id)).toMatchObject({ status: 'ok' });
  }, 120_000);

  it('probes processes, TCP ports and Nagios scripts on the device', async () => {
    const make = async (body: object) =>
      (
        (await api.post('/api/agent-checks', {
          target: { deviceIds: [deviceId] },
          intervalSeconds: 5,
          timeoutSeconds: 5,
          ...body,
        })) as { id: string }
      ).id;
    const nodeRunning = await make({ name: 'agent runs', kind: 'process', process: 'node' });
    const ghost = await make({ name: 'ghost', kind: 'process', process: 'no-such-process-x' });
    const open = await make({
      name: 'open port',
      kind: 'tcp',
      host: '127.0.0.1',
      port: (listening.address() as AddressInfo).port,
    });
    const closed = await make({
      name: 'closed port',
      kind: 'tcp',
      host: '127.0.0.1',
      port: closedPort,
    });
    const script = await make({
      name: 'nagios',
      kind: 'script',
      language: 'sh',
      script: 'echo "WARNING - queue at 80 %|queue=80"\necho second line\nexit 1\n',
    });
    const expected: [string, object][] = [
      [nodeRunning, { status: 'ok', message: expect.stringMatching(/node process\(es\) running/) }],
      [ghost, { status: 'critical', message: 'no no-such-process-x process running', value: 0 }],
      [open, { status: 'ok', message: expect.stringMatching(/accepts connections/) }],
      [closed, { status: 'critical', message: expect.stringMatching(/ECONNREFUSED/) }],
      [script, { status: 'warning', message: 'WARNING - queue at 80 %|queue=80' }],
    ];
    for (const [id, want] of expected) {
      const s = await waitFor(async () => (await stateOf(id)) ?? false, 30_000, 250);
      expect(s).toMatchObject(want);
    }
    // A script check's warning fires as a warning, whatever the check's severity.
    const alert = await waitFor(
      async () =>
        ((await api.get(`/api/alerts?checkId=${script}`)).items[0] as object | undefined) ?? false,
      15_000,
      250,
    );
    expect(alert).toMatchObject({ severity: 'warning', state: 'firing' });
    expect((await api.get(`/api/alerts?checkId=${nodeRunning}`)).total).toBe(0);
  }, 120_000);

  it('refuses what it cannot run safely, with a clear error', async () => {
    const bad = async (body: object, why: RegExp) => {
      const res = await fleet
        .api()
        .post('/api/agent-checks')
        .set('Authorization', fleet.admin)
        .send({ name: 'x', target: { all: true }, ...body })
        .expect(400);
      expect(JSON.stringify(res.body)).toMatch(why);
    };
    await bad({ kind: 'ping', host: '-f' }, /host must be a host name or IP address/);
    await bad({ kind: 'service', service: '--user' }, /service must not start with/);
    await bad({ kind: 'disk' }, /a disk check needs thresholdPercent/);
    await bad({ kind: 'cpu', thresholdPercent: 101 }, /thresholdPercent/);
    // (A check naming no device is accepted: it runs where an automation policy carries it.)
    await bad({ kind: 'script', language: 'sh' }, /a script check needs script/);
    await bad({ kind: 'rootkit' }, /kind/);
  });
});
