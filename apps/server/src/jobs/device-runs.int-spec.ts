import type { DeviceRunResponse, ErrorBody, Page } from '@fleetdesk/api-types';
import request from 'supertest';
import { enroll, type Enrolled } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

describe('GET /api/runs?deviceId= (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let a: Enrolled;
  let b: Enrolled;
  let first: { id: string; name: string };
  let second: { id: string; name: string };

  const api = () => request(server.url);
  const deviceRuns = async (query: Record<string, string | number>, auth = admin) =>
    (await api().get('/api/runs').query(query).set('Authorization', auth).expect(200))
      .body as Page<DeviceRunResponse>;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    admin = await login(server, ADMIN.email, ADMIN.password);
    const token = (
      await api()
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'device-runs' })
        .expect(201)
    ).body.token as string;
    // Neither device connects, so every run stays pending until its job is cancelled.
    a = await enroll(server.url, token, 'runs-a');
    b = await enroll(server.url, token, 'runs-b');
    const create = async (name: string, deviceIds: string[]) => {
      const res = await api()
        .post('/api/jobs')
        .set('Authorization', admin)
        .send({ name, command: { language: 'sh', body: 'true' }, target: { deviceIds } })
        .expect(201);
      return { id: res.body.id as string, name };
    };
    first = await create('First job', [a.deviceId, b.deviceId]);
    second = await create('Second job', [a.deviceId, b.deviceId]);
    // The first job's runs (pending) end as cancelled: a second state to filter on.
    await api().post(`/api/jobs/${first.id}/cancel`).set('Authorization', admin).expect(200);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it("lists only that device's runs, newest first, with their job", async () => {
    const page = await deviceRuns({ deviceId: a.deviceId });
    expect(page).toMatchObject({ total: 2, page: 1, pageSize: 50 });
    expect(page.items.map((r) => r.job)).toEqual([second, first]);
    expect(page.items.every((r) => r.device.id === a.deviceId)).toBe(true);
    expect(page.items.map((r) => r.jobId)).toEqual([second.id, first.id]);
    expect(page.items[0]).toMatchObject({
      status: 'pending',
      device: { hostname: 'runs-a' },
      exitCode: null,
    });
    expect(page.items[1]).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expect(new Date(page.items[0].createdAt) > new Date(page.items[1].createdAt)).toBe(true);

    const other = await deviceRuns({ deviceId: b.deviceId });
    expect(other.total).toBe(2);
    expect(other.items.every((r) => r.device.id === b.deviceId)).toBe(true);
    const aRunIds = new Set(page.items.map((r) => r.id));
    expect(other.items.some((r) => aRunIds.has(r.id))).toBe(false);
  });

  it('pages', async () => {
    const p1 = await deviceRuns({ deviceId: a.deviceId, page: 1, pageSize: 1 });
    const p2 = await deviceRuns({ deviceId: a.deviceId, page: 2, pageSize: 1 });
    const p3 = await deviceRuns({ deviceId: a.deviceId, page: 3, pageSize: 1 });
    expect(p1).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expect(p1.items.map((r) => r.job.name)).toEqual(['Second job']);
    expect(p2.items.map((r) => r.job.name)).toEqual(['First job']);
    expect(p3).toMatchObject({ total: 2, items: [] });
  });

  it('filters by status', async () => {
    const cancelled = await deviceRuns({ deviceId: a.deviceId, status: 'cancelled' });
    expect(cancelled.total).toBe(1);
    expect(cancelled.items.map((r) => r.job.id)).toEqual([first.id]);
    const pending = await deviceRuns({ deviceId: a.deviceId, status: 'pending' });
    expect(pending.items.map((r) => r.job.id)).toEqual([second.id]);
    expect((await deviceRuns({ deviceId: a.deviceId, status: 'succeeded' })).total).toBe(0);
  });

  it('answers an empty page for a device that does not exist', async () => {
    const page = await deviceRuns({ deviceId: '00000000-0000-4000-8000-000000000000' });
    expect(page).toMatchObject({ total: 0, items: [] });
  });

  it('refuses a missing or malformed deviceId, or an unknown status, naming the field', async () => {
    for (const query of [{}, { deviceId: 'not-a-uuid' }]) {
      const res = await api().get('/api/runs').query(query).set('Authorization', admin).expect(400);
      const body = res.body as ErrorBody;
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toMatch(/deviceId/);
      expect(body.errors?.map((e) => e.field)).toEqual(['deviceId']);
    }
    const res = await api()
      .get('/api/runs')
      .query({ deviceId: a.deviceId, status: 'done' })
      .set('Authorization', admin)
      .expect(400);
    expect((res.body as ErrorBody).errors?.map((e) => e.field)).toEqual(['status']);
  });

  it('lets a viewer read it and refuses an anonymous caller', async () => {
    const viewer = await factories(server).user({ role: 'viewer' });
    const page = await deviceRuns({ deviceId: a.deviceId }, await viewer.auth());
    expect(page.total).toBe(2);
    await api().get('/api/runs').query({ deviceId: a.deviceId }).expect(401);
  });
});
