import request from 'supertest';
import { connectAgent, enroll, sampleInventory } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { DevicesService } from './devices.service';

describe('devices API (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  const ids: Record<string, string> = {};

  const get = (path: string) => request(server.url).get(path).set('Authorization', admin);
  const names = (res: request.Response) =>
    (res.body.items as { hostname: string }[]).map((d) => d.hostname);

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const web = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'web', tags: ['web'] })
      .expect(201);
    const plain = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'plain' })
      .expect(201);
    for (const [host, tok] of [
      ['alpha', web],
      ['bravo', web],
      ['charlie', plain],
      ['delta', plain],
    ] as const) {
      ids[host] = (await enroll(server.url, tok.body.token as string, host)).deviceId;
    }
    // charlie reports a distinct IP, and is online.
    const charlie = await enroll(server.url, plain.body.token as string, 'echo');
    ids.echo = charlie.deviceId;
    const agent = await connectAgent(server.url, charlie);
    agent.send('inventory', {
      ...sampleInventory('echo'),
      network: [{ name: 'eth0', mac: '02:00:00:00:00:09', ipv4: ['192.0.2.77'], ipv6: [] }],
    });
    await agent.next('ack');
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('lists with pagination and stable sorting', async () => {
    const page1 = await get('/api/devices?pageSize=2&sort=hostname').expect(200);
    expect(page1.body.total).toBe(5);
    expect(names(page1)).toEqual(['alpha', 'bravo']);
    expect(names(await get('/api/devices?pageSize=2&page=3&sort=hostname'))).toEqual(['echo']);
    expect(names(await get('/api/devices?sort=hostname&order=desc'))[0]).toBe('echo');
  });

  it('filters by status, OS, tag, group and free text (hostname or IP)', async () => {
    expect(names(await get('/api/devices?status=online'))).toEqual(['echo']);
    expect((await get('/api/devices?status=offline')).body.total).toBe(4);
    expect(names(await get('/api/devices?tag=web&sort=hostname'))).toEqual(['alpha', 'bravo']);
    expect((await get('/api/devices?os=linux')).body.total).toBe(5);
    expect((await get('/api/devices?os=win32')).body.total).toBe(0);
    expect(names(await get('/api/devices?q=HARL'))).toEqual(['charlie']);
    expect(names(await get('/api/devices?q=192.0.2.77'))).toEqual(['echo']);
    // LIKE wildcards in the search are taken literally.
    expect((await get('/api/devices?q=%25')).body.total).toBe(0);

    const group = await request(server.url)
      .post('/api/groups')
      .set('Authorization', admin)
      .send({ name: 'Lyon' })
      .expect(201);
    await request(server.url)
      .patch(`/api/devices/${ids.delta}`)
      .set('Authorization', admin)
      .send({ groupId: group.body.id })
      .expect(200);
    expect(names(await get(`/api/devices?groupId=${group.body.id}`))).toEqual(['delta']);
    const groups = await get('/api/groups').expect(200);
    expect(groups.body.find((g: { name: string }) => g.name === 'Lyon').deviceCount).toBe(1);
  });

  it('renames, tags and untags a device; agent strings come back as plain data', async () => {
    const renamed = await request(server.url)
      .patch(`/api/devices/${ids.alpha}`)
      .set('Authorization', admin)
      .send({ name: '<img src=x onerror=alert(1)>' })
      .expect(200);
    expect(renamed.body).toMatchObject({
      name: '<img src=x onerror=alert(1)>',
      displayName: '<img src=x onerror=alert(1)>',
    });
    expect(renamed.headers['content-type']).toMatch(/application\/json/);

    const tagged = await request(server.url)
      .post(`/api/devices/${ids.alpha}/tags`)
      .set('Authorization', admin)
      .send({ tags: ['DB', 'site:paris'] })
      .expect(200);
    expect(tagged.body.tags).toEqual(['db', 'site:paris', 'web']);
    const untagged = await request(server.url)
      .delete(`/api/devices/${ids.alpha}/tags/web`)
      .set('Authorization', admin)
      .expect(200);
    expect(untagged.body.tags).toEqual(['db', 'site:paris']);
    await request(server.url)
      .delete(`/api/devices/${ids.alpha}/tags/web`)
      .set('Authorization', admin)
      .expect(404);
    await request(server.url)
      .post(`/api/devices/${ids.alpha}/tags`)
      .set('Authorization', admin)
      .send({ tags: ['<b>'] })
      .expect(400);
    const tags = await get('/api/tags').expect(200);
    expect(tags.body.find((t: { name: string }) => t.name === 'db').deviceCount).toBe(1);
  });

  it('refuses a group that does not exist, and a viewer', async () => {
    const res = await request(server.url)
      .patch(`/api/devices/${ids.bravo}`)
      .set('Authorization', admin)
      .send({ groupId: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('GROUP_NOT_FOUND');
    await request(server.url)
      .post('/api/users')
      .set('Authorization', admin)
      .send({
        email: 'v@example.com',
        displayName: 'V',
        password: 'viewer-password-1',
        role: 'viewer',
      })
      .expect(201);
    const viewer = await login(server, 'v@example.com', 'viewer-password-1');
    await request(server.url).get('/api/devices').set('Authorization', viewer).expect(200);
    await request(server.url)
      .post(`/api/devices/${ids.bravo}/revoke`)
      .set('Authorization', viewer)
      .expect(403);
  });

  it('stores a reported zone the server knows; an unknown one is left out, the inventory kept', async () => {
    const tok = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'zones' })
      .expect(201);
    const identity = await enroll(server.url, tok.body.token as string, 'zoned');
    const agent = await connectAgent(server.url, identity);
    try {
      agent.send('inventory', { ...sampleInventory('zoned'), timeZone: 'Europe/Paris' });
      await agent.next('ack');
      const known = await get(`/api/devices/${identity.deviceId}`).expect(200);
      expect(known.body).toMatchObject({ hostname: 'zoned', timeZone: 'Europe/Paris' });

      // Shaped like a zone (the agent no longer asks ICU), unknown to this server.
      agent.send('inventory', { ...sampleInventory('zoned-2'), timeZone: 'Mars/Olympus' });
      await agent.next('ack');
      const unknown = await get(`/api/devices/${identity.deviceId}`).expect(200);
      expect(unknown.body).toMatchObject({ hostname: 'zoned-2', timeZone: 'Europe/Paris' });
    } finally {
      agent.close();
      // The other tests count the fleet.
      await request(server.url)
        .delete(`/api/devices/${identity.deviceId}`)
        .set('Authorization', admin)
        .expect(204);
    }
  });

  it('resolves a job target: the union of what it names, never a revoked device', async () => {
    const devices = server.app.get(DevicesService);
    const resolve = async (t: Parameters<DevicesService['resolveTarget']>[0]) =>
      (await devices.resolveTarget(t)).map((id) => hosts[id]).sort();
    const hosts = Object.fromEntries(Object.entries(ids).map(([h, id]) => [id, h]));
    const groups = await get('/api/groups').expect(200);
    const lyon = (groups.body as { id: string; name: string }[]).find((g) => g.name === 'Lyon');

    expect(await resolve({ tags: ['web'] })).toEqual(['bravo']);
    expect(await resolve({ groupIds: [lyon?.id as string] })).toEqual(['delta']);
    expect(await resolve({ deviceIds: [ids.charlie], tags: ['db'] })).toEqual(['alpha', 'charlie']);
    expect(await resolve({ os: ['win32'] })).toEqual([]);
    expect(await resolve({ tags: ['no-such-tag'], deviceIds: [] })).toEqual([]);
    expect(await resolve({ os: ['linux'] })).toHaveLength(5);

    await request(server.url)
      .post(`/api/devices/${ids.charlie}/revoke`)
      .set('Authorization', admin)
      .expect(200);
    expect(await resolve({ all: true })).toEqual(['alpha', 'bravo', 'delta', 'echo']);
    expect(await resolve({ deviceIds: [ids.charlie] })).toEqual([]);
  });

  it('deletes a device (admin) with its inventory', async () => {
    await request(server.url)
      .delete(`/api/devices/${ids.echo}`)
      .set('Authorization', admin)
      .expect(204);
    await get(`/api/devices/${ids.echo}`).expect(404);
    const rows = await server.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM device_inventory WHERE device_id = $1`,
      [ids.echo],
    );
    expect(rows[0].n).toBe(0);
  });
});
