import request from 'supertest';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

describe('auth (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let fx: ReturnType<typeof factories>;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOGIN_RATE_LIMIT: '1000' });
    fx = factories(server);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('logs in with the bootstrap admin and sets a strict httpOnly cookie', async () => {
    const res = await request(server.url).post('/api/auth/login').send(ADMIN).expect(200);
    expect(res.body.accessToken).toMatch(/^fds_[\w-]{43}$/);
    expect(res.body.user).toMatchObject({ email: ADMIN.email, role: 'admin' });
    expect(res.body.user.passwordHash).toBeUndefined();
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain(`fleetdesk_session=${res.body.accessToken}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);

    const me = await request(server.url)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(ADMIN.email);
    const viaCookie = await request(server.url)
      .get('/api/auth/me')
      .set('Cookie', `fleetdesk_session=${res.body.accessToken}`);
    expect(viaCookie.status).toBe(200);
  });

  it('refuses a wrong password with one generic message and audits the failure', async () => {
    const before = await countRows(server, 'audit_event');
    const res = await request(server.url)
      .post('/api/auth/login')
      .send({ ...ADMIN, password: 'not-the-password' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      code: 'AUTH_LOGIN_FAILED',
      message: 'Email or password is incorrect',
    });
    expect(res.headers['set-cookie']).toBeUndefined();
    const unknown = await request(server.url)
      .post('/api/auth/login')
      .send({ email: 'nobody@example.com', password: 'whatever-it-is' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe(res.body.message);

    expect(await countRows(server, 'audit_event')).toBe(before + 2);
    const rows = (await server.dataSource.query(
      `SELECT action, details, actor_kind FROM audit_event ORDER BY id DESC LIMIT 2`,
    )) as { action: string; details: { email: string; reason: string }; actor_kind: string }[];
    expect(rows.map((r) => r.action)).toEqual(['auth.login_failed', 'auth.login_failed']);
    expect(rows.map((r) => r.details.reason).sort()).toEqual(['bad_password', 'unknown_email']);
    expect(rows[0].actor_kind).toBe('anonymous');
  });

  it('refuses a disabled user, and disabling ends sessions already open', async () => {
    const { user, password, auth } = await fx.user({ role: 'technician' });
    const token = await auth();
    const admin = await login(server, ADMIN.email, ADMIN.password);
    await request(server.url)
      .patch(`/api/users/${user.id}`)
      .set('Authorization', admin)
      .send({ disabled: true })
      .expect(200);
    const me = await request(server.url).get('/api/auth/me').set('Authorization', token);
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('AUTH_INVALID');
    await request(server.url)
      .post('/api/auth/login')
      .send({ email: user.email, password })
      .expect(401);
  });

  it('ends earlier sessions when the password changes', async () => {
    const { user, auth } = await fx.user();
    const token = await auth();
    const admin = await login(server, ADMIN.email, ADMIN.password);
    await request(server.url)
      .patch(`/api/users/${user.id}`)
      .set('Authorization', admin)
      .send({ password: 'a-brand-new-password' })
      .expect(200);
    await request(server.url).get('/api/auth/me').set('Authorization', token).expect(401);
    await login(server, user.email, 'a-brand-new-password');
  });

  it('logout invalidates the session and clears the cookie', async () => {
    const token = await login(server, ADMIN.email, ADMIN.password);
    const res = await request(server.url)
      .post('/api/auth/logout')
      .set('Authorization', token)
      .expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/fleetdesk_session=;/);
    await request(server.url).get('/api/auth/me').set('Authorization', token).expect(401);
  });

  it('treats a malformed or forged bearer as invalid, never as anonymous', async () => {
    for (const value of [
      'Bearer fds_forged',
      'Bearer fdp_forged',
      'Bearer x',
      'Basic abc',
      'Bearer',
    ]) {
      const res = await request(server.url).get('/api/auth/me').set('Authorization', value);
      expect(res.status).toBe(401);
    }
  });
});

describe('login rate limit (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('answers 429 once the limit is spent, even with the right password', async () => {
    for (let i = 0; i < 3; i += 1) {
      await request(server.url)
        .post('/api/auth/login')
        .send({ ...ADMIN, password: `wrong-${i}` })
        .expect(401);
    }
    const blocked = await request(server.url).post('/api/auth/login').send(ADMIN);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('TOO_MANY_REQUESTS');
    expect(blocked.headers['retry-after-login']).toBeDefined();
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const failures = (await server.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.login_failed'`,
    )) as { n: number }[];
    expect(failures[0].n).toBe(3);
  });
});
