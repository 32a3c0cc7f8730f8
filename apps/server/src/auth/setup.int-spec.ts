import request from 'supertest';
import { startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { SetupService } from './setup.service';

describe('first-admin setup (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await TestDatabase.create();
    // No FLEETDESK_ADMIN_* variables: the server must print a setup token instead.
    server = await startServer(db, { FLEETDESK_ADMIN_EMAIL: '', FLEETDESK_ADMIN_PASSWORD: '' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const body = {
    email: 'first@example.com',
    displayName: 'First',
    password: 'first-admin-password',
  };

  it('needs setup, and refuses to create an admin without the right token', async () => {
    const status = await request(server.url).get('/api/setup').expect(200);
    expect(status.body).toEqual({ needsSetup: true });
    const missing = await request(server.url).post('/api/setup').send(body);
    expect(missing.status).toBe(400);
    const wrong = await request(server.url)
      .post('/api/setup')
      .send({ ...body, setupToken: 'guess' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('SETUP_TOKEN_INVALID');
    const [row] = (await server.dataSource.query(`SELECT count(*)::int AS n FROM "user"`)) as {
      n: number;
    }[];
    expect(row.n).toBe(0);
  });

  it('creates the first admin with the logged token, once', async () => {
    const token = server.app.get(SetupService).pendingToken();
    expect(token).toMatch(/^[\w-]{32}$/);
    const res = await request(server.url)
      .post('/api/setup')
      .send({ ...body, setupToken: token })
      .expect(201);
    expect(res.body).toMatchObject({ email: body.email, role: 'admin' });
    await request(server.url)
      .post('/api/auth/login')
      .send({ email: body.email, password: body.password })
      .expect(200);

    const again = await request(server.url)
      .post('/api/setup')
      .send({ ...body, email: 'second@example.com', setupToken: token });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('SETUP_ALREADY_DONE');
    expect((await request(server.url).get('/api/setup')).body).toEqual({ needsSetup: false });

    const audit = (await server.dataSource.query(
      `SELECT action, details FROM audit_event WHERE action = 'users.create_first_admin'`,
    )) as {
      details: { via: string };
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0].details.via).toBe('setup_token');
  });
});
