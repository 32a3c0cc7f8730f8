import request from 'supertest';
import {
  connectAgent,
  enroll,
  type Enrolled,
  sampleInventory,
  waitFor,
} from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { Clock } from '../schedules/clock';
import { SchedulerService } from '../schedules/scheduler.service';
import { MaintenanceWindowsService } from './maintenance-windows.service';

interface RunRow {
  device_id: string;
  status: string;
  not_before: Date | null;
  expires_at: Date;
  expiry_reason: string | null;
  error: string | null;
}

/**
 * Maintenance windows on the real AppModule and database. The scheduler's clock is driven by
 * the test; the dispatcher holds and expires runs by the database's clock, so the tests that
 * watch it put the scheduler's clock at real time (or a little before) and define the
 * windows around it.
 */
describe('maintenance windows (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;
  let now = new Date('2026-01-07T11:55:00Z');
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
        .send({ name: 'windows' })
        .expect(201)
    ).body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const api = () => request(server.url);
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const command = { language: 'bash', body: 'echo window' };

  async function device(tags: string[], timeZone?: string): Promise<Enrolled> {
    const id = await enroll(server.url, token);
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
    return id;
  }

  const createWindow = (body: Record<string, unknown>, auth = admin) =>
    api().post('/api/maintenance-windows').set('Authorization', auth).send(body);
  const createSchedule = (body: Record<string, unknown>) =>
    api().post('/api/schedules').set('Authorization', admin).send(body).expect(201);

  const runsOf = (scheduleId: string) =>
    server.dataSource.query<RunRow[]>(
      `SELECT r.device_id, r.status, r.not_before, r.expires_at, r.expiry_reason, r.error
       FROM job_run r JOIN job j ON j.id = r.job_id WHERE j.schedule_id = $1`,
      [scheduleId],
    );
  const runOf = async (scheduleId: string, deviceId: string) =>
    (await runsOf(scheduleId)).find((r) => r.device_id === deviceId);

  /** A schedule firing every minute, fired once by moving the clock a minute, then deleted. */
  async function fireOnce(body: Record<string, unknown>): Promise<string> {
    const s = await createSchedule({ cron: '* * * * *', zoneMode: 'fixed', ...body });
    now = new Date(now.getTime() + 60_000);
    await scheduler.tick();
    await api().delete(`/api/schedules/${s.body.id}`).set('Authorization', admin).expect(204);
    return s.body.id as string;
  }

  it('CRUD with validation, roles and audit', async () => {
    const fx = factories(server);
    const viewer = await (await fx.user({ role: 'viewer' })).auth();
    const tech = await (await fx.user({ role: 'technician' })).auth();
    const body = {
      name: 'Sunday night',
      target: { tags: ['Crud'] },
      days: [0],
      start: '02:00',
      end: '04:00',
      zoneMode: 'device',
    };
    await createWindow(body, viewer).expect(403);
    const w = await createWindow(body, tech).expect(201);
    expect(w.body).toMatchObject({
      name: 'Sunday night',
      target: { tags: ['crud'], groupIds: [] },
      days: [0],
      start: '02:00',
      end: '04:00',
      durationMinutes: 120,
      zoneMode: 'device',
      timeZone: 'UTC',
    });
    const id = w.body.id as string;
    await api().get(`/api/maintenance-windows/${id}`).set('Authorization', viewer).expect(200);
    const list = await api().get('/api/maintenance-windows').set('Authorization', viewer);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
    await api()
      .patch(`/api/maintenance-windows/${id}`)
      .set('Authorization', viewer)
      .send({ end: '05:00' })
      .expect(403);
    const changed = await api()
      .patch(`/api/maintenance-windows/${id}`)
      .set('Authorization', tech)
      .send({ start: '23:00', end: '01:00', days: [6, 0, 6] })
      .expect(200);
    expect(changed.body).toMatchObject({ days: [0, 6], durationMinutes: 120 });

    const bad = async (b: Record<string, unknown>, field: RegExp) => {
      const res = await createWindow({ ...body, ...b }).expect(400);
      expect(JSON.stringify(res.body)).toMatch(field);
    };
    await bad({ start: '24:00' }, /start must be a 24-hour time/);
    await bad({ end: '2:00' }, /end must be a 24-hour time/);
    await bad({ days: [7] }, /days must hold numbers 0/);
    await bad({ days: [] }, /days/);
    await bad({ target: {} }, /at least one tag or group/);
    await bad({ target: { groupIds: ['00000000-0000-4000-8000-000000000000'] } }, /no group/);
    await bad({ zoneMode: 'local' }, /zoneMode/);
    await bad({ timeZone: 'Mars/Olympus' }, /IANA time zone/);
    await bad({ name: '' }, /name/);
    await api()
      .get('/api/maintenance-windows/active?deviceId=nope')
      .set('Authorization', admin)
      .expect(400);

    await api().delete(`/api/maintenance-windows/${id}`).set('Authorization', viewer).expect(403);
    await api().delete(`/api/maintenance-windows/${id}`).set('Authorization', tech).expect(204);
    await api().get(`/api/maintenance-windows/${id}`).set('Authorization', tech).expect(404);
    const audit = await api()
      .get(`/api/audit?targetType=maintenance_window&targetId=${id}`)
      .set('Authorization', admin)
      .expect(200);
    expect((audit.body.items as { action: string }[]).map((e) => e.action).reverse()).toEqual([
      'maintenance_windows.create',
      'maintenance_windows.update',
      'maintenance_windows.delete',
    ]);
  });

  it('tells which windows are open for a device, in its own zone, from its tags or group', async () => {
    const paris = await device(['active-tag'], 'Europe/Paris');
    const group = await api()
      .post('/api/groups')
      .set('Authorization', admin)
      .send({ name: 'windowed group' })
      .expect(201);
    const grouped = await device([]);
    await api()
      .patch(`/api/devices/${grouped.deviceId}`)
      .set('Authorization', admin)
      .send({ groupId: group.body.id })
      .expect(200);
    const outside = await device(['elsewhere']);
    const w = await createWindow({
      name: 'active check',
      target: { tags: ['active-tag'], groupIds: [group.body.id] },
      days: [0],
      start: '02:00',
      end: '04:00',
      zoneMode: 'device',
    }).expect(201);
    const windows = server.app.get(MaintenanceWindowsService);
    const ids = [paris.deviceId, grouped.deviceId, outside.deviceId];
    // Sunday 2026-01-11 01:30 UTC: 02:30 in Paris (open), 01:30 in UTC (not yet).
    const early = await windows.activeWindows(ids, new Date('2026-01-11T01:30:00Z'));
    expect([...early.keys()]).toEqual([paris.deviceId]);
    expect(early.get(paris.deviceId)).toEqual([
      {
        windowId: w.body.id,
        name: 'active check',
        from: '2026-01-11T01:00:00.000Z',
        until: '2026-01-11T03:00:00.000Z',
      },
    ]);
    const later = await windows.activeWindows(ids, new Date('2026-01-11T03:30:00Z'));
    expect([...later.keys()]).toEqual([grouped.deviceId]);
    expect(await windows.isInWindow(grouped.deviceId, new Date('2026-01-11T02:00:00Z'))).toBe(true);
    expect(await windows.isInWindow(grouped.deviceId, new Date('2026-01-11T04:00:00Z'))).toBe(
      false,
    );
    expect(await windows.isInWindow(outside.deviceId, new Date('2026-01-11T02:00:00Z'))).toBe(
      false,
    );
    await api().delete(`/api/maintenance-windows/${w.body.id}`).set('Authorization', admin);
  });

  it('a window-only run waits for the device’s next window and expires when it closes', async () => {
    const paris = await device(['wo-win', 'wo-sched'], 'Europe/Paris');
    const ny = await device(['wo-win', 'wo-sched'], 'America/New_York');
    const none = await device(['wo-sched']);
    await createWindow({
      name: 'Sunday 02-04 local',
      target: { tags: ['wo-win'] },
      days: [0],
      start: '02:00',
      end: '04:00',
      zoneMode: 'device',
    }).expect(201);
    now = new Date('2026-01-07T11:59:00Z'); // a Wednesday
    const week = await fireOnce({
      name: 'window only, a week to wait',
      job: { command, target: { tags: ['wo-sched'] }, offlineExpirySeconds: 7 * 86_400 },
      offlinePolicy: 'run_in_window',
    });
    const p = await runOf(week, paris.deviceId);
    expect([iso(p!.not_before), iso(p!.expires_at)]).toEqual([
      '2026-01-11T01:00:00.000Z',
      '2026-01-11T03:00:00.000Z',
    ]);
    expect(p!.expiry_reason).toMatch(
      /maintenance window "Sunday 02-04 local" closed at 2026-01-11T03:00/,
    );
    const n = await runOf(week, ny.deviceId);
    expect([iso(n!.not_before), iso(n!.expires_at)]).toEqual([
      '2026-01-11T07:00:00.000Z',
      '2026-01-11T09:00:00.000Z',
    ]);
    // No window at all: its run ends expired at once, saying so.
    const x = await runOf(week, none.deviceId);
    expect(iso(x!.expires_at)).toBe('2026-01-07T12:00:00.000Z');
    expect(x!.expiry_reason).toMatch(/no maintenance window of this device/);

    // Inside the Paris window (Sunday 02:30 Paris): no wait, until the window closes.
    now = new Date('2026-01-11T01:29:00Z');
    const inside = await fireOnce({
      name: 'window only, inside',
      job: { command, target: { tags: ['wo-sched'] }, offlineExpirySeconds: 3600 },
      offlinePolicy: 'run_in_window',
    });
    const pi = await runOf(inside, paris.deviceId);
    expect([pi!.not_before, iso(pi!.expires_at)]).toEqual([null, '2026-01-11T03:00:00.000Z']);

    // A window further away than the run's offline expiry is not waited for.
    now = new Date('2026-01-07T11:59:00Z');
    const day = await fireOnce({
      name: 'window only, a day to wait',
      job: { command, target: { tags: ['wo-sched'] }, offlineExpirySeconds: 86_400 },
      offlinePolicy: 'run_in_window',
    });
    const reasons = (await runsOf(day)).map((r) => r.expiry_reason);
    expect(reasons).toHaveLength(3);
    for (const r of reasons)
      expect(r).toMatch(/no maintenance window .* within the run's offline expiry \(86400 s\)/);
  });

  it('the dispatcher sends a run inside its window, holds one whose window opens later, and expires one whose window closed', async () => {
    const open = await device(['live-open']);
    const later = await device(['live-later']);
    const closed = await device(['live-closed']);
    const real = Date.now();
    const allWeek = [0, 1, 2, 3, 4, 5, 6];
    const window = (name: string, tag: string, from: number, until: number) =>
      createWindow({
        name,
        target: { tags: [tag] },
        days: allWeek,
        start: hhmm(from),
        end: hhmm(until),
        zoneMode: 'fixed',
      }).expect(201);
    await window('open now', 'live-open', real - 30 * 60_000, real + 30 * 60_000);
    await window('opens later', 'live-later', real + 2 * 3_600_000, real + 3 * 3_600_000);
    await window('closed', 'live-closed', real - 3 * 3_600_000, real - 2 * 3_600_000);
    const agents = [await connectAgent(server.url, open), await connectAgent(server.url, later)];

    now = new Date(real - 60_000);
    const live = await fireOnce({
      name: 'window only, live',
      job: { command, target: { tags: ['live-open', 'live-later'] }, offlineExpirySeconds: 86_400 },
      offlinePolicy: 'run_in_window',
    });
    await agents[0].next('run', 10_000);
    expect((await runOf(live, open.deviceId))!.status).not.toBe('pending');
    // Both devices were online for the same claim pass: only the one inside its window was sent.
    const held = await runOf(live, later.deviceId);
    expect(held!.status).toBe('pending');
    expect(iso(held!.not_before)).toBe(
      new Date(`${new Date(real + 2 * 3_600_000).toISOString().slice(0, 16)}:00Z`).toISOString(),
    );
    expect(agents[1].received.filter((m) => m.type === 'run')).toEqual([]);

    // Fired while the window was open (2.5 hours ago): it closed since, so the sweep expires it.
    now = new Date(real - 2.5 * 3_600_000);
    const past = await fireOnce({
      name: 'window only, closed since',
      job: { command, target: { tags: ['live-closed'] } },
      offlinePolicy: 'run_in_window',
    });
    const expired = await waitFor(async () => {
      const r = await runOf(past, closed.deviceId);
      return r?.status === 'expired' && r;
    }, 10_000);
    expect(expired.error).toMatch(
      /the maintenance window "closed" closed at .* before the run could start/,
    );
    for (const a of agents) a.close();
  });

  it('spread delays each device by a random 0..N minutes, and its expiry counts from then', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5, 6].map(() => device(['spread'])));
    now = new Date('2026-02-02T09:59:00Z');
    const s = await fireOnce({
      name: 'spread',
      job: { command, target: { tags: ['spread'] }, offlineExpirySeconds: 600 },
      spreadMinutes: 15,
      offlinePolicy: 'skip',
    });
    const runs = await runsOf(s);
    expect(runs).toHaveLength(ids.length);
    const fired = new Date('2026-02-02T10:00:00Z').getTime();
    const delays = runs.map((r) => new Date(r.not_before!).getTime() - fired);
    for (const [i, d] of delays.entries()) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(15 * 60_000);
      // `skip` keeps its short expiry (300 s), counted from the delayed start.
      expect(new Date(runs[i].expires_at).getTime() - fired - d).toBe(300_000);
    }
    // Six uniform draws over 900,001 ms all equal: about one chance in 10^29.
    expect(new Set(delays).size).toBeGreaterThan(1);
    const body = {
      name: 'spread shown',
      job: { command, target: { tags: ['spread'] } },
      cron: '0 3 * * *',
      zoneMode: 'fixed',
    };
    const saved = await createSchedule({ ...body, spreadMinutes: 30 });
    expect(saved.body.spreadMinutes).toBe(30);
    for (const bad of [-1, 721, 1.5, '5']) {
      const res = await api()
        .post('/api/schedules')
        .set('Authorization', admin)
        .send({ ...body, spreadMinutes: bad })
        .expect(400);
      expect(JSON.stringify(res.body)).toMatch(/spreadMinutes/);
    }
  });
});
