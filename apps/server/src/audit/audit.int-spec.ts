import type { AuditEventResponse } from '@fleetdesk/api-types';
import request from 'supertest';
import { DeviceEntity } from '../devices/device.entity';
import { enroll } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

interface AuditRow {
  action: string;
  actor_kind: string;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  source_ip: string | null;
}

describe('audit log (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function lastId(): Promise<number> {
    const [row] = (await server.dataSource.query(
      `SELECT coalesce(max(id), 0)::int AS id FROM audit_event`,
    )) as { id: number }[];
    return row.id;
  }
  async function eventsAfter(id: number): Promise<AuditRow[]> {
    return (await server.dataSource.query(`SELECT * FROM audit_event WHERE id > $1 ORDER BY id`, [
      id,
    ])) as AuditRow[];
  }

  /** Runs one technician action and returns the audit events it left behind. */
  async function audited(action: () => Promise<unknown>): Promise<AuditRow[]> {
    const before = await lastId();
    await action();
    return eventsAfter(before);
  }

  it('leaves exactly one event, with actor, target and source IP, for every mutation', async () => {
    let userId = '';
    let tokenId = '';
    let userToken = '';
    const steps: [string, () => Promise<unknown>][] = [
      ['auth.login', () => login(server, ADMIN.email, ADMIN.password)],
      [
        'users.create',
        async () => {
          const res = await request(server.url)
            .post('/api/users')
            .set('Authorization', admin)
            .send({
              email: 'audited@example.com',
              displayName: 'A',
              password: 'long-enough-password',
              role: 'viewer',
            })
            .expect(201);
          userId = res.body.id as string;
        },
      ],
      [
        'users.update',
        () =>
          request(server.url)
            .patch(`/api/users/${userId}`)
            .set('Authorization', admin)
            .send({ displayName: 'B' })
            .expect(200),
      ],
      [
        'tokens.create',
        async () => {
          const res = await request(server.url)
            .post('/api/tokens')
            .set('Authorization', admin)
            .send({ name: 'ci' })
            .expect(201);
          tokenId = res.body.id as string;
        },
      ],
      [
        'tokens.revoke',
        () =>
          request(server.url)
            .delete(`/api/tokens/${tokenId}`)
            .set('Authorization', admin)
            .expect(200),
      ],
      [
        'auth.logout',
        async () => {
          userToken = await login(server, 'audited@example.com', 'long-enough-password');
          // login above is its own audited mutation; measure the logout alone below
        },
      ],
      [
        'users.delete',
        () =>
          request(server.url)
            .delete(`/api/users/${userId}`)
            .set('Authorization', admin)
            .expect(204),
      ],
      [
        'auth.login_failed',
        () =>
          request(server.url)
            .post('/api/auth/login')
            .send({ ...ADMIN, password: 'wrong-password' })
            .expect(401),
      ],
    ];
    for (const [action, step] of steps) {
      const events = await audited(step);
      if (action === 'auth.logout') {
        expect(events.map((e) => e.action)).toEqual(['auth.login']);
        const logout = await audited(() =>
          request(server.url).post('/api/auth/logout').set('Authorization', userToken).expect(204),
        );
        expect(logout.map((e) => e.action)).toEqual(['auth.logout']);
        expect(logout[0].actor_email).toBe('audited@example.com');
        continue;
      }
      expect({ action, events: events.map((e) => e.action) }).toEqual({ action, events: [action] });
      expect(events[0].source_ip).toMatch(/127\.0\.0\.1/);
      if (action !== 'auth.login_failed') {
        expect(events[0].actor_kind).toBe('user');
        expect(events[0].actor_email).toBe(ADMIN.email);
      }
    }
  });

  it('writes no event for a refused mutation', async () => {
    const events = await audited(() =>
      request(server.url)
        .post('/api/users')
        .set('Authorization', admin)
        .send({ email: 'bad' })
        .expect(400),
    );
    expect(events).toEqual([]);
  });

  it('is append-only at the database level', async () => {
    await expect(server.dataSource.query(`UPDATE audit_event SET action = 'x'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(server.dataSource.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);
  });

  it('filters and paginates for admins, newest first', async () => {
    const all = await request(server.url)
      .get('/api/audit?pageSize=200')
      .set('Authorization', admin)
      .expect(200);
    expect(all.body.total).toBeGreaterThan(5);
    const ids = (all.body.items as { id: string }[]).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const page2 = await request(server.url)
      .get('/api/audit?pageSize=2&page=2')
      .set('Authorization', admin)
      .expect(200);
    expect(page2.body.items.map((e: { id: string }) => e.id)).toEqual(
      all.body.items.slice(2, 4).map((e: { id: string }) => e.id),
    );

    const users = await request(server.url)
      .get('/api/audit?action=users.*')
      .set('Authorization', admin)
      .expect(200);
    expect(users.body.items.length).toBeGreaterThanOrEqual(3);
    expect(users.body.items.every((e: { action: string }) => e.action.startsWith('users.'))).toBe(
      true,
    );

    const exact = await request(server.url)
      .get('/api/audit?action=auth.login_failed')
      .set('Authorization', admin)
      .expect(200);
    expect(exact.body.items).toHaveLength(1);
    expect(exact.body.items[0].details).toMatchObject({
      email: ADMIN.email,
      reason: 'bad_password',
    });

    const target = users.body.items[0] as { target: { type: string; id: string } };
    const byTarget = await request(server.url)
      .get(`/api/audit?targetType=${target.target.type}&targetId=${target.target.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(
      byTarget.body.items.every(
        (e: { target: { id: string } }) => e.target.id === target.target.id,
      ),
    ).toBe(true);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await request(server.url)
      .get(`/api/audit?since=${encodeURIComponent(future)}`)
      .set('Authorization', admin)
      .expect(200);
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });

  it('names each target as it is called now, a deleted one as its event recorded, in one query per type', async () => {
    const tok = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'names' })
      .expect(201);
    const hosts = ['same-host', 'same-host', 'other-host'];
    const devices: string[] = [];
    for (const h of hosts)
      devices.push((await enroll(server.url, tok.body.token as string, h)).deviceId);
    for (const name of ['front-desk', 'reception']) {
      await request(server.url)
        .patch(`/api/devices/${devices[0]}`)
        .set('Authorization', admin)
        .send({ name })
        .expect(200);
    }
    const script = await request(server.url)
      .post('/api/scripts')
      .set('Authorization', admin)
      .send({ name: 'Nightly backup', language: 'bash', body: 'echo ok' })
      .expect(201);
    const gone = await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send({
        email: 'gone@example.com',
        displayName: 'G',
        password: 'long-enough-password',
        role: 'viewer',
      })
      .expect(201);
    await request(server.url)
      .delete(`/api/users/${gone.body.id as string}`)
      .set('Authorization', admin)
      .expect(204);

    const deviceRepo = server.dataSource.getRepository(DeviceEntity);
    const find = jest.spyOn(deviceRepo, 'find');
    try {
      const res = await request(server.url)
        .get('/api/audit?targetType=device&pageSize=200')
        .set('Authorization', admin)
        .expect(200);
      const items = res.body.items as AuditEventResponse[];
      // Two renames and three enrollments at least: five device events, one query.
      expect(items.length).toBeGreaterThanOrEqual(5);
      expect(find).toHaveBeenCalledTimes(1);
      const named = (id: string) =>
        new Set(items.filter((e) => e.target?.id === id).map((e) => e.targetName));
      // Both renames (and the enrollment) show the device's name of today.
      expect(named(devices[0])).toEqual(new Set(['reception']));
      expect(named(devices[1])).toEqual(new Set(['same-host']));
      expect(named(devices[2])).toEqual(new Set(['other-host']));
    } finally {
      find.mockRestore();
    }

    const scripts = await request(server.url)
      .get(`/api/audit?targetType=script&targetId=${script.body.id as string}`)
      .set('Authorization', admin)
      .expect(200);
    expect(scripts.body.items[0]).toMatchObject({
      action: 'scripts.create',
      targetName: 'Nightly backup',
    });

    const users = await request(server.url)
      .get(`/api/audit?targetType=user&targetId=${gone.body.id as string}`)
      .set('Authorization', admin)
      .expect(200);
    // The user is gone; the delete (and the create) recorded the email.
    expect((users.body.items as AuditEventResponse[]).map((e) => [e.action, e.targetName])).toEqual(
      [
        ['users.delete', 'gone@example.com'],
        ['users.create', 'gone@example.com'],
      ],
    );

    const login = await request(server.url)
      .get('/api/audit?action=auth.login&pageSize=1')
      .set('Authorization', admin)
      .expect(200);
    // A session has no name: null, and the console shows the short id.
    expect(login.body.items[0]).toMatchObject({ target: { type: 'session' }, targetName: null });
  });
});
