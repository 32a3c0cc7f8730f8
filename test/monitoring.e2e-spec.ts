import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from './support/fleet';
import {
  certificateExpiringIn,
  type Local,
  startHttp,
  startHttps,
  startReceiver,
  startSmtpSink,
  subjectOf,
  validSignature,
} from './support/monitoring';
import { AGENT_BUNDLE, buildAll, type Proc, spawnNode, waitFor } from './support/processes';

/**
 * Above the 2.5 s the server takes to mark a silent device offline (1 s heartbeats), so a
 * simulated device whose heartbeat is late on a loaded machine is not taken for dead.
 */
const GRACE_SECONDS = 5;

/**
 * A real server process with real local sites (HTTP and HTTPS), a real webhook receiver, a
 * real SMTP sink, a real agent and the real simulator: every notification here crossed a
 * socket, and every alert was raised by the server's own loops.
 */
describe('monitoring end to end', () => {
  let fleet: Fleet;
  let work: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let site: Local;
  let flapSite: Local;
  let tlsSite: Local;
  let siteStatus = 200;
  let flapCount = 0;
  let sim: Proc | undefined;

  beforeAll(async () => {
    buildAll();
    work = await mkdtemp(join(tmpdir(), 'fleetdesk-monitoring-'));
    const certs = certificateExpiringIn(work, 3);
    // The first signed alert on /site is answered 500, so its delivery must be retried.
    receiver = await startReceiver((r) =>
      r.path === '/site' && receiver.on('/site').length === 1 ? 500 : 200,
    );
    smtp = await startSmtpSink();
    site = await startHttp(
      (_q, res) => void res.writeHead(siteStatus).end(siteStatus === 200 ? 'hello shop' : 'oops'),
    );
    flapSite = await startHttp((_q, res) => {
      flapCount += 1;
      res.writeHead(flapCount % 2 === 0 ? 500 : 200).end('flap');
    });
    tlsSite = await startHttps(
      (_q, res) => void res.writeHead(200).end('secure'),
      await readFile(certs.certFile, 'utf8'),
      await readFile(certs.keyFile, 'utf8'),
    );
    fleet = await Fleet.start({
      MONITOR_TICK_MS: '300',
      OFFLINE_ALERT_GRACE_SECONDS: String(GRACE_SECONDS),
      SMTP_URL: smtp.url,
      SMTP_FROM: 'fleetdesk@test.invalid',
      // The server trusts the test CA as an operator's would; verification stays on.
      NODE_EXTRA_CA_CERTS: certs.caFile,
    });
  }, 240_000);
  afterAll(async () => {
    sim?.child.kill('SIGKILL');
    await fleet?.stop();
    for (const s of [receiver, smtp, site, flapSite, tlsSite]) await s?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** A JSON body, as loosely typed as JSON.parse gives it. */
  type Json = ReturnType<typeof JSON.parse>;
  const api = {
    get: async (path: string): Promise<Json> =>
      (await fleet.api().get(path).set('Authorization', fleet.admin).expect(200)).body as Json,
    post: async (path: string, body: object, status = 201): Promise<Json> =>
      (await fleet.api().post(path).set('Authorization', fleet.admin).send(body).expect(status))
        .body as Json,
  };
  /** waitFor on something the test process holds (what the receiver got). */
  const until = <T>(fn: () => T | undefined | false, ms = 30_000) =>
    waitFor(() => Promise.resolve(fn()), ms, 100);

  const webhook = async (path: string, tags: string[], digestSeconds = 0) =>
    (await api.post('/api/notification-channels', {
      name: `hook ${path}`,
      kind: 'webhook',
      url: `${receiver.url}${path}`,
      routing: { minSeverity: 'info', tags },
      digestSeconds,
    })) as { id: string; signingSecret: string };

  const check = async (body: object) =>
    (await api.post('/api/website-checks', { intervalSeconds: 2, ...body })) as { id: string };

  type Result = {
    outcome: string;
    statusCode: number | null;
    latencyMs: number | null;
    certExpiresAt: string | null;
    message: string | null;
  };
  const results = async (id: string) =>
    (await api.get(`/api/website-checks/${id}/results?pageSize=100`)).items as Result[];

  it('a site answering 500 trips its check, notifies with a valid signature (retried), and recovers', async () => {
    const channel = await webhook('/site', ['shop']);
    const c = await check({
      name: 'shop',
      url: `${site.url}/`,
      bodyContains: 'hello',
      failThreshold: 2,
      successThreshold: 1,
      tags: ['shop'],
    });
    await waitFor(async () => (await results(c.id)).some((r) => r.outcome === 'ok'), 20_000, 200);
    siteStatus = 500;
    // The first attempt is answered 500; the retry of the same delivery is the second request.
    const fired = await until(() => receiver.on('/site')[1]);
    const firstTry = receiver.on('/site')[0];
    // The same delivery, sent again after the 500.
    expect(fired.headers['x-fleetdesk-delivery']).toBe(firstTry.headers['x-fleetdesk-delivery']);
    expect(validSignature(fired, channel.signingSecret)).toBe(true);
    expect(validSignature(fired, 'some other secret')).toBe(false);
    expect(fired.body.events).toHaveLength(1);
    expect(fired.body.events[0].alert).toMatchObject({
      subject: `website_check:${c.id}`,
      severity: 'critical',
      title: 'Website down: shop',
    });

    siteStatus = 200;
    const resolved = await until(() =>
      receiver.on('/site').find((r) => r.body.events.some((e) => e.event === 'resolved')),
    );
    expect(validSignature(resolved, channel.signingSecret)).toBe(true);
    expect(resolved.body.summary).toBe('[RESOLVED critical] Website down: shop');

    const history = await results(c.id);
    expect(
      history.some(
        (r) =>
          r.outcome === 'critical' &&
          r.statusCode === 500 &&
          r.message === 'HTTP 500 (expected 200)',
      ),
    ).toBe(true);
    expect(history.every((r) => r.latencyMs !== null && r.latencyMs >= 0)).toBe(true);
    const alerts = await api.get(`/api/alerts?checkId=${c.id}`);
    expect(alerts.items).toHaveLength(1);
    expect(alerts.items[0].state).toBe('resolved');
    const deliveries = await api.get(`/api/notification-channels/${channel.id}/deliveries`);
    const retried = (
      deliveries.items as {
        events: number;
        status: string;
        attempts: { ok: boolean; code: number }[];
      }[]
    ).find((d) => d.attempts.length === 2);
    expect(retried).toMatchObject({ status: 'delivered', events: 1 });
    expect(retried?.attempts.map((a) => [a.ok, a.code])).toEqual([
      [false, 500],
      [true, 200],
    ]);
  }, 120_000);

  it('warns about a TLS certificate that expires in 3 days', async () => {
    const c = await check({
      name: 'tls',
      url: `${tlsSite.url}/`,
      certWarnDays: 14,
      failThreshold: 1,
      tags: ['tls'],
    });
    const warned = await waitFor(
      async () => (await results(c.id)).find((r) => r.outcome === 'warning'),
      20_000,
      200,
    );
    const daysLeft = (new Date(warned.certExpiresAt ?? 0).getTime() - Date.now()) / 86_400_000;
    expect(daysLeft).toBeGreaterThan(2.9);
    expect(daysLeft).toBeLessThan(3.1);
    expect(warned.message).toMatch(/the TLS certificate expires in 2 day\(s\).*warning at 14/);
    const alert = await waitFor(
      async () => (await api.get(`/api/alerts?checkId=${c.id}`)).items[0] as object | undefined,
      10_000,
      200,
    );
    expect(alert).toMatchObject({
      severity: 'warning',
      state: 'firing',
      title: 'Website warning: tls',
    });
  }, 60_000);

  it('a flapping check (alternating results) notifies nobody', async () => {
    await webhook('/flap', ['flap']);
    const c = await check({
      name: 'flap',
      url: `${flapSite.url}/`,
      failThreshold: 2,
      successThreshold: 2,
      tags: ['flap'],
    });
    const seen = await waitFor(
      async () => {
        const r = await results(c.id);
        return r.length >= 8 && r;
      },
      60_000,
      500,
    );
    const outcomes = seen.map((r) => r.outcome);
    // It really flapped: every result differs from the one before it.
    expect(outcomes.every((o, i) => i === 0 || o !== outcomes[i - 1])).toBe(true);
    expect(receiver.on('/flap')).toEqual([]);
    expect((await api.get(`/api/alerts?checkId=${c.id}`)).total).toBe(0);
  }, 90_000);

  it('sends email through a real SMTP server: the test button and an alert', async () => {
    const channel = (await api.post('/api/notification-channels', {
      name: 'on-call mail',
      kind: 'email',
      emailTo: ['oncall@example.com'],
      routing: { minSeverity: 'info', tags: ['mail'] },
      digestSeconds: 0,
    })) as { id: string; signingSecret: string | null };
    expect(channel.signingSecret).toBeNull();
    const test = await api.post(`/api/notification-channels/${channel.id}/test`, {}, 200);
    expect(test).toMatchObject({ status: 'delivered', test: true });
    expect(test.attempts).toEqual([expect.objectContaining({ ok: true, code: 250 })]);
    expect(smtp.mails[0].to).toEqual(['oncall@example.com']);
    expect(subjectOf(smtp.mails[0].data)).toMatch(
      /^Fleetdesk test notification for channel "on-call mail"$/,
    );

    // Port 1 on loopback: nothing listens, the check fails at once.
    await check({
      name: 'mailcheck',
      url: 'http://127.0.0.1:1/',
      failThreshold: 1,
      tags: ['mail'],
    });
    const mail = await until(() => smtp.mails.find((m) => /Website down: mailcheck/.test(m.data)));
    expect(subjectOf(mail.data)).toBe('[FIRING critical] Website down: mailcheck');
    // The body is quoted-printable: a long line is folded with '=' and a line break.
    expect(mail.data).toMatch(/connection (=\r?\n)?refused/);
  }, 60_000);

  it('a killed agent gives an offline alert after the grace', async () => {
    const token = (
      await api.post('/api/enrollment-tokens', { name: 'real', maxUses: 1, tags: ['real'] })
    ).token as string;
    await webhook('/real', ['real']);
    const agent = await fleet.enrollAgent(token);
    const proc = fleet.runAgent(agent.stateDir);
    await waitFor(
      async () => (await api.get(`/api/devices/${agent.deviceId}`)).status === 'online',
      30_000,
      200,
    );
    const killedAt = Date.now();
    proc.child.kill('SIGKILL');
    const got = await until(() => receiver.on('/real')[0]);
    // The grace counts from the device's last heartbeat, up to one period before the kill.
    const device = await api.get(`/api/devices/${agent.deviceId}`);
    const alertList = await api.get(`/api/alerts?source=device_offline&deviceId=${agent.deviceId}`);
    expect(
      new Date(alertList.items[0].firedAt).getTime() - new Date(device.lastSeenAt).getTime(),
    ).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 1000);
    expect(got.body.events).toEqual([
      expect.objectContaining({
        event: 'fired',
        alert: expect.objectContaining({
          subject: `device_offline:${agent.deviceId}`,
          severity: 'critical',
        }),
      }),
    ]);
    const alerts = await api.get(`/api/alerts?source=device_offline&deviceId=${agent.deviceId}`);
    expect(alerts.items[0]).toMatchObject({
      state: 'firing',
      links: { device: `/devices/${agent.deviceId}` },
    });
  }, 90_000);

  it('50 simulated devices going offline together give one digest', async () => {
    const channel = await webhook('/sim', ['sim'], 10);
    const token = (
      await api.post('/api/enrollment-tokens', {
        name: 'sim',
        maxUses: 50,
        tags: ['sim'],
        ratePerMinute: 600,
      })
    ).token as string;
    sim = spawnNode(
      [
        AGENT_BUNDLE,
        'simulate',
        '--server',
        fleet.url,
        '--token',
        token,
        '--count',
        '50',
        '--state-dir',
        join(work, 'sim'),
      ],
      {},
    );
    await waitFor(
      async () => (await api.get('/api/devices?tag=sim&status=online&pageSize=1')).total === 50,
      90_000,
      500,
    );
    sim.child.kill('SIGKILL');
    const digest = await until(() => receiver.on('/sim')[0], 60_000);
    // Anything still to come would arrive within another window.
    await new Promise((r) => setTimeout(r, 12_000));
    expect(receiver.on('/sim')).toHaveLength(1);
    expect(validSignature(digest, channel.signingSecret)).toBe(true);
    expect(digest.body.digest).toBe(true);
    // Each of the 50 devices is in it, and its last word there is "fired". (A device whose
    // heartbeat was late past the grace on a loaded machine may also show a fired/resolved
    // pair before: still the same one message.)
    const last = new Map<string, string>();
    for (const e of digest.body.events) last.set(e.alert.subject, e.event);
    expect(last.size).toBe(50);
    expect([...last.values()].every((kind) => kind === 'fired')).toBe(true);
    expect(digest.body.summary).toMatch(/^Fleetdesk digest: \d+ alert\(s\) fired/);
    const deliveries = await api.get(`/api/notification-channels/${channel.id}/deliveries`);
    expect(deliveries.items).toEqual([
      expect.objectContaining({ events: digest.body.events.length, status: 'delivered' }),
    ]);
  }, 180_000);
});
