import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { Clock } from '../schedules/clock';
import { SchedulerService } from '../schedules/scheduler.service';

/**
 * The real AppModule on a real database, the scheduler's loop off and its clock driven by
 * the test: a policy's schedules fire on the devices of its groups and tags, resolved at
 * fire time, and the device page's question "which policies apply, and why" is answered.
 */
describe('automation policies (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;
  let now = new Date('2026-03-02T09:00:00Z');
  let scheduler: SchedulerService;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '10000', SCHEDULER_TICK_MS: '0' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    jest.spyOn(server.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    scheduler = server.app.get(SchedulerService);
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'policies' })
        .expect(201)
    ).body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const api = () => request(server.url);
  const command = { language: 'bash', body: 'echo policy' };

  async function device(tags: string[], groupId?: string): Promise<string> {
    const { deviceId } = await enroll(server.url, token);
    if (tags.length)
      await api()
        .post(`/api/devices/${deviceId}/tags`)
        .set('Authorization', admin)
        .send({ tags })
        .expect(200);
    if (groupId)
      await api()
        .patch(`/api/devices/${deviceId}`)
        .set('Authorization', admin)
        .send({ groupId })
        .expect(200);
    return deviceId;
  }

  const group = async (name: string) =>
    (await api().post('/api/groups').set('Authorization', admin).send({ name }).expect(201)).body
      .id as string;

  const schedule = async (name: string, target: Record<string, unknown>) =>
    (
      await api()
        .post('/api/schedules')
        .set('Authorization', admin)
        .send({ name, job: { command, target }, cron: '0 * * * *', zoneMode: 'fixed' })
        .expect(201)
    ).body.id as string;

  /** The devices each job of the schedule ran on, from the database, in firing order. */
  const runsPerJob = async (scheduleId: string) => {
    const rows = await server.dataSource.query<{ job_id: string; device_id: string }[]>(
      `SELECT j.id AS job_id, r.device_id FROM job j JOIN job_run r ON r.job_id = j.id
       WHERE j.schedule_id = $1 ORDER BY j.occurrence_at, r.device_id`,
      [scheduleId],
    );
    const jobs = new Map<string, string[]>();
    for (const r of rows) jobs.set(r.job_id, [...(jobs.get(r.job_id) ?? []), r.device_id]);
    return [...jobs.values()];
  };

  const hour = async () => {
    now = new Date(now.getTime() + 60 * 60_000);
    await scheduler.tick();
  };

  it('CRUD with validation, roles and audit', async () => {
    const fx = factories(server);
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    const tech = await (await fx.user({ role: 'technician' })).auth();
    const g = await group('crud policy group');
    const s1 = await schedule('b nightly cleanup', { tags: ['crud-own'] });
    const s2 = await schedule('a weekly updates', { tags: ['crud-own'] });
    const body = {
      name: 'Servers baseline',
      description: 'What every server gets',
      target: { tags: ['Crud-Servers', 'crud-servers'], groupIds: [g] },
      scheduleIds: [s1, s2, s1],
    };
    await api().post('/api/policies').set('Authorization', viewer).send(body).expect(403);
    const created = await api().post('/api/policies').set('Authorization', tech).send(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Servers baseline',
      description: 'What every server gets',
      target: { tags: ['crud-servers'], groups: [{ id: g, name: 'crud policy group' }] },
    });
    // By name, each once.
    expect(created.body.schedules.map((s: { id: string }) => s.id)).toEqual([s2, s1]);
    expect(created.body.schedules[0]).toMatchObject({ name: 'a weekly updates', paused: false });
    const id = created.body.id as string;

    await api().get(`/api/policies/${id}`).set('Authorization', viewer).expect(200);
    const list = await api().get('/api/policies').set('Authorization', viewer).expect(200);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);
    await api()
      .post('/api/policies')
      .set('Authorization', tech)
      .send({ ...body, name: 'SERVERS BASELINE' })
      .expect(409);

    const bad = async (b: Record<string, unknown>, message: RegExp) => {
      const res = await api()
        .post('/api/policies')
        .set('Authorization', tech)
        .send({ ...body, name: 'bad', ...b })
        .expect(400);
      expect(JSON.stringify(res.body)).toMatch(message);
    };
    await bad({ target: {} }, /at least one group or tag/);
    await bad({ target: { groupIds: ['00000000-0000-4000-8000-000000000000'] } }, /no group/);
    await bad({ target: { groupIds: ['nope'] } }, /groupIds/);
    await bad({ target: { tags: ['no spaces allowed'] } }, /tags/);
    await bad({ scheduleIds: ['00000000-0000-4000-8000-000000000000'] }, /no schedule with id/);
    await bad({ scheduleIds: 'x' }, /scheduleIds/);
    await bad({ checkIds: ['00000000-0000-4000-8000-000000000000'] }, /no agent check with id/);
    await bad({ checkIds: ['nope'] }, /checkIds/);
    await bad({ name: '' }, /name/);
    await bad({ extra: 1 }, /extra/);
    // Nothing of the refused ones was written.
    const all = await api().get('/api/policies?pageSize=100').set('Authorization', admin);
    expect(all.body.items.map((p: { name: string }) => p.name)).not.toContain('bad');

    await api()
      .patch(`/api/policies/${id}`)
      .set('Authorization', viewer)
      .send({ scheduleIds: [] })
      .expect(403);
    const changed = await api()
      .patch(`/api/policies/${id}`)
      .set('Authorization', tech)
      .send({ scheduleIds: [s1], description: 'changed' })
      .expect(200);
    expect(changed.body).toMatchObject({
      description: 'changed',
      target: { tags: ['crud-servers'] },
      schedules: [{ id: s1 }],
    });
    // Deleting a schedule takes it out of the policy.
    await api().delete(`/api/schedules/${s1}`).set('Authorization', tech).expect(204);
    expect(
      (await api().get(`/api/policies/${id}`).set('Authorization', tech)).body.schedules,
    ).toEqual([]);

    // An edit that does not name the schedules keeps the list, without the deleted one.
    await api()
      .patch(`/api/policies/${id}`)
      .set('Authorization', tech)
      .send({ name: 'Servers baseline 2' })
      .expect(200);
    expect(
      await server.dataSource.query(
        `SELECT 1 FROM automation_policy_schedule WHERE policy_id = $1`,
        [id],
      ),
    ).toEqual([]);

    await api().delete(`/api/policies/${id}`).set('Authorization', viewer).expect(403);
    await api().delete(`/api/policies/${id}`).set('Authorization', tech).expect(204);
    await api().get(`/api/policies/${id}`).set('Authorization', tech).expect(404);
    await api().delete(`/api/policies/${id}`).set('Authorization', tech).expect(404);
    const audit = await api()
      .get(`/api/audit?targetType=policy&targetId=${id}`)
      .set('Authorization', admin)
      .expect(200);
    const entries = (audit.body.items as { action: string; details: Record<string, unknown> }[])
      .slice()
      .reverse();
    expect(entries.map((e) => e.action)).toEqual([
      'policies.create',
      'policies.update',
      'policies.update',
      'policies.delete',
    ]);
    expect(entries[1].details).toMatchObject({
      before: { scheduleIds: [s1, s2].sort() },
      after: { scheduleIds: [s1], description: 'changed' },
    });
  });

  it("fires a policy's schedules on its groups' and tags' devices, resolved at each firing", async () => {
    const g = await group('fire policy group');
    const own = await device(['fire-own']);
    const tagged = await device(['fire-servers']);
    const grouped = await device([], g);
    const outside = await device(['fire-elsewhere']);
    const s = await schedule('hourly check', { tags: ['fire-own'] });
    await hour();
    expect(await runsPerJob(s)).toEqual([[own]]);

    const p = await api()
      .post('/api/policies')
      .set('Authorization', admin)
      .send({
        name: 'fire baseline',
        target: { tags: ['fire-servers'], groupIds: [g] },
        scheduleIds: [s],
      })
      .expect(201);
    await hour();
    // A device both tagged and in its own target runs once.
    await api()
      .post(`/api/devices/${own}/tags`)
      .set('Authorization', admin)
      .send({ tags: ['fire-servers'] })
      .expect(200);
    // A device that joins the group after the policy was made is covered from the next one.
    const late = await device([], g);
    await hour();
    const jobs = await runsPerJob(s);
    expect(jobs).toHaveLength(3);
    expect(jobs[1]).toEqual([own, tagged, grouped].sort());
    expect(jobs[2]).toEqual([own, tagged, grouped, late].sort());
    expect(jobs.flat()).not.toContain(outside);

    // Detached from the policy, the schedule is back to its own target.
    await api()
      .patch(`/api/policies/${p.body.id}`)
      .set('Authorization', admin)
      .send({ scheduleIds: [] })
      .expect(200);
    await hour();
    expect((await runsPerJob(s))[3]).toEqual([own]);
  });

  it('tells a device which policies apply and by which group or tag', async () => {
    const g = await group('why group');
    const d = await device(['why-web', 'why-linux'], g);
    const bare = await device(['why-nothing']);
    const sa = await schedule('why updates', { tags: ['why-web'] });
    const sb = await schedule('why cleanup', { tags: ['why-web'] });
    const byGroup = await api()
      .post('/api/policies')
      .set('Authorization', admin)
      .send({ name: 'why B by group', target: { groupIds: [g] }, scheduleIds: [sa] })
      .expect(201);
    const byBoth = await api()
      .post('/api/policies')
      .set('Authorization', admin)
      .send({
        name: 'why A by group and tags',
        target: { tags: ['why-web', 'why-linux', 'why-windows'], groupIds: [g] },
        scheduleIds: [sa, sb],
      })
      .expect(201);
    await api()
      .post('/api/policies')
      .set('Authorization', admin)
      .send({ name: 'why C other', target: { tags: ['why-windows'] }, scheduleIds: [sb] })
      .expect(201);

    const fx = factories(server);
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    const res = await api().get(`/api/devices/${d}/policies`).set('Authorization', viewer);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        policy: { id: byBoth.body.id, name: 'why A by group and tags', description: '' },
        matchedBy: [
          { kind: 'group', group: { id: g, name: 'why group' } },
          { kind: 'tag', tag: 'why-web' },
          { kind: 'tag', tag: 'why-linux' },
        ],
        schedules: [
          expect.objectContaining({ id: sb, name: 'why cleanup', paused: false }),
          expect.objectContaining({ id: sa, name: 'why updates', paused: false }),
        ],
        checks: [],
      },
      {
        policy: { id: byGroup.body.id, name: 'why B by group', description: '' },
        matchedBy: [{ kind: 'group', group: { id: g, name: 'why group' } }],
        schedules: [expect.objectContaining({ id: sa, nextDueAt: expect.any(String) })],
        checks: [],
      },
    ]);
    expect(
      (await api().get(`/api/devices/${bare}/policies`).set('Authorization', viewer)).body,
    ).toEqual([]);
    await api()
      .get('/api/devices/00000000-0000-4000-8000-000000000000/policies')
      .set('Authorization', viewer)
      .expect(404);
    await api().get('/api/devices/nope/policies').set('Authorization', viewer).expect(400);
  });
});
