import request from 'supertest';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

describe('input validation (integration)', () => {
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

  const valid = {
    email: 'valid@example.com',
    displayName: 'Valid',
    password: 'long-enough-password',
    role: 'viewer',
  };

  const cases: {
    name: string;
    path: string;
    method: 'post' | 'patch';
    body: unknown;
    field: string;
  }[] = [
    {
      name: 'unknown field',
      method: 'post',
      path: '/api/users',
      body: { ...valid, isRoot: true },
      field: 'isRoot',
    },
    {
      name: 'wrong type',
      method: 'post',
      path: '/api/users',
      body: { ...valid, displayName: 42 },
      field: 'displayName',
    },
    {
      name: 'bad enum',
      method: 'post',
      path: '/api/users',
      body: { ...valid, role: 'superuser' },
      field: 'role',
    },
    {
      name: 'bad email',
      method: 'post',
      path: '/api/users',
      body: { ...valid, email: 'not-an-email' },
      field: 'email',
    },
    {
      name: 'short password',
      method: 'post',
      path: '/api/users',
      body: { ...valid, password: 'short' },
      field: 'password',
    },
    {
      name: 'missing field',
      method: 'post',
      path: '/api/users',
      body: { email: valid.email },
      field: 'password',
    },
    {
      name: 'boolean as string',
      method: 'patch',
      path: '/api/users/SELF',
      body: { disabled: 'yes' },
      field: 'disabled',
    },
    {
      name: 'token name too long',
      method: 'post',
      path: '/api/tokens',
      body: { name: 'x'.repeat(101) },
      field: 'name',
    },
    {
      name: 'token expiry not an integer',
      method: 'post',
      path: '/api/tokens',
      body: { name: 'ci', expiresInDays: 1.5 },
      field: 'expiresInDays',
    },
    {
      // 100,000 characters but 300,000 bytes of UTF-8: the limit is on bytes, as the agent
      // and the console count it.
      name: 'inline command over the byte limit in multi-byte characters',
      method: 'post',
      path: '/api/jobs',
      body: { command: { language: 'bash', body: '€'.repeat(100_000) }, target: { all: true } },
      field: 'command.body',
    },
    {
      name: 'login extra field',
      method: 'post',
      path: '/api/auth/login',
      body: { ...ADMIN, remember: true },
      field: 'remember',
    },
  ];

  it.each(cases)(
    'refuses $name with 400 naming the field, and writes nothing',
    async ({ method, path, body, field }) => {
      const me = await request(server.url).get('/api/auth/me').set('Authorization', admin);
      const before = {
        users: await countRows(server, 'user'),
        audit: await countRows(server, 'audit_event'),
        tokens: await countRows(server, 'api_token'),
        sessions: await countRows(server, 'session'),
      };
      const res = await request(server.url)
        [method](path.replace('SELF', me.body.id as string))
        .set('Authorization', admin)
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(res.body.message).toContain(field);
      expect({
        users: await countRows(server, 'user'),
        audit: await countRows(server, 'audit_event'),
        tokens: await countRows(server, 'api_token'),
        sessions: await countRows(server, 'session'),
      }).toEqual(before);
    },
  );

  it('refuses a body that is not JSON with 400', async () => {
    const res = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send('{"email":');
    expect(res.status).toBe(400);
    expect(await countRows(server, 'user')).toBe(1);
  });

  it('validates query parameters too', async () => {
    const res = await request(server.url)
      .get('/api/audit?pageSize=100000&action=DROP%20TABLE')
      .set('Authorization', admin);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'action',
      'pageSize',
    ]);
  });
});

describe('request size (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('refuses a body over the limit with 413, and accepts a large one under it', async () => {
    const admin = await login(server, ADMIN.email, ADMIN.password);
    const huge = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send({
        email: 'big@example.com',
        displayName: 'x'.repeat(3 * 1024 * 1024),
        password: 'long-enough-password',
        role: 'viewer',
      });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    const large = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send({
        email: 'large@example.com',
        displayName: 'x'.repeat(500 * 1024),
        password: 'long-enough-password',
        role: 'viewer',
      });
    expect(large.status).toBe(400);
    expect(large.body.code).toBe('VALIDATION_FAILED');
  });
});
