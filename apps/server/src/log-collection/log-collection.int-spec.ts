import request from 'supertest';
import { DEFAULT_LOG_ALLOW_GLOBS, DEFAULT_LOG_DENY_GLOBS } from '@fleetdesk/api-types';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { LogRetentionService } from './log-retention.service';

describe('log collection settings and retention (real app, real database)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let technician: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOG_LEVEL: 'error' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    technician = await (await factories(server).user({ role: 'technician' })).auth();
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('starts from the default lists; only admins change them, and each change is audited', async () => {
    const before = await request(server.url)
      .get('/api/log-collections/settings')
      .set('Authorization', technician)
      .expect(200);
    expect(before.body).toMatchObject({
      allow: DEFAULT_LOG_ALLOW_GLOBS,
      deny: DEFAULT_LOG_DENY_GLOBS,
      retentionDays: 30,
      updatedAt: null,
    });
    await request(server.url)
      .put('/api/log-collections/settings')
      .set('Authorization', technician)
      .send({ allow: ['/**'] })
      .expect(403);
    const bad = await request(server.url)
      .put('/api/log-collections/settings')
      .set('Authorization', admin)
      .send({ retentionDays: 0 })
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/retentionDays/);
    const after = await request(server.url)
      .put('/api/log-collections/settings')
      .set('Authorization', admin)
      .send({ allow: ['/srv/app/**'], retentionDays: 7 })
      .expect(200);
    expect(after.body).toMatchObject({
      allow: ['/srv/app/**'],
      deny: DEFAULT_LOG_DENY_GLOBS,
      retentionDays: 7,
      updatedBy: ADMIN.email,
    });
    const audit = await request(server.url)
      .get('/api/audit?action=log_collections.settings_updated')
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items[0].details).toEqual({
      allow: { from: DEFAULT_LOG_ALLOW_GLOBS, to: ['/srv/app/**'] },
      retentionDays: { from: 30, to: 7 },
    });
  });

  it('sweeps nothing when nothing expired', async () => {
    await expect(server.app.get(LogRetentionService).sweep()).resolves.toEqual({
      bundles: 0,
      blobs: 0,
    });
  });
});
