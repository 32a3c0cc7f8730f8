import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import { ADMIN } from '../apps/server/src/test-support/test-app';
import { Fleet } from './support/fleet';
import { exampleForTest, findNginx, NGINX_EXAMPLE, startNginx } from './support/nginx';
import { buildAll, freePort, type Proc, waitFor } from './support/processes';
import { makeCertificates, type TestCertificates } from './support/tls';

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not happen in ${ms} ms`)), ms);
      void promise.finally(() => clearTimeout(timer));
    }),
  ]);

const NGINX = findNginx();
if (!NGINX) {
  // CI installs nginx (.ci/run), so there a missing binary is a failure, not a skip.
  if (process.env.CI) throw new Error('nginx is required in CI for test/nginx.e2e-spec.ts');
  console.warn(
    `SKIPPED test/nginx.e2e-spec.ts: nginx is not installed (apt-get install -y nginx); ${NGINX_EXAMPLE} is untested here`,
  );
}

/**
 * docs/nginx-example.conf, run by a real nginx in front of a real server on loopback: TLS ends
 * at nginx, a real agent enrolls and keeps its WebSocket through it, and a console socket.io
 * client signs in with the session cookie and upgrades to a WebSocket through it.
 */
(NGINX ? describe : describe.skip)('behind nginx (docs/nginx-example.conf)', () => {
  let dir: string;
  let certs: TestCertificates;
  let fleet: Fleet;
  let nginx: Proc | undefined;
  let proxied = '';
  let httpPort = 0;
  let socket: Socket | undefined;

  beforeAll(async () => {
    buildAll();
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-nginx-'));
    certs = makeCertificates(dir);
    // Plain http on loopback behind the proxy, trusting its X-Forwarded-* headers.
    fleet = await Fleet.start({ TRUST_PROXY: '1' });
    fleet.agentEnv = { NODE_EXTRA_CA_CERTS: certs.caFile };
    const ports = {
      https: await freePort(),
      http: await freePort(),
      upstream: Number(new URL(fleet.url).port),
    };
    httpPort = ports.http;
    const site = exampleForTest(ports, certs.certFile, certs.keyFile);
    nginx = await startNginx(NGINX!, join(dir, 'nginx'), site, ports.https);
    proxied = `https://127.0.0.1:${ports.https}`;
  }, 180_000);
  afterAll(async () => {
    socket?.close();
    nginx?.child.kill('SIGQUIT');
    await nginx?.exited;
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('redirects plain http to https', async () => {
    const res = await request(`http://127.0.0.1:${httpPort}`).get('/devices').expect(301);
    expect(res.headers.location).toMatch(/^https:\/\/127\.0\.0\.1\/devices$/);
  });

  it('carries a pinned enrollment, the agent socket and a cookie-signed console socket', async () => {
    // The console signs in through the proxy as a browser would: cookie, own Origin.
    const login = await request(proxied)
      .post('/api/auth/login')
      .ca(certs.ca)
      .set('Origin', proxied)
      .send(ADMIN)
      .expect(200);
    const cookie = (login.headers['set-cookie'] as unknown as string[])
      .map((c) => c.split(';')[0])
      .join('; ');
    // X-Forwarded-Proto reached the server: it marks the session cookie Secure.
    expect(String(login.headers['set-cookie'])).toMatch(/Secure/i);

    const created = await request(proxied)
      .post('/api/enrollment-tokens')
      .ca(certs.ca)
      .set('Authorization', fleet.admin)
      .send({ name: 'via nginx', maxUses: 1 })
      .expect(201);
    const { token, serverKeySha256 } = created.body as { token: string; serverKeySha256: string };
    const { stateDir, deviceId } = await fleet.enrollAgent(
      token,
      ['--server-key-sha256', serverKeySha256],
      proxied,
    );

    const statuses: string[] = [];
    socket = io(proxied, {
      ca: certs.ca,
      extraHeaders: { cookie, origin: proxied },
      reconnection: false,
    });
    socket.on('device.status', (e: { deviceId: string; status: string }) => {
      if (e.deviceId === deviceId) statuses.push(e.status);
    });
    const upgraded = new Promise<string>((resolve) =>
      socket!.io.engine.once('upgrade', (t: { name: string }) => resolve(t.name)),
    );
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    // socket.io starts with long-polling and upgrades: the WebSocket upgrade passed nginx.
    expect(await within(upgraded, 10_000, 'the socket.io WebSocket upgrade')).toBe('websocket');

    // The agent's only server URL is the proxy's, so online means its wss:// went through.
    const agent = fleet.runAgent(stateDir);
    await waitFor(() => Promise.resolve(statuses.includes('online')), 20_000);
    agent.child.kill('SIGKILL');
    await waitFor(() => Promise.resolve(statuses.at(-1) === 'offline'), 20_000);
  }, 90_000);
});
