import request from 'supertest';
import { LOG_COLLECTION_RULES } from '@fleetdesk/api-types';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/**
 * GET /api/log-bundles/archive (several bundles in one .tar.gz): who may, and what it refuses
 * before anything is streamed. Its content and audit are checked end to end in
 * test/console-logs.e2e-spec.ts with bundles a real agent uploaded.
 */
describe('log bundle archives of many (real app, real database)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let viewer: string;
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOG_LEVEL: 'error' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    viewer = await (await factories(server).user({ role: 'viewer' })).auth();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const archive = (query: string, auth?: string) => {
    const req = request(server.url).get(`/api/log-bundles/archive${query}`);
    return auth ? req.set('Authorization', auth) : req;
  };

  it('needs a signed-in technician', async () => {
    await archive(`?ids=${uuid(1)}`).expect(401);
    await archive(`?ids=${uuid(1)}`, viewer).expect(403);
  });

  it('refuses a missing, malformed or oversized list with the field named', async () => {
    for (const query of ['', '?ids=', '?ids=not-a-uuid', `?ids=${uuid(1)},x`]) {
      const res = await archive(query, admin).expect(400);
      expect(JSON.stringify(res.body)).toMatch(/ids/);
    }
    const max = LOG_COLLECTION_RULES.archiveBundles;
    const many = Array.from({ length: max + 1 }, (_, i) => uuid(i + 1)).join(',');
    const res = await archive(`?ids=${many}`, admin).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/ids/);
  });

  it('answers 404 naming a bundle that does not exist, and writes no audit entry', async () => {
    const res = await archive(`?ids=${uuid(7)}`, admin).expect(404);
    expect(res.body).toMatchObject({ code: 'LOG_BUNDLE_NOT_FOUND' });
    expect(res.body.message).toContain(uuid(7));
    const audit = await request(server.url)
      .get('/api/audit?action=log_bundles.downloaded')
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items).toEqual([]);
  });

  it('still serves one bundle by id (the archive route does not shadow it)', async () => {
    await request(server.url)
      .get(`/api/log-bundles/${uuid(9)}`)
      .set('Authorization', admin)
      .expect(404);
  });
});
