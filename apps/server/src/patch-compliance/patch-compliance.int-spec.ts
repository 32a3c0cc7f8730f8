import request from 'supertest';
import type { DevicePatchStatus, PatchCompliancePage, UpdatesReport } from '@fleetdesk/api-types';
import {
  connectAgent,
  enroll,
  sampleInventory,
  type TestAgent,
} from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { PatchComplianceService } from './patch-compliance.service';

const pending = (security: number, other: number): UpdatesReport['pending'] => [
  ...Array.from({ length: security }, (_, i) => ({
    manager: 'apt' as const,
    name: `sec-${i}`,
    current: '1.0-1',
    available: '1.0-2',
    security: true,
  })),
  ...Array.from({ length: other }, (_, i) => ({
    manager: 'apt' as const,
    name: `other-${i}`,
    available: '2.0',
    security: false,
  })),
];

describe('patch compliance API (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  const ids: Record<string, string> = {};
  const agents: Record<string, TestAgent> = {};

  const get = (path: string) =>
    request(server.url).get(`/api/patch-compliance${path}`).set('Authorization', admin);
  const hosts = (res: request.Response) =>
    (res.body as PatchCompliancePage).items.map((d) => d.hostname);
  const report = async (
    host: string,
    updates: UpdatesReport | undefined,
    collectedAt = Date.now(),
  ) => {
    const agent = agents[host] as TestAgent;
    agent.send('inventory', {
      ...sampleInventory(host),
      ...(updates ? { updates } : {}),
      collectedAt,
    });
    await agent.next('ack');
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const token = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'patches' })
      .expect(201);
    for (const host of ['calm', 'exposed', 'busy', 'old-agent']) {
      const id = await enroll(server.url, token.body.token as string, host);
      ids[host] = id.deviceId;
      agents[host] = await connectAgent(server.url, id);
    }
    await report('calm', { managers: ['apt'], pending: [], rebootRequired: false });
    await report('exposed', { managers: ['apt'], pending: pending(3, 1), rebootRequired: true });
    await report('busy', { managers: ['apt', 'brew'], pending: pending(0, 40) });
    await report('old-agent', undefined); // an agent from before pending updates
  }, 120_000);
  afterAll(async () => {
    for (const agent of Object.values(agents)) agent.close();
    await server?.close();
    await db?.destroy();
  });

  it('lists the fleet most exposed first, devices that never reported last', async () => {
    const res = await get('').expect(200);
    expect(hosts(res)).toEqual(['exposed', 'busy', 'calm', 'old-agent']);
    expect(res.body.items[0]).toMatchObject({
      deviceId: ids.exposed,
      securityCount: 3,
      otherCount: 1,
      rebootRequired: true,
      lastUpdateRunAt: null,
    });
    expect(res.body.items[1]).toMatchObject({
      securityCount: 0,
      otherCount: 40,
      rebootRequired: null,
    });
    expect(res.body.items[3]).toMatchObject({
      securityCount: null,
      otherCount: null,
      reportedAt: null,
    });
    expect(res.body.summary).toEqual({
      reporting: 3,
      withSecurity: 1,
      withPending: 2,
      rebootRequired: 1,
    });
  });

  it('filters to devices with something pending, and pages', async () => {
    expect(hosts(await get('?pendingOnly=true').expect(200))).toEqual(['exposed', 'busy']);
    const page = await get('?pageSize=1&page=2').expect(200);
    expect(page.body).toMatchObject({ total: 4, page: 2 });
    expect(hosts(page)).toEqual(['busy']);
    expect((await get('?page=99').expect(200)).body).toMatchObject({ items: [], total: 4 });
    expect(hosts(await get('?os=darwin').expect(200))).toEqual([]);
  });

  it("shows a device's pending list, security first", async () => {
    const res = await get(`/devices/${ids.exposed}`).expect(200);
    const body = res.body as DevicePatchStatus;
    expect(body.managers).toEqual(['apt']);
    expect(body.pending.map((u) => u.name)).toEqual(['sec-0', 'sec-1', 'sec-2', 'other-0']);
    expect(body.pending[0]).toEqual({
      manager: 'apt',
      name: 'sec-0',
      current: '1.0-1',
      available: '1.0-2',
      security: true,
    });
    const none = (await get(`/devices/${ids['old-agent']}`).expect(200)).body as DevicePatchStatus;
    expect(none).toMatchObject({ managers: [], pending: [], securityCount: null });
  });

  it('refreshes with each inventory, and ignores a report older than the one it has', async () => {
    await report('busy', { managers: ['apt'], pending: pending(1, 0) });
    await report('busy', { managers: ['apt'], pending: pending(9, 9) }, Date.now() - 3_600_000);
    const res = await get(`/devices/${ids.busy}`).expect(200);
    expect(res.body).toMatchObject({ securityCount: 1, otherCount: 0, managers: ['apt'] });
    // The pending list is kept here, not in the device's inventory facts.
    const detail = await request(server.url)
      .get(`/api/devices/${ids.busy}`)
      .set('Authorization', admin)
      .expect(200);
    expect(detail.body.inventory).not.toHaveProperty('updates');
  });

  it('records the outcome of an update run for the deployment action', async () => {
    const service = server.app.get(PatchComplianceService);
    const at = new Date('2026-11-29T10:00:00Z');
    await service.recordUpdateRun({
      deviceId: ids.exposed,
      finishedAt: at,
      succeeded: true,
      rebootRequired: false,
    });
    // A failed run later changes neither the time nor (when it cannot tell) reboot-required.
    await service.recordUpdateRun({
      deviceId: ids.exposed,
      finishedAt: new Date(),
      succeeded: false,
    });
    // A device that never reported gets a row.
    await service.recordUpdateRun({
      deviceId: ids['old-agent'],
      finishedAt: at,
      succeeded: true,
      rebootRequired: true,
    });
    expect((await get(`/devices/${ids.exposed}`)).body).toMatchObject({
      lastUpdateRunAt: at.toISOString(),
      rebootRequired: false,
      securityCount: 3,
    });
    expect((await get(`/devices/${ids['old-agent']}`)).body).toMatchObject({
      lastUpdateRunAt: at.toISOString(),
      rebootRequired: true,
      securityCount: null,
    });
  });

  it('needs a session, and refuses bad input with a clear error', async () => {
    await request(server.url).get('/api/patch-compliance').expect(401);
    const maybe = await get('?pendingOnly=maybe').expect(400);
    expect(maybe.body.errors).toEqual([
      { field: 'pendingOnly', reason: 'pendingOnly must be true or false' },
    ]);
    await get('?pageSize=0').expect(400);
    await get('/devices/not-a-uuid').expect(400);
    const missing = await get('/devices/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body.code).toBe('DEVICE_NOT_FOUND');
  });
});
