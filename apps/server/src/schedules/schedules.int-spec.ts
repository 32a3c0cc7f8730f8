import request from 'supertest';
import { connectAgent, enroll, sampleInventory, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { Clock } from './clock';
import { SchedulerService } from './scheduler.service';

/**
 * The real AppModule on a real database, its scheduler loop off and its clock driven by the
 * test: each `at(t)` moves "now", each `tick()` is one scheduler pass.
 */
describe('schedules (integration, controllable clock)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;
  let now = new Date('2026-01-05T09:00:00Z');
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
        .send({ name: 'schedules' })
        .expect(201)
    ).body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const api = () => request(server.url);
  const at = (t: string) => (now = new Date(t));
  const tick = () => scheduler.tick();
  /** Moves the clock to `until` in steps, one scheduler pass per step, as a running loop would. */
  async function walk(until: string, stepMs = 10 * 60_000) {
    const end = new Date(until).getTime();
    while (now.getTime() < end) {
      now = new Date(Math.min(end, now.getTime() + stepMs));
      await tick();
    }
  }

  async function device(tags: string[], timeZone?: string): Promise<string> {
    const id = await enroll(server.url, token);
    if (tags.length)
      await api()
        .post(`/api/devices/${id.deviceId}/tags`)
        .set('Authorization', admin)
        .send({ tags })
        .expect(200);
    if (timeZone) {
      const agent = await connectAgent(server.url, id);
      agent.send('inventory', { ...sampleInventory('tz-host'), timeZone });
      await waitFor(async () => {
        const d = await api().get(`/api/devices/${id.deviceId}`).set('Authorization', admin);
        return d.body.timeZone === timeZone;
      }, 5000);
      agent.close();
    }
    return id.deviceId;
  }

  const createSchedule = (body: Record<string, unknown>, auth = admin) =>
    api().post('/api/schedules').set('Authorization', auth).send(body);

  const command = { language: 'bash', body: 'echo scheduled' };

  /** The jobs a schedule created, from the database: what "exactly once" is counted on. */
  const jobsOf = (scheduleId: string) =>
    server.dataSource.query<{ occurrence_at: Date; occurrence_zone: string; runs: number }[]>(
      `SELECT j.occurrence_at, j.occurrence_zone, count(r.id)::int AS runs
       FROM job j JOIN job_run r ON r.job_id = j.id WHERE j.schedule_id = $1
       GROUP BY j.id ORDER BY j.occurrence_at, j.occurrence_zone`,
      [scheduleId],
    );
  const fired = async (scheduleId: string) =>
    (await jobsOf(scheduleId)).map(
      (j) => `${new Date(j.occurrence_at).toISOString()} ${j.occurrence_zone}`,
    );

  it('fires a UTC cron once per occurrence, and shows it in history and preview', async () => {
    await device(['utc']);
    at('2026-01-05T02:50:00Z');
    const s = await createSchedule({
      name: 'nightly',
      job: { command, target: { tags: ['utc'] } },
      cron: '0 3 * * *',
      zoneMode: 'fixed',
      timeZone: 'UTC',
    }).expect(201);
    expect(s.body).toMatchObject({ paused: false, nextDueAt: '2026-01-05T03:00:00.000Z' });

    const preview = await api()
      .get(`/api/schedules/${s.body.id}/preview?count=3`)
      .set('Authorization', admin)
      .expect(200);
    expect(preview.body.occurrences.map((o: { at: string }) => o.at)).toEqual([
      '2026-01-05T03:00:00.000Z',
      '2026-01-06T03:00:00.000Z',
      '2026-01-07T03:00:00.000Z',
    ]);

    await walk('2026-01-06T03:20:00Z');
    await Promise.all([tick(), tick()]);
    expect(await fired(s.body.id)).toEqual([
      '2026-01-05T03:00:00.000Z UTC',
      '2026-01-06T03:00:00.000Z UTC',
    ]);
    const history = await api()
      .get(`/api/schedules/${s.body.id}/history`)
      .set('Authorization', admin)
      .expect(200);
    expect(history.body.total).toBe(2);
    expect(history.body.items[0]).toMatchObject({
      occurrenceAt: '2026-01-06T03:00:00.000Z',
      status: 'fired',
      devices: 1,
      job: { status: 'running', counts: { total: 1 } },
    });
    const job = await api()
      .get(`/api/jobs/${history.body.items[0].job.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(job.body).toMatchObject({ name: 'nightly', counts: { pending: 1 } });
  });

  it('fires in each device zone across DST changes: a missing 02:30 once, a doubled 01:30 once', async () => {
    await device(['dst'], 'Europe/Paris');
    await device(['dst'], 'America/New_York');
    await device(['dst']); // no zone reported: the schedule's fallback (UTC)
    at('2026-03-28T12:00:00Z');
    const spring = await createSchedule({
      name: 'spring',
      job: { command, target: { tags: ['dst'] } },
      cron: '30 2 * * *',
      zoneMode: 'device',
    }).expect(201);
    await walk('2026-03-30T12:00:00Z');
    expect(await fired(spring.body.id)).toEqual([
      '2026-03-29T01:30:00.000Z Europe/Paris', // 02:30 does not exist that night: 03:30 CEST
      '2026-03-29T02:30:00.000Z UTC',
      '2026-03-29T06:30:00.000Z America/New_York',
      '2026-03-30T00:30:00.000Z Europe/Paris',
      '2026-03-30T02:30:00.000Z UTC',
      '2026-03-30T06:30:00.000Z America/New_York',
    ]);
    for (const j of await jobsOf(spring.body.id)) expect(j.runs).toBe(1);

    at('2026-10-31T12:00:00Z');
    const fall = await createSchedule({
      name: 'fall',
      job: { command, target: { tags: ['dst'] } },
      cron: '30 1 * * *',
      zoneMode: 'device',
    }).expect(201);
    await walk('2026-11-02T12:00:00Z', 15 * 60_000);
    expect(await fired(fall.body.id)).toEqual([
      '2026-11-01T00:30:00.000Z Europe/Paris',
      '2026-11-01T01:30:00.000Z UTC',
      '2026-11-01T05:30:00.000Z America/New_York', // 01:30 EDT; the 01:30 EST after it does not fire
      '2026-11-02T00:30:00.000Z Europe/Paris',
      '2026-11-02T01:30:00.000Z UTC',
      '2026-11-02T06:30:00.000Z America/New_York',
    ]);
  });

  it('resolves the target at fire time: a device tagged before an occurrence is included', async () => {
    await device(['late']);
    at('2026-02-01T00:00:00Z');
    const s = await createSchedule({
      name: 'hourly',
      job: { command, target: { tags: ['late'] } },
      cron: '0 * * * *',
      zoneMode: 'fixed',
    }).expect(201);
    await walk('2026-02-01T01:05:00Z');
    await device(['late']);
    await walk('2026-02-01T02:05:00Z');
    expect((await jobsOf(s.body.id)).map((j) => j.runs)).toEqual([1, 2]);
  });

  it('pause stops firing; resume goes on from the next occurrence, without the paused ones', async () => {
    await device(['pause']);
    at('2026-02-10T00:00:00Z');
    const s = await createSchedule({
      name: 'pausable',
      job: { command, target: { tags: ['pause'] } },
      cron: '0 * * * *',
      zoneMode: 'fixed',
    }).expect(201);
    const paused = await api()
      .post(`/api/schedules/${s.body.id}/pause`)
      .set('Authorization', admin)
      .expect(200);
    expect(paused.body).toMatchObject({ paused: true, nextDueAt: null });
    await walk('2026-02-10T03:30:00Z');
    expect(await fired(s.body.id)).toEqual([]);
    await api().post(`/api/schedules/${s.body.id}/resume`).set('Authorization', admin).expect(200);
    await walk('2026-02-10T04:30:00Z');
    expect(await fired(s.body.id)).toEqual(['2026-02-10T04:00:00.000Z UTC']);
  });

  it('after a two-hour outage, catch-up `once` fires the latest missed occurrence once, `skip` none', async () => {
    await device(['outage']);
    at('2026-03-01T09:55:00Z');
    const make = (catchUp: string) =>
      createSchedule({
        name: `catch-up ${catchUp}`,
        job: { command, target: { tags: ['outage'] } },
        cron: '0 * * * *',
        zoneMode: 'fixed',
        catchUp,
      }).expect(201);
    const once = (await make('once')).body.id as string;
    const skip = (await make('skip')).body.id as string;
    await walk('2026-03-01T10:00:30Z', 30_000);
    // No server runs from 10:00:30 to 12:30: the 11:00 and 12:00 occurrences are missed.
    at('2026-03-01T12:30:00Z');
    await Promise.all([tick(), tick(), tick()]);
    await walk('2026-03-01T12:50:00Z');
    expect(await fired(once)).toEqual([
      '2026-03-01T10:00:00.000Z UTC',
      '2026-03-01T12:00:00.000Z UTC',
    ]);
    expect(await fired(skip)).toEqual(['2026-03-01T10:00:00.000Z UTC']);
    const history = await api()
      .get(`/api/schedules/${skip}/history`)
      .set('Authorization', admin)
      .expect(200);
    expect(history.body.items[0]).toMatchObject({
      occurrenceAt: '2026-03-01T12:00:00.000Z',
      status: 'skipped',
      job: null,
    });
    expect(history.body.items[0].reason).toMatch(/2 occurrence\(s\) missed/);
    await walk('2026-03-01T13:05:00Z');
    expect(await fired(once)).toHaveLength(3);
    expect(await fired(skip)).toHaveLength(2);
  });

  it('maps the offline policy onto the run expiry: skip expires soon, run_when_back keeps the template', async () => {
    await device(['offline']);
    at('2026-04-01T00:00:00Z');
    const make = (offlinePolicy: string) =>
      createSchedule({
        name: `offline ${offlinePolicy}`,
        job: { command, target: { tags: ['offline'] }, offlineExpirySeconds: 7200 },
        runAt: '2026-04-01T00:30',
        zoneMode: 'fixed',
        offlinePolicy,
      }).expect(201);
    const skip = (await make('skip')).body.id as string;
    const back = (await make('run_when_back')).body.id as string;
    await walk('2026-04-01T01:00:00Z');
    const expiry = (id: string) =>
      server.dataSource.query<{ offline_expiry_ms: string }[]>(
        `SELECT offline_expiry_ms FROM job WHERE schedule_id = $1`,
        [id],
      );
    expect((await expiry(skip)).map((r) => Number(r.offline_expiry_ms))).toEqual([300_000]);
    expect((await expiry(back)).map((r) => Number(r.offline_expiry_ms))).toEqual([7_200_000]);
    // A one-off fires once and is then done.
    const s = await api().get(`/api/schedules/${back}`).set('Authorization', admin).expect(200);
    expect(s.body.nextDueAt).toBeNull();
  });

  it('viewers read, technicians write what they could run as a job; every change is audited', async () => {
    await device(['authz']);
    const fx = factories(server);
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    const tech = await (await fx.user({ role: 'technician' })).auth();
    const body = {
      name: 'authz',
      job: { command, target: { tags: ['authz'] } },
      cron: '*/5 * * * *',
      zoneMode: 'fixed',
    };
    await createSchedule(body, viewer).expect(403);
    // The form's preview of an unsaved timing computes only: every role may ask.
    await api()
      .post('/api/schedules/preview')
      .set('Authorization', viewer)
      .send({ cron: body.cron, zoneMode: 'fixed' })
      .expect(200);
    const s = await createSchedule(body, tech).expect(201);
    const id = s.body.id as string;
    await api().get(`/api/schedules/${id}`).set('Authorization', viewer).expect(200);
    await api().get('/api/schedules').set('Authorization', viewer).expect(200);
    await api().post(`/api/schedules/${id}/pause`).set('Authorization', viewer).expect(403);
    await api()
      .patch(`/api/schedules/${id}`)
      .set('Authorization', tech)
      .send({ name: 'authz renamed', cron: '0 * * * *' })
      .expect(200);
    await api().post(`/api/schedules/${id}/pause`).set('Authorization', tech).expect(200);
    await api().post(`/api/schedules/${id}/resume`).set('Authorization', tech).expect(200);
    now = new Date(now.getTime() + 3_600_000);
    await tick();
    await api().delete(`/api/schedules/${id}`).set('Authorization', viewer).expect(403);
    await api().delete(`/api/schedules/${id}`).set('Authorization', tech).expect(204);
    await api().get(`/api/schedules/${id}`).set('Authorization', tech).expect(404);

    const audit = await api()
      .get(`/api/audit?targetType=schedule&targetId=${id}&pageSize=50`)
      .set('Authorization', admin)
      .expect(200);
    const actions = (audit.body.items as { action: string; actor: { kind: string } }[])
      .map((e) => `${e.action} ${e.actor.kind}`)
      .reverse();
    expect(actions).toEqual([
      'schedules.create user',
      'schedules.update user',
      'schedules.pause user',
      'schedules.resume user',
      'schedules.fire system',
      'schedules.delete user',
    ]);
  });

  it('fires a saved script with its parameters; edits of a device-local schedule apply', async () => {
    await device(['script']);
    const script = await api()
      .post('/api/scripts')
      .set('Authorization', admin)
      .send({
        name: 'sched script',
        language: 'sh',
        body: 'echo "$NAME"',
        parameters: [{ name: 'NAME', type: 'string' }],
        tags: [],
      })
      .expect(201);
    at('2026-05-01T00:00:00Z');
    const s = await createSchedule({
      name: 'script schedule',
      job: { script: { id: script.body.id, params: { NAME: 'x' } }, target: { tags: ['script'] } },
      cron: '0 * * * *',
      zoneMode: 'device',
    }).expect(201);
    const patched = await api()
      .patch(`/api/schedules/${s.body.id}`)
      .set('Authorization', admin)
      .send({ cron: '30 * * * *', timeZone: 'Asia/Kolkata' })
      .expect(200);
    expect(patched.body).toMatchObject({ cron: '30 * * * *', timeZone: 'Asia/Kolkata' });
    await api().post(`/api/schedules/${s.body.id}/pause`).set('Authorization', admin).expect(200);
    await api().post(`/api/schedules/${s.body.id}/resume`).set('Authorization', admin).expect(200);
    await walk('2026-05-01T01:10:00Z');
    // :30 in Kolkata (UTC+5:30) is :00 UTC; the device has no zone, so Kolkata is its zone.
    expect(await fired(s.body.id)).toEqual(['2026-05-01T01:00:00.000Z Asia/Kolkata']);
    const [job] = await server.dataSource.query<{ script_id: string; params: object }[]>(
      `SELECT script_id, params FROM job WHERE schedule_id = $1`,
      [s.body.id],
    );
    expect(job).toMatchObject({ script_id: script.body.id, params: { NAME: 'x' } });
  });

  it('refuses bad input with a clear 4xx', async () => {
    const job = { command, target: { tags: ['utc'] } };
    const bad = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const res = await createSchedule({ name: 'bad', job, zoneMode: 'fixed', ...body });
      expect(res.status).toBe(status);
      expect(JSON.stringify(res.body)).toMatch(message);
    };
    await bad({ cron: '61 * * * *' }, 400, /cron is not usable.*minute/);
    await bad({ cron: '* * * * * *' }, 400, /cron must have 5 fields/);
    await bad({ cron: '0 * * * *', timeZone: 'Mars/Olympus' }, 400, /IANA time zone/);
    await bad({ cron: '0 * * * *', runAt: '2026-01-01T00:00' }, 400, /exactly one of/);
    await bad({}, 400, /exactly one of/);
    await bad({ runAt: '2026-01-01T00:00Z' }, 400, /runAt must be a local date-time/);
    await bad({ cron: '0 * * * *', zoneMode: 'galaxy' }, 400, /zoneMode/);
    await bad({ cron: '0 * * * *', job: { command, target: {} } }, 400, /target is empty/);
    await bad(
      {
        cron: '0 * * * *',
        job: { target: { all: true }, script: { id: '6f1d0c6e-4c1b-4a8e-9b53-1f3f5b2c9d10' } },
      },
      404,
      /script/i,
    );
    await bad({ cron: '0 * * * *', job: { ...job, scheduleId: 'x' } }, 400, /scheduleId/);
    const s = await createSchedule({
      name: 'ok',
      job,
      cron: '0 * * * *',
      zoneMode: 'fixed',
    }).expect(201);
    for (const q of ['count=0', 'count=101', 'count=abc'])
      await api()
        .get(`/api/schedules/${s.body.id}/preview?${q}`)
        .set('Authorization', admin)
        .expect(400);
    await api().get('/api/schedules/not-a-uuid').set('Authorization', admin).expect(400);
    // The form's preview of a timing not saved yet: same rules, nothing written.
    at('2026-06-01T10:00:00Z');
    const unsaved = await api()
      .post('/api/schedules/preview')
      .set('Authorization', admin)
      .send({ cron: '0 9 * * 1-5', zoneMode: 'fixed', timeZone: 'Europe/Paris', count: 2 })
      .expect(200);
    expect(unsaved.body).toEqual({
      zones: ['Europe/Paris'],
      occurrences: [
        { at: '2026-06-02T07:00:00.000Z', zone: 'Europe/Paris' },
        { at: '2026-06-03T07:00:00.000Z', zone: 'Europe/Paris' },
      ],
    });
    const wrong = await api()
      .post('/api/schedules/preview')
      .set('Authorization', admin)
      .send({ cron: '0 9 * * 8', zoneMode: 'fixed' })
      .expect(400);
    expect(wrong.body.message).toMatch(/cron is not usable/);
  });
});
