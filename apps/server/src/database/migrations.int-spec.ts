import request from 'supertest';
import { MIGRATIONS } from './migrations';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  testEngine,
} from '../test-support/test-app';

describe('migrations and persistence (integration)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    // Empty, not the run's migrated template: these tests are of the migrations themselves.
    db = await TestDatabase.create(undefined, { empty: true });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('builds the schema on an empty database, is idempotent on restart, and keeps data', async () => {
    const first = await startServer(db);
    const applied = (await first.dataSource.query(`SELECT name FROM migrations ORDER BY id`)) as {
      name: string;
    }[];
    expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => new m().name));
    const admin = await login(first, ADMIN.email, ADMIN.password);
    await request(first.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send({
        email: 'persisted@example.com',
        displayName: 'P',
        password: 'persisted-password',
        role: 'viewer',
      })
      .expect(201);
    const auditBefore = await countRows(first, 'audit_event');
    await first.close();

    const second = await startServer(db);
    try {
      const again = (await second.dataSource.query(`SELECT name FROM migrations ORDER BY id`)) as {
        name: string;
      }[];
      expect(again).toEqual(applied);
      expect(await second.dataSource.showMigrations()).toBe(false);
      await login(second, 'persisted@example.com', 'persisted-password');
      // The session from before the restart is still valid: it lives in the database.
      await request(second.url).get('/api/auth/me').set('Authorization', admin).expect(200);
      // Restart did not re-run the bootstrap admin or anything else that audits.
      expect(await countRows(second, 'audit_event')).toBe(auditBefore + 1);
      expect(await countRows(second, 'user')).toBe(2);
    } finally {
      await second.close();
    }
  });

  (testEngine() === 'postgres' ? it : it.skip)(
    'lets two replicas start together on one empty database',
    async () => {
      const fresh = await TestDatabase.create(undefined, { empty: true });
      try {
        const [a, b] = await Promise.all([startServer(fresh), startServer(fresh)]);
        try {
          expect(await countRows(a, 'migrations')).toBe(MIGRATIONS.length);
          expect(await countRows(b, 'user')).toBe(1);
          await login(b, ADMIN.email, ADMIN.password);
        } finally {
          await a.close();
          await b.close();
        }
      } finally {
        await fresh.destroy();
      }
    },
  );
});
