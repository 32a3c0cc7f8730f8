import request from 'supertest';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
const PUBLIC_ROUTES = new Set([
  'GET /health',
  'POST /api/auth/login',
  'GET /api/setup',
  'POST /api/setup',
  'POST /api/agent/enroll',
  // The install scripts carry only public values (server URL, hashes, key fingerprint).
  'GET /install.sh',
  'GET /install.ps1',
]);
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
/** Routes a device calls with a request signed by its own key, not a user's credential. */
const DEVICE_SIGNED_ROUTES = new Set([
  `GET /api/agent-updates/builds/${SAMPLE_ID}`,
  `GET /api/software/installers/${SAMPLE_ID}/content`,
  `POST /api/log-collections/uploads/${SAMPLE_ID}`,
  `PUT /api/log-collections/uploads/${SAMPLE_ID}/files/${SAMPLE_ID}/chunks/${SAMPLE_ID}`,
  `GET /api/file-transfers/pushes/${SAMPLE_ID}/chunks/${SAMPLE_ID}`,
  `POST /api/log-searches/results/${SAMPLE_ID}`,
]);

/** Every route the server serves, read from its own OpenAPI document so none can be forgotten. */
async function allRoutes(server: TestServer): Promise<{ method: Method; path: string }[]> {
  const res = await request(server.url).get('/api/docs-json').expect(200);
  const paths = res.body.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({
      method: method as Method,
      path: path.replace(/\{[^}]+\}/g, SAMPLE_ID),
    })),
  );
}

describe('authorization (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let fx: ReturnType<typeof factories>;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    fx = factories(server);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('answers 401 on every route but the public ones when no credential is sent', async () => {
    const routes = await allRoutes(server);
    expect(routes.length).toBeGreaterThan(10);
    for (const { method, path } of routes) {
      const key = `${method.toUpperCase()} ${path}`;
      if (PUBLIC_ROUTES.has(key)) continue;
      const res = await request(server.url)[method](path).send({});
      expect({ key, status: res.status, code: res.body.code }).toEqual({
        key,
        status: 401,
        code: DEVICE_SIGNED_ROUTES.has(key) ? 'DEVICE_AUTH_FAILED' : 'AUTH_REQUIRED',
      });
    }
    const seen = new Set(routes.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    for (const pub of PUBLIC_ROUTES) expect(seen.has(pub)).toBe(true);
  });

  it('gives a viewer 403 on every mutation except its own tokens and logout', async () => {
    const { auth } = await fx.user({ role: 'viewer' });
    const token = await auth();
    const routes = await allRoutes(server);
    const selfService = new Set([
      'POST /api/tokens',
      `DELETE /api/tokens/${SAMPLE_ID}`,
      'POST /api/auth/logout',
    ]);
    // Computations that change nothing; POSTs only because their input travels in a body.
    const readOnlyPosts = new Set(['POST /api/schedules/preview']);
    let checked = 0;
    for (const { method, path } of routes) {
      const key = `${method.toUpperCase()} ${path}`;
      if (
        method === 'get' ||
        PUBLIC_ROUTES.has(key) ||
        DEVICE_SIGNED_ROUTES.has(key) ||
        selfService.has(key) ||
        readOnlyPosts.has(key)
      )
        continue;
      const res = await request(server.url)[method](path).set('Authorization', token).send({});
      expect({ key, status: res.status }).toEqual({ key, status: 403 });
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('lets a viewer read what viewers may read but not the admin areas', async () => {
    const { auth } = await fx.user({ role: 'viewer' });
    const token = await auth();
    await request(server.url).get('/api/auth/me').set('Authorization', token).expect(200);
    await request(server.url).get('/api/tokens').set('Authorization', token).expect(200);
    const users = await request(server.url).get('/api/users').set('Authorization', token);
    expect(users.status).toBe(403);
    expect(users.body.code).toBe('AUTH_ROLE_FORBIDDEN');
    await request(server.url).get('/api/audit').set('Authorization', token).expect(403);
  });

  it('keeps user administration for admins: a technician gets 403', async () => {
    const { auth } = await fx.user({ role: 'technician' });
    const token = await auth();
    await request(server.url)
      .post('/api/users')
      .set('Authorization', token)
      .send({
        email: 'x@example.com',
        displayName: 'X',
        password: 'long-enough-password',
        role: 'admin',
      })
      .expect(403);
    const admin = await login(server, ADMIN.email, ADMIN.password);
    await request(server.url).get('/api/users').set('Authorization', admin).expect(200);
  });
});
