import { Fleet } from './support/fleet';
import { type Local, startHttp, startReceiver, validSignature } from './support/monitoring';
import { buildAll, waitFor } from './support/processes';

/**
 * A website check run from a device: a real server, a real agent process probing a real local
 * site, and a real webhook receiver. The site starts answering 500: the agent's results trip
 * the check's alert for that device (named in the notification); the site recovers and the
 * alert resolves.
 */
describe('website checks run from a device, end to end', () => {
  let fleet: Fleet;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let site: Local;
  let siteStatus = 200;
  let deviceId: string;

  beforeAll(async () => {
    buildAll();
    receiver = await startReceiver();
    site = await startHttp(
      (_q, res) => void res.writeHead(siteStatus).end(siteStatus === 200 ? 'portal ready' : 'down'),
    );
    fleet = await Fleet.start({ MONITOR_TICK_MS: '300' });
    const agent = await fleet.enrollAgent();
    deviceId = agent.deviceId;
    fleet.runAgent(agent.stateDir);
    await waitFor(
      async () =>
        (await fleet.api().get(`/api/devices/${deviceId}`).set('Authorization', fleet.admin)).body
          .status === 'online',
      30_000,
      200,
    );
  }, 240_000);
  afterAll(async () => {
    await fleet?.stop();
    await receiver?.close();
    await site?.close();
  });

  type Json = ReturnType<typeof JSON.parse>;
  const get = async (path: string): Promise<Json> =>
    (await fleet.api().get(path).set('Authorization', fleet.admin).expect(200)).body as Json;
  const post = async (path: string, body: object): Promise<Json> =>
    (await fleet.api().post(path).set('Authorization', fleet.admin).send(body).expect(201))
      .body as Json;

  it('a site answering 500 trips the check from the device, then recovers', async () => {
    const channel = (await post('/api/notification-channels', {
      name: 'sites',
      kind: 'webhook',
      url: `${receiver.url}/sites`,
      routing: { minSeverity: 'info' },
      digestSeconds: 0,
    })) as { signingSecret: string };
    const check = (await post('/api/website-checks', {
      name: 'portal',
      url: site.url,
      bodyContains: 'ready',
      intervalSeconds: 2,
      timeoutMs: 2000,
      failThreshold: 2,
      successThreshold: 1,
      runFrom: { deviceIds: [deviceId] },
    })) as { id: string };
    const subject = `website_check:${check.id}:${deviceId}`;
    const name = (await get(`/api/devices/${deviceId}`)).displayName as string;
    const fromDevice = async () =>
      (await get(`/api/website-checks/${check.id}/results?location=${deviceId}`)).items as {
        deviceId: string;
        outcome: string;
        latencyMs: number | null;
        statusCode: number | null;
      }[];

    // The agent got the check, signed, and probes the site from the device.
    const first = await waitFor(async () => (await fromDevice())[0], 20_000, 200);
    expect(first).toMatchObject({ deviceId, outcome: 'ok', statusCode: 200 });
    expect(first.latencyMs).toEqual(expect.any(Number));

    siteStatus = 500;
    const event = (r: (typeof receiver.got)[number], kind: string) =>
      r.body.events.find((e) => e.event === kind && e.alert.subject === subject);
    const fired = await waitFor(
      () => Promise.resolve(receiver.on('/sites').find((r) => event(r, 'fired'))),
      20_000,
      100,
    );
    expect(validSignature(fired, channel.signingSecret)).toBe(true);
    const alert = event(fired, 'fired')?.alert as unknown as Json;
    expect(alert).toMatchObject({
      source: 'website_check',
      checkId: check.id,
      deviceId,
      title: `Website down: portal from ${name}`,
      links: { device: `/devices/${deviceId}`, check: `/website-checks/${check.id}` },
    });
    expect(alert.message).toContain(`from ${name}: HTTP 500 (expected 200)`);
    expect((await fromDevice())[0]).toMatchObject({ outcome: 'critical', statusCode: 500 });

    siteStatus = 200;
    await waitFor(
      () => Promise.resolve(receiver.on('/sites').find((r) => event(r, 'resolved'))),
      20_000,
      100,
    );
    const locations = (await get(`/api/website-checks/${check.id}/locations`)) as {
      items: { deviceId: string | null; lastOutcome: string | null }[];
    };
    expect(locations.items).toEqual([
      expect.objectContaining({ deviceId: null }),
      expect.objectContaining({ deviceId, lastOutcome: 'ok' }),
    ]);
  }, 60_000);
});
