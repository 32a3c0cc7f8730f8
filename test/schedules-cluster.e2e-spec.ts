import { Client } from 'pg';
import request from 'supertest';
import { enroll } from '../apps/server/src/test-support/agent-client';
import { ADMIN, TestDatabase, testEngine } from '../apps/server/src/test-support/test-app';
import {
  buildAll,
  freePort,
  type Proc,
  SERVER_MAIN,
  spawnNode,
  waitFor,
  waitHealthy,
} from './support/processes';

const SCHEDULES = 200;

/** A local wall-clock time in UTC, as a schedule's `runAt` takes it. */
const localUtc = (d: Date) => d.toISOString().slice(0, 19);

/**
 * Two real server processes on one PostgreSQL, both running their scheduler loop: every
 * occurrence of 200 schedules due at the same instant creates exactly one job. Needs
 * PostgreSQL (PGlite serves one process), so it runs in the PostgreSQL pass of the suite.
 */
(testEngine() === 'postgres' ? describe : describe.skip)('schedules in a cluster', () => {
  let db: TestDatabase;
  const servers: { url: string; proc: Proc }[] = [];
  let pg: Client;

  beforeAll(async () => {
    buildAll();
    db = await TestDatabase.create('postgres');
    for (let i = 0; i < 2; i += 1) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const proc = spawnNode([SERVER_MAIN], {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATA_DIR: db.dataDir,
        DATABASE_URL: db.databaseUrl as string,
        FLEETDESK_ADMIN_EMAIL: ADMIN.email,
        FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
        ENROLL_RATE_LIMIT: '100000',
        SCHEDULER_TICK_MS: '1000',
      });
      // One after the other: the second finds the schema migrated.
      await waitHealthy(url, proc);
      servers.push({ url, proc });
    }
    pg = new Client({ connectionString: db.databaseUrl });
    await pg.connect();
  }, 240_000);

  afterAll(async () => {
    await pg?.end();
    for (const s of servers) {
      s.proc.child.kill('SIGTERM');
      await s.proc.exited;
    }
    await db?.destroy();
  });

  it('fires each of 200 simultaneous occurrences exactly once across two processes', async () => {
    const [a, b] = servers;
    const login = await request(a.url).post('/api/auth/login').send(ADMIN).expect(200);
    const auth = `Bearer ${login.body.accessToken}`;
    const token = (
      await request(a.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', auth)
        .send({ name: 'cluster', maxUses: 10 })
        .expect(201)
    ).body.token as string;
    for (let i = 0; i < 3; i += 1) {
      const { deviceId } = await enroll(a.url, token);
      await request(a.url)
        .post(`/api/devices/${deviceId}/tags`)
        .set('Authorization', auth)
        .send({ tags: ['cluster'] })
        .expect(200);
    }
    // Far enough ahead for 200 creations through both servers, then all due together.
    const due = new Date(Math.ceil((Date.now() + 25_000) / 1000) * 1000);
    for (let i = 0; i < SCHEDULES; i += 1) {
      await request((i % 2 ? b : a).url)
        .post('/api/schedules')
        .set('Authorization', auth)
        .send({
          name: `cluster ${i}`,
          job: { command: { language: 'bash', body: `echo ${i}` }, target: { tags: ['cluster'] } },
          runAt: localUtc(due),
          zoneMode: 'fixed',
          timeZone: 'UTC',
        })
        .expect(201);
    }
    expect(Date.now()).toBeLessThan(due.getTime());
    const count = async (sql: string) => Number((await pg.query<{ n: string }>(sql)).rows[0].n);
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM schedule_occurrence`)) === SCHEDULES,
      60_000,
    );
    // Two more ticks of both loops: nothing may fire a second time.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await count(`SELECT count(*) AS n FROM job WHERE schedule_id IS NOT NULL`)).toBe(
      SCHEDULES,
    );
    expect(await count(`SELECT count(DISTINCT schedule_id) AS n FROM job`)).toBe(SCHEDULES);
    expect(await count(`SELECT count(*) AS n FROM job_run`)).toBe(SCHEDULES * 3);
    expect(
      await count(`SELECT count(*) AS n FROM schedule_occurrence WHERE status <> 'fired'`),
    ).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM audit_event WHERE action = 'schedules.fire'`),
    ).toBe(SCHEDULES);
    // Every job was made at its occurrence, not later: all within the on-time pass.
    expect(
      await count(
        `SELECT count(*) AS n FROM job WHERE created_at > occurrence_at + interval '30 seconds'`,
      ),
    ).toBe(0);
    for (const s of servers) expect(s.proc.child.exitCode).toBeNull();
  }, 120_000);
});
