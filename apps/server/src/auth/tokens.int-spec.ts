import request from 'supertest';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

describe('personal API tokens (integration)', () => {
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

  it('shows the secret once, stores only its hash, and the token acts as its owner', async () => {
    const { user, auth } = await fx.user({ role: 'technician' });
    const session = await auth();
    const created = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', session)
      .send({ name: 'nightly', expiresInDays: 30 })
      .expect(201);
    const secret = created.body.token as string;
    expect(secret).toMatch(/^fdp_[\w-]{43}$/);
    expect(created.body.prefix).toBe(secret.slice(0, 10));

    const list = await request(server.url)
      .get('/api/tokens')
      .set('Authorization', session)
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const stored = JSON.stringify(await server.dataSource.query(`SELECT * FROM api_token`));
    expect(stored).not.toContain(secret);

    const me = await request(server.url)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${secret}`)
      .expect(200);
    expect(me.body.id).toBe(user.id);
    const used = await request(server.url)
      .get('/api/tokens')
      .set('Authorization', session)
      .expect(200);
    expect(used.body[0].lastUsedAt).not.toBeNull();
  });

  it('cannot mint further tokens with a token', async () => {
    const { auth } = await fx.user();
    const session = await auth();
    const created = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', session)
      .send({ name: 'a' })
      .expect(201);
    const res = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', `Bearer ${created.body.token}`)
      .send({ name: 'b' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('TOKEN_NEEDS_SESSION');
  });

  it('stops working the moment it is revoked, and cannot be revoked twice', async () => {
    const { auth } = await fx.user();
    const session = await auth();
    const created = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', session)
      .send({ name: 'x' })
      .expect(201);
    const bearer = `Bearer ${created.body.token}`;
    await request(server.url).get('/api/auth/me').set('Authorization', bearer).expect(200);
    const revoked = await request(server.url)
      .delete(`/api/tokens/${created.body.id}`)
      .set('Authorization', session)
      .expect(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    await request(server.url).get('/api/auth/me').set('Authorization', bearer).expect(401);
    const again = await request(server.url)
      .delete(`/api/tokens/${created.body.id}`)
      .set('Authorization', session);
    expect(again.status).toBe(409);
  });

  it("hides other users' tokens from non-admins, while an admin may revoke them", async () => {
    const owner = await fx.user();
    const other = await fx.user();
    const created = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', await owner.auth())
      .send({ name: 'mine' })
      .expect(201);
    const res = await request(server.url)
      .delete(`/api/tokens/${created.body.id}`)
      .set('Authorization', await other.auth());
    expect(res.status).toBe(404);
    const admin = await login(server, ADMIN.email, ADMIN.password);
    await request(server.url)
      .delete(`/api/tokens/${created.body.id}`)
      .set('Authorization', admin)
      .expect(200);
  });

  it('refuses an expired token', async () => {
    const { auth } = await fx.user();
    const created = await request(server.url)
      .post('/api/tokens')
      .set('Authorization', await auth())
      .send({ name: 'short', expiresInDays: 1 })
      .expect(201);
    await server.dataSource.query(
      `UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [created.body.id],
    );
    await request(server.url)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${created.body.token}`)
      .expect(401);
  });
});
