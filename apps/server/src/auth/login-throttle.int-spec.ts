import request from 'supertest';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  startServer,
  TestDatabase,
  testEngine,
  type TestServer,
} from '../test-support/test-app';

const LIMIT = 3;
const LOCK_SECONDS = 60;

/**
 * Per-account login throttling: one attacker behind a shared proxy (one IP for everyone, so
 * the per-IP limit is set high here) locks only the account he is guessing.
 */
describe('login throttling per account (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let fx: ReturnType<typeof factories>;
  const env = {
    LOGIN_RATE_LIMIT: '1000',
    LOGIN_ACCOUNT_LIMIT: String(LIMIT),
    LOGIN_LOCK_SECONDS: String(LOCK_SECONDS),
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, env);
    fx = factories(server);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const attempt = (url: string, email: string, password: string) =>
    request(url).post('/api/auth/login').send({ email, password });

  async function fail(email: string, times: number, url = server.url) {
    for (let i = 0; i < times; i += 1) {
      await attempt(url, email, `wrong-${i}`).expect(401);
    }
  }

  it('locks the guessed account, with Retry-After, even for its right password; other accounts sign in', async () => {
    const victim = await fx.user();
    await fail(victim.user.email, LIMIT);

    const locked = await attempt(server.url, victim.user.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ code: 'AUTH_ACCOUNT_LOCKED' });
    expect(locked.body.message).toMatch(/Try again in \d+ s/);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(LOCK_SECONDS - 5);
    expect(retryAfter).toBeLessThanOrEqual(LOCK_SECONDS);

    // Same client, other accounts: untouched.
    await attempt(server.url, ADMIN.email, ADMIN.password).expect(200);
    const other = await fx.user();
    await attempt(server.url, other.user.email, other.password).expect(200);
    // The email is matched as the server matches it: case and spaces do not escape the lock.
    await attempt(server.url, `  ${victim.user.email.toUpperCase()} `, victim.password).expect(429);
  });

  it('doubles the lock with each failure after it expires', async () => {
    const victim = await fx.user();
    await fail(victim.user.email, LIMIT);
    // Let the first lock run out without waiting a minute.
    await server.dataSource.query(
      `UPDATE login_throttle SET locked_until = now() - interval '1 second' WHERE account = $1`,
      [victim.user.email],
    );
    await fail(victim.user.email, 1);
    const locked = await attempt(server.url, victim.user.email, victim.password).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(2 * LOCK_SECONDS - 5);
  });

  it('forgets the failures of an account that then signs in', async () => {
    const user = await fx.user();
    await fail(user.user.email, LIMIT - 1);
    await attempt(server.url, user.user.email, user.password).expect(200);
    await fail(user.user.email, LIMIT - 1);
    await attempt(server.url, user.user.email, user.password).expect(200);
  });

  it('counts unknown emails the same way, so a lock does not reveal whether an account exists', async () => {
    await fail('nobody@example.com', LIMIT);
    const locked = await attempt(server.url, 'nobody@example.com', 'whatever').expect(429);
    expect(locked.body.code).toBe('AUTH_ACCOUNT_LOCKED');
  });

  // Several server processes share one PostgreSQL: the count and the lock live there.
  (testEngine() === 'postgres' ? it : it.skip)(
    'holds the lock on every server process',
    async () => {
      const second = await startServer(db, env);
      try {
        const victim = await fx.user();
        await fail(victim.user.email, LIMIT - 1);
        await fail(victim.user.email, 1, second.url);
        await attempt(server.url, victim.user.email, victim.password).expect(429);
        await attempt(second.url, victim.user.email, victim.password).expect(429);
      } finally {
        await second.close();
      }
    },
  );
});
