import request from 'supertest';
import {
  connectAgent,
  enroll,
  type Enrolled,
  type TestAgent,
  waitFor,
} from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/**
 * Agent checks carried by automation policies, on the real AppModule and a real database with
 * protocol-3 test agents on real sockets: a device gets a policy's checks while it matches the
 * policy's tags or groups, and loses them when it stops matching or the policy drops them,
 * each change pushed to its agent at once.
 */
describe('agent checks through automation policies (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let tech: string;
  let viewer: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { MONITOR_TICK_MS: '200', ENROLL_RATE_LIMIT: '10000' });
    const admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    tech = await (await fx.user({ role: 'technician' })).auth();
    viewer = await (await fx.user({ role: 'viewer' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'policy checks' })
        .expect(201)
    ).body.token as string;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const api = () => request(server.url);
  /** The ids of the checks in the next set pushed to this agent. */
  const nextSet = async (agent: TestAgent) =>
    (await agent.next('checks', 10_000)).body.checks.map((c) => c.id);
  const setsReceived = (agent: TestAgent) =>
    agent.received.filter((m) => m.type === 'checks').length;

  async function agent(name: string): Promise<{ id: Enrolled; agent: TestAgent }> {
    const id = await enroll(server.url, token, name);
    const a = await connectAgent(server.url, id, 3);
    expect(await nextSet(a)).toEqual([]);
    return { id, agent: a };
  }

  it('pushes a policy’s checks to the devices of its tags and groups, and takes them back', async () => {
    const a = await agent('pc-a');
    const b = await agent('pc-b');
    await api()
      .post(`/api/devices/${a.id.deviceId}/tags`)
      .set('Authorization', tech)
      .send({ tags: ['pc-web'] })
      .expect(200);

    // A check naming no device of its own: it runs only where a policy carries it.
    const check = await api()
      .post('/api/agent-checks')
      .set('Authorization', tech)
      .send({ name: 'nginx up', kind: 'process', process: 'nginx', target: {} })
      .expect(201);
    expect(check.body.target).toEqual({ all: false, deviceIds: [], groupIds: [], tags: [] });
    const checkId = check.body.id as string;
    // Nobody runs it yet: no agent hears of it.
    await new Promise((r) => setTimeout(r, 600));
    expect(setsReceived(a.agent)).toBe(0);

    await api()
      .post('/api/policies')
      .set('Authorization', viewer)
      .send({ name: 'web', target: { tags: ['pc-web'] }, scheduleIds: [], checkIds: [checkId] })
      .expect(403);
    await api()
      .post('/api/policies')
      .set('Authorization', tech)
      .send({
        name: 'web bad',
        target: { tags: ['pc-web'] },
        scheduleIds: [],
        checkIds: ['00000000-0000-4000-8000-000000000000'],
      })
      .expect(400)
      .expect((res) => expect(res.body.message).toMatch(/checkIds: no agent check/));
    const policy = await api()
      .post('/api/policies')
      .set('Authorization', tech)
      .send({ name: 'web', target: { tags: ['pc-web'] }, scheduleIds: [], checkIds: [checkId] })
      .expect(201);
    expect(policy.body.checks).toEqual([
      { id: checkId, name: 'nginx up', kind: 'process', enabled: true },
    ]);
    expect(await nextSet(a.agent)).toEqual([checkId]);
    const [audit] = await server.dataSource.query<{ details: { checkIds: string[] } }[]>(
      `SELECT details FROM audit_event WHERE action = 'policies.create' AND target_id = $1`,
      [policy.body.id],
    );
    expect(audit.details.checkIds).toEqual([checkId]);

    // The device page says which policy brings it.
    const why = await api()
      .get(`/api/devices/${a.id.deviceId}/policies`)
      .set('Authorization', viewer);
    expect(why.body).toEqual([
      expect.objectContaining({
        policy: expect.objectContaining({ id: policy.body.id }),
        checks: [{ id: checkId, name: 'nginx up', kind: 'process', enabled: true }],
      }),
    ]);

    // Its results count: the policy-carried check is one the device runs.
    const at = Date.now();
    a.agent.send('check_results', {
      results: [{ checkId, status: 'critical', message: 'nginx is not running', at }],
    });
    const states = await waitFor(async () => {
      const res = await api()
        .get(`/api/agent-checks/${checkId}/states`)
        .set('Authorization', viewer)
        .expect(200);
      const page = res.body as { total: number; items: unknown[] };
      return page.total === 1 && page;
    });
    expect(states.items).toEqual([
      expect.objectContaining({
        checkId,
        checkName: 'nginx up',
        checkKind: 'process',
        deviceId: a.id.deviceId,
        deviceName: 'pc-a',
        status: 'critical',
        message: 'nginx is not running',
      }),
    ]);

    // B joins a group the policy is then attached to: it gets the check.
    const group = await api()
      .post('/api/groups')
      .set('Authorization', tech)
      .send({ name: 'pc group' })
      .expect(201);
    await api()
      .patch(`/api/devices/${b.id.deviceId}`)
      .set('Authorization', tech)
      .send({ groupId: group.body.id })
      .expect(200);
    await api()
      .patch(`/api/policies/${policy.body.id}`)
      .set('Authorization', tech)
      .send({ target: { tags: ['pc-web'], groupIds: [group.body.id] } })
      .expect(200);
    expect(await nextSet(b.agent)).toEqual([checkId]);

    // A leaves the tag: its agent loses the check at once (not at the next periodic refresh).
    await api()
      .delete(`/api/devices/${a.id.deviceId}/tags/pc-web`)
      .set('Authorization', tech)
      .expect(200);
    expect(await nextSet(a.agent)).toEqual([]);
    // B leaves the group through a bulk move: the same.
    await api()
      .post('/api/devices/bulk/group')
      .set('Authorization', tech)
      .send({ target: { deviceIds: [b.id.deviceId] }, groupId: null })
      .expect((res) => expect(res.status).toBeLessThan(300));
    expect(await nextSet(b.agent)).toEqual([]);

    // A is tagged again, then the policy drops the check: pushed, then taken back.
    await api()
      .post(`/api/devices/${a.id.deviceId}/tags`)
      .set('Authorization', tech)
      .send({ tags: ['pc-web'] })
      .expect(200);
    expect(await nextSet(a.agent)).toEqual([checkId]);
    const updated = await api()
      .patch(`/api/policies/${policy.body.id}`)
      .set('Authorization', tech)
      .send({ checkIds: [] })
      .expect(200);
    expect(updated.body.checks).toEqual([]);
    expect(await nextSet(a.agent)).toEqual([]);

    // Carried again, then the policy is deleted: taken back.
    await api()
      .patch(`/api/policies/${policy.body.id}`)
      .set('Authorization', tech)
      .send({ checkIds: [checkId] })
      .expect(200);
    expect(await nextSet(a.agent)).toEqual([checkId]);
    // The tag itself deleted: gone from every device, and the check with it.
    await api().delete('/api/tags/pc-web').set('Authorization', tech).expect(204);
    expect(await nextSet(a.agent)).toEqual([]);
    // Tagged again, then the policy is deleted: taken back.
    await api()
      .post(`/api/devices/${a.id.deviceId}/tags`)
      .set('Authorization', tech)
      .send({ tags: ['pc-web'] })
      .expect(200);
    expect(await nextSet(a.agent)).toEqual([checkId]);
    await api().delete(`/api/policies/${policy.body.id}`).set('Authorization', tech).expect(204);
    expect(await nextSet(a.agent)).toEqual([]);
    a.agent.close();
    b.agent.close();
  }, 90_000);

  it('lists a check once in a policy and leaves out a check deleted since', async () => {
    const make = async (name: string) =>
      (
        await api()
          .post('/api/agent-checks')
          .set('Authorization', tech)
          .send({ name, kind: 'ping', host: 'gw.local', target: {} })
          .expect(201)
      ).body.id as string;
    const keep = await make('gateway ping');
    const gone = await make('old ping');
    const p = await api()
      .post('/api/policies')
      .set('Authorization', tech)
      .send({
        name: 'pings',
        target: { tags: ['pc-lan'] },
        scheduleIds: [],
        checkIds: [gone, keep, keep],
      })
      .expect(201);
    expect(p.body.checks.map((c: { name: string }) => c.name)).toEqual([
      'gateway ping',
      'old ping',
    ]);
    await api().delete(`/api/agent-checks/${gone}`).set('Authorization', tech).expect(204);
    const after = await api().get(`/api/policies/${p.body.id}`).set('Authorization', viewer);
    expect(after.body.checks.map((c: { id: string }) => c.id)).toEqual([keep]);
    // An edit that does not name checks keeps the live ones and drops the deleted one's link.
    await api()
      .patch(`/api/policies/${p.body.id}`)
      .set('Authorization', tech)
      .send({ description: 'gateways' })
      .expect(200);
    const links = await server.dataSource.query<{ check_id: string }[]>(
      `SELECT check_id FROM automation_policy_check WHERE policy_id = $1`,
      [p.body.id],
    );
    expect(links.map((l) => l.check_id)).toEqual([keep]);
  });
});
