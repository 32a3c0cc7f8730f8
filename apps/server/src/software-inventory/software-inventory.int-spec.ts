import request from 'supertest';
import type { InventoryBody } from '@fleetdesk/protocol';
import type { SoftwareDevicesPage, SoftwareVersionsResponse } from '@fleetdesk/api-types';
import { connectAgent, enroll, sampleInventory } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

type Software = InventoryBody['software'];
const NAMES = '7zip.7zip,P7ZIP-full';

describe('software inventory API (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let viewer: string;
  let technician: string;
  const ids: Record<string, string> = {};

  const get = (path: string, auth = admin) =>
    request(server.url).get(`/api/software-inventory${path}`).set('Authorization', auth);
  const hosts = (res: request.Response) =>
    (res.body as SoftwareDevicesPage).items.map((d) => d.hostname);

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    viewer = await (await fx.user({ role: 'viewer' })).auth();
    technician = await (await fx.user({ role: 'technician' })).auth();
    const token = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'software' })
      .expect(201);
    const report = async (host: string, platform: string, software: Software | null) => {
      const id = await enroll(server.url, token.body.token as string, host);
      ids[host] = id.deviceId;
      if (software === null) return; // enrolled, never reported an inventory
      const agent = await connectAgent(server.url, id);
      const inv = sampleInventory(host, software);
      agent.send('inventory', { ...inv, os: { ...inv.os, platform } });
      await agent.next('ack');
      agent.close();
    };
    const curl: Software[number] = { name: 'curl', version: '7.88.1-10', source: 'dpkg' };
    await report('win-new', 'win32', [{ name: '7zip.7zip', version: '23.01', source: 'winget' }]);
    // 9.0 sorts after 23.01 as text; the manager's order says it is older.
    await report('win-old', 'win32', [{ name: '7zip.7zip', version: '9.0', source: 'winget' }]);
    await report('deb-old', 'linux', [
      curl,
      { name: 'p7zip-full', version: '16.02+dfsg-8', source: 'dpkg' },
    ]);
    // Two versions side by side; one of them is the newest, so it is not outdated.
    await report('deb-new', 'linux', [
      { name: 'p7zip-full', version: '16.02+dfsg-8', source: 'dpkg' },
      { name: 'p7zip-full', version: '1:9.20-1', source: 'dpkg' },
    ]);
    // A hostname a spreadsheet would run as a formula.
    await report('=cmd|calc', 'linux', [curl]);
    await report('silent', 'linux', null);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('lists the devices that have a package under any of its names, by name', async () => {
    const res = await get(`/devices?name=${NAMES}`).expect(200);
    expect(hosts(res)).toEqual(['deb-new', 'deb-old', 'win-new', 'win-old']);
    expect(res.body.total).toBe(4);
    expect(res.body.items[0]).toMatchObject({
      deviceId: ids['deb-new'],
      osPlatform: 'linux',
      versions: ['16.02+dfsg-8', '1:9.20-1'], // oldest first, by dpkg's order
      sources: ['dpkg'],
    });
    expect(res.body.newest).toEqual([
      { source: 'dpkg', version: '1:9.20-1' },
      { source: 'winget', version: '23.01' },
    ]);
  });

  it('finds the devices lacking it among those that reported inventory', async () => {
    const res = await get(`/devices?name=${NAMES}&presence=missing`).expect(200);
    expect(hosts(res)).toEqual(['=cmd|calc']);
    expect(res.body.items[0]).toMatchObject({ versions: [], sources: [] });
  });

  it('finds the devices running an older version than the fleet’s newest, per manager', async () => {
    const res = await get(`/devices?name=${NAMES}&presence=outdated`).expect(200);
    expect(hosts(res)).toEqual(['deb-old', 'win-old']);
  });

  it('filters by OS, version, source and name prefix', async () => {
    expect(hosts(await get(`/devices?name=${NAMES}&os=win32`))).toEqual(['win-new', 'win-old']);
    expect(hosts(await get(`/devices?name=${NAMES}&version=16.02%2Bdfsg-8`))).toEqual([
      'deb-new',
      'deb-old',
    ]);
    expect(hosts(await get(`/devices?name=${NAMES}&source=winget&presence=outdated`))).toEqual([
      'win-old',
    ]);
    expect(hosts(await get(`/devices?name=${NAMES}&os=linux&presence=missing`))).toEqual([
      '=cmd|calc',
    ]);
    expect(hosts(await get('/devices?name=7ZIP&match=prefix'))).toEqual(['win-new', 'win-old']);
    // LIKE's wildcards are literal: "%" matches no name.
    expect(hosts(await get('/devices?name=%25&match=prefix'))).toEqual([]);
  });

  it('pages, with the total of every match', async () => {
    const page2 = await get(`/devices?name=${NAMES}&pageSize=3&page=2`).expect(200);
    expect(hosts(page2)).toEqual(['win-old']);
    expect(page2.body).toMatchObject({ total: 4, page: 2, pageSize: 3 });
    const beyond = await get(`/devices?name=${NAMES}&pageSize=3&page=9`).expect(200);
    expect(beyond.body).toMatchObject({ items: [], total: 4 });
  });

  it('counts every version with the newest marked, and devices with and without it', async () => {
    const res = await get(`/versions?name=${NAMES}`).expect(200);
    expect(res.body as SoftwareVersionsResponse).toEqual({
      versions: [
        { source: 'dpkg', version: '1:9.20-1', devices: 1, newest: true },
        { source: 'dpkg', version: '16.02+dfsg-8', devices: 2, newest: false },
        { source: 'winget', version: '23.01', devices: 1, newest: true },
        { source: 'winget', version: '9.0', devices: 1, newest: false },
      ],
      installed: 4,
      missing: 1,
    });
    const win = await get(`/versions?name=${NAMES}&os=win32`).expect(200);
    expect(win.body).toMatchObject({ installed: 2, missing: 0 });
    expect((win.body as SoftwareVersionsResponse).versions.map((v) => v.version)).toEqual([
      '23.01',
      '9.0',
    ]);
  });

  it('suggests names by prefix', async () => {
    expect((await get('/names?prefix=P').expect(200)).body).toEqual({ names: ['p7zip-full'] });
    expect((await get('/names?prefix=c').expect(200)).body).toEqual({ names: ['curl'] });
    expect((await get('/names?prefix=zz').expect(200)).body).toEqual({ names: [] });
  });

  it('exports every matching device as CSV, formula cells defused, and audits it', async () => {
    const res = await get(`/devices.csv?name=${NAMES}&presence=missing`, technician).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="software-missing.csv"');
    expect(res.text).toBe(
      'device_id,name,hostname,status,os_platform,os_distro,versions,sources\r\n' +
        `${ids['=cmd|calc']},'=cmd|calc,'=cmd|calc,offline,linux,Debian GNU/Linux,,\r\n`,
    );
    const all = await get(`/devices.csv?name=${NAMES}`, technician).expect(200);
    expect(all.text.trimEnd().split('\r\n').slice(1)).toEqual([
      `${ids['deb-new']},deb-new,deb-new,offline,linux,Debian GNU/Linux,16.02+dfsg-8 1:9.20-1,dpkg`,
      `${ids['deb-old']},deb-old,deb-old,offline,linux,Debian GNU/Linux,16.02+dfsg-8,dpkg`,
      `${ids['win-new']},win-new,win-new,offline,win32,Debian GNU/Linux,23.01,winget`,
      `${ids['win-old']},win-old,win-old,offline,win32,Debian GNU/Linux,9.0,winget`,
    ]);
    const audit = await request(server.url)
      .get('/api/audit?action=software_inventory.export')
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'software_inventory.export',
      details: { names: ['7zip.7zip', 'p7zip-full'], presence: 'installed' },
    });
  });

  it('answers reads to any signed-in role, the export to technicians and up', async () => {
    await request(server.url).get(`/api/software-inventory/devices?name=curl`).expect(401);
    await request(server.url).get(`/api/software-inventory/devices.csv?name=curl`).expect(401);
    await get('/devices?name=curl', viewer).expect(200);
    await get('/versions?name=curl', viewer).expect(200);
    const denied = await get('/devices.csv?name=curl', viewer).expect(403);
    expect(denied.body.code).toBe('AUTH_ROLE_FORBIDDEN');
  });

  it('refuses bad input with a clear error', async () => {
    const bad = async (path: string, field: string, reason: RegExp) => {
      const res = await get(path).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([{ field, reason: expect.stringMatching(reason) }]),
      );
    };
    await bad('/devices', 'name', /comma-separated/);
    await bad('/devices?name=,%20,', 'name', /at least one package name/);
    await bad(
      `/devices?name=${Array.from({ length: 17 }, (_, i) => `p${i}`).join(',')}`,
      'name',
      /at most 16 names/,
    );
    await bad(`/devices?name=${'x'.repeat(256)}`, 'name', /at most 255 characters/);
    await bad('/devices?name=a%01b', 'name', /control characters/);
    await bad('/devices?name=curl&presence=gone', 'presence', /must be one of/);
    await bad('/devices?name=curl&source=npm', 'source', /must be one of/);
    await bad('/devices?name=curl&match=fuzzy', 'match', /must be one of/);
    await bad('/devices?name=curl&pageSize=1000', 'pageSize', /must not be greater than 200/);
    await bad('/devices?name=curl&name=wget', 'name', /comma-separated/);
    await bad('/names', 'prefix', /./);
    const missingVersion = await get('/devices?name=curl&presence=missing&version=1').expect(400);
    expect(missingVersion.body.code).toBe('SOFTWARE_VERSION_FILTER_NOT_APPLICABLE');
    await get('/devices.csv?name=curl&presence=missing&version=1', technician).expect(400);
  });

  it('leaves revoked devices out', async () => {
    await request(server.url)
      .post(`/api/devices/${ids['win-old']}/revoke`)
      .set('Authorization', admin)
      .expect((res) => expect([200, 201]).toContain(res.status));
    expect(hosts(await get(`/devices?name=${NAMES}&presence=outdated`))).toEqual(['deb-old']);
    expect((await get(`/versions?name=${NAMES}`)).body).toMatchObject({ installed: 3 });
  });
});
