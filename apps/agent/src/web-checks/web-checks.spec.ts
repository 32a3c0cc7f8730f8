import { createPrivateKey, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateDeviceKeyPair,
  type MessageBodies,
  signPayload,
  type WebCheckResultItem,
  type WebCheckSpec,
  webChecksSigningPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { silentLogger } from '../log';
import { AgentWebChecks, toResultItem } from './web-checks';

const deviceId = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';
const server = generateDeviceKeyPair();
const ID_A = '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6';
const ID_B = '6b2d3f40-5c6e-4d7f-8a81-92a3b4c5d6e7';

function signed(checks: WebCheckSpec[], issuedAt = Date.now(), key = server.privateKey) {
  const body = { deviceId, issuedAt, checks };
  return { ...body, signature: signPayload(createPrivateKey(key), webChecksSigningPayload(body)) };
}

function fakeSession(online = true) {
  const sent: MessageBodies['web_check_results'][] = [];
  const session: Session = {
    deviceId,
    heartbeatIntervalMs: 30_000,
    send: (type, body) => {
      if (!online) return false;
      if (type === 'web_check_results') sent.push(body as MessageBodies['web_check_results']);
      return true;
    },
    sendFrame: () => true,
    protocolVersion: 7,
    sendBinary: () => true,
  };
  const items = (): WebCheckResultItem[] => sent.flatMap((f) => f.results);
  return { session, sent, items };
}

async function until<T>(fn: () => T | undefined | false, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The agent's website checks against a real local HTTP server, with the real probe. */
describe('AgentWebChecks', () => {
  let http: Server;
  let base: string;
  const routes = new Map<string, RequestListener>();
  let status = 200;
  let checks: AgentWebChecks | undefined;

  beforeAll(async () => {
    http = createServer((req, res) => {
      const handler = routes.get(req.url ?? '');
      if (handler) return void handler(req, res);
      res.writeHead(404).end('nope');
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    routes.set('/site', (_q, r) => void r.writeHead(status).end(`<p>status ${status}</p> ready`));
    // Headers at once, then a body that never ends: only the timeout ends the probe.
    routes.set('/trickle', (_q, r) => {
      r.writeHead(200);
      const t = setInterval(() => r.write('.'), 20);
      r.on('close', () => clearInterval(t));
    });
    // 3 MiB, the phrase in its last bytes: past the 1 MiB the probe reads.
    routes.set('/huge', (_q, r) => {
      r.writeHead(200);
      r.end(Buffer.concat([Buffer.alloc(3 * 1024 * 1024, 'x'), Buffer.from('THE-END')]));
    });
  });
  afterEach(() => {
    checks?.close();
    checks = undefined;
    status = 200;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  const spec = (over: Partial<WebCheckSpec> = {}): WebCheckSpec => ({
    id: ID_A,
    url: `${base}/site`,
    expectedStatus: 200,
    redirectPolicy: 'follow',
    maxRedirects: 5,
    certWarnDays: 14,
    intervalMs: 50,
    timeoutMs: 1_000,
    ...over,
  });
  const make = () =>
    (checks = new AgentWebChecks({
      deviceId,
      serverPublicKey: createPublicKey(server.publicKey),
      log: silentLogger,
    }));

  it('probes at the interval and sends every result: status, latency, the failure', async () => {
    const c = make();
    const s = fakeSession();
    c.attach(s.session);
    expect(c.configure(signed([spec({ bodyContains: 'ready' })]))).toBe(true);
    const ok = await until(() => s.items().length >= 2 && s.items());
    expect(ok[0]).toMatchObject({ checkId: ID_A, outcome: 'ok', statusCode: 200 });
    expect(ok[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(ok[0]).not.toHaveProperty('message');
    expect(ok[1].at).toBeGreaterThanOrEqual(ok[0].at);
    status = 500;
    const failed = await until(() => s.items().find((i) => i.outcome === 'critical'));
    expect(failed).toMatchObject({ statusCode: 500, message: 'HTTP 500 (expected 200)' });
    status = 200;
    const seen = s.items().length;
    await until(() =>
      s
        .items()
        .slice(seen)
        .find((i) => i.outcome === 'ok'),
    );
  });

  it('refuses a set signed by another key, for another device, or older than the last', () => {
    const c = make();
    const other = generateDeviceKeyPair();
    expect(c.configure(signed([spec()], Date.now(), other.privateKey))).toBe(false);
    const forOther = signed([spec()]);
    expect(c.configure({ ...forOther, deviceId: ID_B })).toBe(false);
    // A URL changed on the way no longer matches the signature.
    const tampered = signed([spec()]);
    tampered.checks[0].url = 'http://10.0.0.1/admin';
    expect(c.configure(tampered)).toBe(false);
    expect(c.size).toBe(0);
    expect(c.configure(signed([spec()], 2_000))).toBe(true);
    expect(c.configure(signed([], 1_000))).toBe(false);
    expect(c.size).toBe(1);
  });

  it('ends a page that never finishes at the timeout, and reads at most 1 MiB', async () => {
    const c = make();
    const s = fakeSession();
    c.attach(s.session);
    const started = Date.now();
    c.configure(
      signed([
        spec({ id: ID_A, url: `${base}/trickle`, timeoutMs: 300, intervalMs: 60_000 }),
        spec({ id: ID_B, url: `${base}/huge`, bodyContains: 'THE-END', intervalMs: 60_000 }),
      ]),
    );
    const slow = await until(() => s.items().find((i) => i.checkId === ID_A));
    expect(slow).toMatchObject({
      outcome: 'critical',
      message: 'no complete answer within 300 ms',
    });
    // Not a tight bound (a loaded machine): the probe did not wait for the page to end.
    expect(Date.now() - started).toBeLessThan(4_000);
    const huge = await until(() => s.items().find((i) => i.checkId === ID_B));
    expect(huge).toMatchObject({ outcome: 'critical', statusCode: 200 });
    expect(huge.message).toMatch(/does not contain "THE-END"/);
  });

  it('keeps results while offline, bounded, and sends them on the next session', async () => {
    const c = make();
    c.configure(signed([spec({ intervalMs: 20 })]));
    const offline = fakeSession(false);
    c.attach(offline.session);
    await new Promise((r) => setTimeout(r, 300));
    c.close();
    const s = fakeSession();
    c.attach(s.session);
    const items = s.items();
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(500);
    expect(s.sent.every((f) => f.results.length <= 100)).toBe(true);
    expect(items.every((i) => i.outcome === 'ok')).toBe(true);
  });

  it('stops a check the server no longer sends, and runs a changed one with its new settings', async () => {
    const c = make();
    const s = fakeSession();
    c.attach(s.session);
    c.configure(signed([spec(), spec({ id: ID_B, expectedStatus: 204 })], 1_000));
    await until(() => s.items().some((i) => i.checkId === ID_B));
    c.configure(signed([spec({ expectedStatus: 201 })], 2_000));
    expect(c.size).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    const seen = s.items().length;
    await until(() => s.items().length >= seen + 2);
    const later = s.items().slice(seen);
    expect(later.every((i) => i.checkId === ID_A)).toBe(true);
    expect(later[0]).toMatchObject({ outcome: 'critical', message: 'HTTP 200 (expected 201)' });
  });

  it('leaves out what the probe could not measure', () => {
    expect(
      toResultItem(ID_A, 5, {
        outcome: 'critical',
        statusCode: null,
        latencyMs: null,
        certExpiresAt: new Date(-1),
        message: 'x'.repeat(900),
      }),
    ).toEqual({ checkId: ID_A, at: 5, outcome: 'critical', message: 'x'.repeat(500) });
  });
});
