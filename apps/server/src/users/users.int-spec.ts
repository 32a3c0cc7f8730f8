import request from 'supertest';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

describe('users (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    admin = await login(server, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const newUser = (over: Record<string, unknown> = {}) => ({
    email: `u${Math.random().toString(36).slice(2)}@example.com`,
    displayName: 'New Person',
    password: 'a-long-password-1',
    role: 'technician',
    ...over,
  });

  it('creates, reads, updates and deletes a user, never exposing the password hash', async () => {
    const created = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send(newUser({ email: 'Mixed.Case@Example.com ' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'mixed.case@example.com',
      role: 'technician',
      disabled: false,
    });
    expect(JSON.stringify(created.body)).not.toMatch(/scrypt|password/i);
    const id = created.body.id as string;

    await request(server.url).get(`/api/users/${id}`).set('Authorization', admin).expect(200);
    const list = await request(server.url)
      .get('/api/users?page=1&pageSize=1')
      .set('Authorization', admin)
      .expect(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 1 });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.total).toBeGreaterThanOrEqual(2);

    const updated = await request(server.url)
      .patch(`/api/users/${id}`)
      .set('Authorization', admin)
      .send({ role: 'viewer', displayName: 'Renamed' });
    expect(updated.body).toMatchObject({ role: 'viewer', displayName: 'Renamed' });

    await request(server.url).delete(`/api/users/${id}`).set('Authorization', admin).expect(204);
    const gone = await request(server.url).get(`/api/users/${id}`).set('Authorization', admin);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('USER_NOT_FOUND');
  });

  it('refuses a duplicate email with 409 and writes nothing', async () => {
    const before = await countRows(server, 'audit_event');
    const res = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send(newUser({ email: ADMIN.email.toUpperCase() }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('USER_EMAIL_TAKEN');
    expect(await countRows(server, 'audit_event')).toBe(before);
  });

  it('never lets the last enabled admin be demoted, disabled or deleted', async () => {
    const me = await request(server.url)
      .get('/api/auth/me')
      .set('Authorization', admin)
      .expect(200);
    const id = me.body.id as string;
    for (const change of [{ role: 'technician' }, { disabled: true }]) {
      const res = await request(server.url)
        .patch(`/api/users/${id}`)
        .set('Authorization', admin)
        .send(change);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('USER_LAST_ADMIN');
    }
    await request(server.url).delete(`/api/users/${id}`).set('Authorization', admin).expect(409);

    // With a second admin the first may step down.
    const second = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send(newUser({ role: 'admin' }))
      .expect(201);
    await request(server.url)
      .patch(`/api/users/${id}`)
      .set('Authorization', admin)
      .send({ role: 'technician' })
      .expect(200);
    // The demotion takes effect on the very next request.
    await request(server.url).get('/api/users').set('Authorization', admin).expect(403);
    const other = await login(server, second.body.email as string, 'a-long-password-1');
    await request(server.url)
      .patch(`/api/users/${id}`)
      .set('Authorization', other)
      .send({ role: 'admin' })
      .expect(200);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const missing = await request(server.url)
      .get('/api/users/00000000-0000-4000-8000-000000000000')
      .set('Authorization', admin);
    expect(missing.status).toBe(404);
    const bad = await request(server.url).get('/api/users/not-a-uuid').set('Authorization', admin);
    expect(bad.status).toBe(400);
  });
});
