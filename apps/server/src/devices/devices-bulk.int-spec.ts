import { CloseCode } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

describe('devices bulk actions (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let technician: string;
  let viewer: string;
  let token: string;

  const post = (path: string, auth: string, body: object) =>
    request(server.url).post(`/api/devices/bulk/${path}`).set('Authorization', auth).send(body);
  const query = <T>(sql: string, params: unknown[] = []) =>
    server.dataSource.query<T[]>(sql, params);
  const tagsOf = async (id: string) =>
    (
      await query<{ name: string }>(
        `SELECT t.name FROM device_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.device_id = $1 ORDER BY t.name`,
        [id],
      )
    ).map((r) => r.name);
  const lastAudit = async () =>
    (
      await query<{ action: string; target_type: string; details: Record<string, unknown> }>(
        `SELECT action, target_type, details FROM audit_event ORDER BY occurred_at DESC, id DESC LIMIT 1`,
      )
    )[0];
  const newDevices = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await enroll(server.url, token)).deviceId);
    return ids;
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const make = factories(server);
    technician = await (await make.user({ role: 'technician' })).auth();
    viewer = await (await make.user({ role: 'viewer' })).auth();
    const res = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'bulk' })
      .expect(201);
    token = res.body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('refuses an empty or malformed target and bad tags with a 400, writing nothing', async () => {
    const [a] = await newDevices(1);
    const before = await countRows(server, 'audit_event');
    for (const body of [
      { tags: ['x'] },
      { target: {}, tags: ['x'] },
      { target: { all: false, deviceIds: [], tags: [] }, tags: ['x'] },
      { target: { deviceIds: ['not-a-uuid'] }, tags: ['x'] },
      { target: { deviceIds: [a] }, tags: [] },
      { target: { deviceIds: [a] }, tags: ['ok', 'Not Valid!'] },
      { target: { deviceIds: [a] }, tags: ['x'.repeat(65)] },
    ]) {
      const res = await post('tag', technician, body).expect(400);
      expect(res.body.code).toMatch(/VALIDATION_FAILED|TARGET_EMPTY/);
    }
    expect((await post('revoke', technician, { target: {} }).expect(400)).body.code).toBe(
      'TARGET_EMPTY',
    );
    expect(await tagsOf(a)).toEqual([]);
    expect(await query(`SELECT 1 FROM tag WHERE name = 'ok'`)).toEqual([]);
    expect(await countRows(server, 'audit_event')).toBe(before);
  });

  it('holds each action to the role its single-device route needs', async () => {
    const [a] = await newDevices(1);
    const target = { deviceIds: [a] };
    await post('tag', viewer, { target, tags: ['x'] }).expect(403);
    await post('untag', viewer, { target, tags: ['x'] }).expect(403);
    await post('group', viewer, { target, groupId: null }).expect(403);
    await post('revoke', viewer, { target }).expect(403);
    await post('delete', technician, { target }).expect(403);
    await request(server.url)
      .post('/api/devices/bulk/tag')
      .send({ target, tags: ['x'] })
      .expect(401);
    expect(await tagsOf(a)).toEqual([]);
    expect(await query(`SELECT id FROM device WHERE id = $1`, [a])).toHaveLength(1);
  });

  it('tags a target (creating the tag), counts who already had it, and audits once', async () => {
    const [a, b, c] = await newDevices(3);
    const before = await countRows(server, 'audit_event');
    const first = await post('tag', technician, {
      target: { deviceIds: [a, b] },
      tags: [' Rack-1 '],
    }).expect(200);
    expect(first.body).toEqual({ matched: 2, changed: 2 });
    expect(await tagsOf(a)).toEqual(['rack-1']);
    expect(await tagsOf(c)).toEqual([]);
    expect(await countRows(server, 'audit_event')).toBe(before + 1);
    expect(await lastAudit()).toMatchObject({
      action: 'devices.bulk_tag',
      target_type: 'devices',
      details: { target: { deviceIds: [a, b] }, tags: ['rack-1'], matched: 2, changed: 2 },
    });

    // By tag, adding to c too: a and b already had it.
    const second = await post('tag', technician, {
      target: { tags: ['rack-1'], deviceIds: [c] },
      tags: ['rack-1'],
    }).expect(200);
    expect(second.body).toEqual({ matched: 3, changed: 1 });
    expect(await tagsOf(c)).toEqual(['rack-1']);
  });

  it('untags a target, refusing an unknown tag before changing anything', async () => {
    const [a, b] = await newDevices(2);
    await post('tag', technician, { target: { deviceIds: [a, b] }, tags: ['u1', 'u2'] }).expect(
      200,
    );
    const before = await countRows(server, 'audit_event');
    const unknown = await post('untag', technician, {
      target: { deviceIds: [a, b] },
      tags: ['u1', 'never-made'],
    }).expect(404);
    expect(unknown.body.code).toBe('TAG_NOT_FOUND');
    expect(await tagsOf(a)).toEqual(['u1', 'u2']);
    expect(await countRows(server, 'audit_event')).toBe(before);

    const res = await post('untag', technician, {
      target: { deviceIds: [a] },
      tags: ['u1'],
    }).expect(200);
    expect(res.body).toEqual({ matched: 1, changed: 1 });
    expect(await tagsOf(a)).toEqual(['u2']);
    expect(await tagsOf(b)).toEqual(['u1', 'u2']);
    expect(await lastAudit()).toMatchObject({
      action: 'devices.bulk_untag',
      details: { tags: ['u1'], matched: 1, changed: 1 },
    });
  });

  it('moves a target into a group and out again; an unknown group is a 404', async () => {
    const [a, b] = await newDevices(2);
    const group = await request(server.url)
      .post('/api/groups')
      .set('Authorization', technician)
      .send({ name: 'Bulk site' })
      .expect(201);
    const groupId = group.body.id as string;
    const groupOf = async (id: string) =>
      (
        await query<{ group_id: string | null }>(`SELECT group_id FROM device WHERE id = $1`, [id])
      )[0].group_id;

    const missing = await post('group', technician, {
      target: { deviceIds: [a] },
      groupId: '00000000-0000-4000-8000-000000000000',
    }).expect(404);
    expect(missing.body.code).toBe('GROUP_NOT_FOUND');
    await post('group', technician, { target: { deviceIds: [a] } }).expect(400);

    const moved = await post('group', technician, {
      target: { deviceIds: [a, b] },
      groupId,
    }).expect(200);
    expect(moved.body).toEqual({ matched: 2, changed: 2 });
    expect(await groupOf(b)).toBe(groupId);
    expect(await lastAudit()).toMatchObject({
      action: 'devices.bulk_group',
      details: { groupId, matched: 2, changed: 2 },
    });

    const out = await post('group', technician, {
      target: { groupIds: [groupId] },
      groupId: null,
    }).expect(200);
    expect(out.body).toEqual({ matched: 2, changed: 2 });
    expect(await groupOf(a)).toBeNull();
  });

  it('rolls the whole action back when a statement fails midway', async () => {
    const [a, b] = await newDevices(2);
    // The audit insert is the last statement of the transaction: make it fail, after the
    // tag and its links were written, and nothing of them may stay.
    await query(`CREATE FUNCTION bulk_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.details->'tags' ? 'doomed' THEN RAISE EXCEPTION 'refused by test'; END IF;
        RETURN NEW;
      END $$`);
    await query(`CREATE TRIGGER bulk_test_refuse BEFORE INSERT ON audit_event
      FOR EACH ROW EXECUTE FUNCTION bulk_test_refuse()`);
    try {
      const res = await post('tag', technician, {
        target: { deviceIds: [a, b] },
        tags: ['doomed'],
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await query(`DROP TRIGGER bulk_test_refuse ON audit_event`);
      await query(`DROP FUNCTION bulk_test_refuse()`);
    }
    expect(await query(`SELECT 1 FROM tag WHERE name = 'doomed'`)).toEqual([]);
    expect(await tagsOf(a)).toEqual([]);
    expect(await tagsOf(b)).toEqual([]);
  });

  it('revokes a target and closes its connected agents at once', async () => {
    const enrolled = await enroll(server.url, token);
    const [other] = await newDevices(1);
    const agent = await connectAgent(server.url, enrolled);
    const started = Date.now();
    const res = await post('revoke', technician, {
      target: { deviceIds: [enrolled.deviceId, other] },
    }).expect(200);
    expect(res.body).toEqual({ matched: 2, changed: 2 });
    expect((await agent.closed).code).toBe(CloseCode.REVOKED);
    expect(Date.now() - started).toBeLessThan(1000);
    const rows = await query<{ revoked_at: Date | null }>(
      `SELECT revoked_at FROM device WHERE id = ANY($1::uuid[])`,
      [[enrolled.deviceId, other]],
    );
    expect(rows.map((r) => r.revoked_at !== null)).toEqual([true, true]);
    expect(await lastAudit()).toMatchObject({
      action: 'devices.bulk_revoke',
      details: { matched: 2, changed: 2 },
    });
    // A target never names a revoked device, so a second revoke finds nothing to do.
    const before = await countRows(server, 'audit_event');
    const again = await post('revoke', technician, {
      target: { deviceIds: [enrolled.deviceId] },
    }).expect(200);
    expect(again.body).toEqual({ matched: 0, changed: 0 });
    expect(await countRows(server, 'audit_event')).toBe(before);
  });

  it('deletes a target (admin only) and acts on every device only with an explicit all', async () => {
    const [a, b] = await newDevices(2);
    const res = await post('delete', admin, { target: { deviceIds: [a, b] } }).expect(200);
    expect(res.body).toEqual({ matched: 2, changed: 2 });
    expect(await query(`SELECT id FROM device WHERE id = ANY($1::uuid[])`, [[a, b]])).toEqual([]);
    await request(server.url).get(`/api/devices/${a}`).set('Authorization', admin).expect(404);
    expect(await lastAudit()).toMatchObject({
      action: 'devices.bulk_delete',
      details: { target: { deviceIds: [a, b] }, matched: 2, changed: 2 },
    });

    // Revoked devices are what a clean-up deletes: a delete reaches them, other actions do not.
    const [c] = await newDevices(1);
    await post('revoke', technician, { target: { deviceIds: [c] } }).expect(200);
    await post('tag', technician, { target: { deviceIds: [c] }, tags: ['gone'] })
      .expect(200)
      .expect({ matched: 0, changed: 0 });
    await post('delete', admin, { target: { deviceIds: [c] } })
      .expect(200)
      .expect({ matched: 1, changed: 1 });
    expect(await query(`SELECT id FROM device WHERE id = $1`, [c])).toEqual([]);

    const [{ n }] = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM device WHERE revoked_at IS NULL`,
    );
    const all = await post('tag', technician, { target: { all: true }, tags: ['fleet'] }).expect(
      200,
    );
    expect(all.body).toEqual({ matched: n, changed: n });
  });

  it('keeps a long id list out of the audit event: a sample and the count', async () => {
    const ids = await newDevices(25);
    await post('tag', technician, { target: { deviceIds: ids }, tags: ['many'] }).expect(200);
    const event = await lastAudit();
    const target = event.details.target as { deviceIds: string[]; deviceIdCount: number };
    expect(target.deviceIds).toHaveLength(20);
    expect(target.deviceIdCount).toBe(25);
    expect(event.details.matched).toBe(25);
  });
  it('documents every bulk route in the OpenAPI document with its body and answer', async () => {
    const doc = (await request(server.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, { post?: { requestBody?: unknown; responses: object } }>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    for (const action of ['tag', 'untag', 'group', 'revoke', 'delete']) {
      const op = doc.paths[`/api/devices/bulk/${action}`]?.post;
      expect(op?.requestBody).toBeDefined();
      expect(JSON.stringify(op?.responses)).toContain('BulkActionResponse');
    }
    expect(doc.components.schemas.BulkTagDto.required).toEqual(
      expect.arrayContaining(['target', 'tags']),
    );
  });
});
