import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

/** `{"a":{"a":...}}` n levels deep, built as text: building it as an object would recurse. */
function nested(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/**
 * The inputs a black-box audit found answering 500, one test per class: NUL and lone
 * surrogates in any string, numbers beyond their column, dates beyond PostgreSQL's range and
 * deeply nested bodies. Each must be a 400 that names the field, and write nothing.
 */
describe('hostile input (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let deviceId: string;
  let enrollToken: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000', LOGIN_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const res = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'hostile' })
      .expect(201);
    enrollToken = res.body.token as string;
    deviceId = (await enroll(server.url, enrollToken)).deviceId;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const tables = ['user', 'device', 'device_group', 'api_token', 'enrollment_token', 'job'];
  async function rows(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = await countRows(server, t);
    return out;
  }

  it.each([
    '/api/devices?q=%00',
    '/api/devices?q=a%00b',
    '/api/audit?targetType=%00',
    '/api/audit?targetId=x%00',
    '/api/scripts?q=%00',
    '/api/devices/DEVICE/software?q=%00',
    '/api/jobs?q[]=%00',
    '/api/devices/%00',
    '/api/tags/%00',
  ])('GET %s answers 400 naming the problem', async (path) => {
    const res = await request(server.url)
      .get(path.replace('DEVICE', deviceId))
      .set('Authorization', admin);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/NUL/);
  });

  const NUL = 'a\u0000b';
  const LONE = 'a\ud800b';
  it.each([
    ['POST', '/api/groups', { name: NUL }],
    ['POST', '/api/groups', { name: LONE }],
    ['PATCH', '/api/devices/DEVICE', { name: NUL }],
    ['PATCH', '/api/devices/DEVICE', { name: LONE }],
    [
      'POST',
      '/api/users',
      { email: 'n@example.com', displayName: NUL, password: 'x'.repeat(16), role: 'viewer' },
    ],
    ['POST', '/api/enrollment-tokens', { name: NUL }],
    ['POST', '/api/tokens', { name: LONE }],
    ['POST', '/api/jobs', { command: { language: 'sh', body: NUL }, target: { all: true } }],
    ['POST', '/api/jobs', { command: { language: 'sh', body: 'id' }, target: { tags: [NUL] } }],
    [
      'POST',
      '/api/jobs',
      {
        script: { id: '00000000-0000-4000-8000-000000000000', params: { [NUL]: 1 } },
        target: { all: true },
      },
    ],
    ['POST', '/api/auth/login', { email: NUL, password: 'x' }],
  ])(
    '%s %s with NUL or a lone surrogate answers 400 and writes nothing',
    async (method, path, body) => {
      const before = await rows();
      const res = await request(server.url)
        [method === 'POST' ? 'post' : 'patch'](path.replace('DEVICE', deviceId))
        .set('Authorization', admin)
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toMatch(/NUL|surrogate/);
      expect(await rows()).toEqual(before);
    },
  );

  it('refuses NUL in the enroll facts and enrolls nothing', async () => {
    const before = await countRows(server, 'device');
    const res = await request(server.url)
      .post('/api/agent/enroll')
      .send({
        token: enrollToken,
        publicKey: 'x',
        facts: { hostname: 'h\u0000', os: { platform: 'linux' }, agentVersion: 't' },
      });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'facts.hostname', reason: expect.stringMatching(/NUL/) },
    ]);
    expect(await countRows(server, 'device')).toBe(before);
  });

  it.each([
    '/api/devices',
    '/api/users',
    '/api/audit',
    '/api/scripts',
    '/api/jobs',
    '/api/runs',
    '/api/devices/DEVICE/software',
    '/api/jobs/00000000-0000-4000-8000-000000000000/runs',
  ])('GET %s?page=1e20 answers 400 naming page', async (path) => {
    const res = await request(server.url)
      .get(`${path.replace('DEVICE', deviceId)}?page=100000000000000000000`)
      .set('Authorization', admin);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('page');
  });

  it('the largest page still answers (empty), not an overflow', async () => {
    const res = await request(server.url)
      .get('/api/devices?page=2147483647&pageSize=200')
      .set('Authorization', admin)
      .expect(200);
    expect(res.body.items).toEqual([]);
  });

  it.each(['99999999999999999999', '2147483648', '-2'])(
    'GET /api/runs/:id?afterSeq=%s answers 400',
    async (afterSeq) => {
      const res = await request(server.url)
        .get(`/api/runs/00000000-0000-4000-8000-000000000000?afterSeq=${afterSeq}`)
        .set('Authorization', admin);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['afterSeq']);
    },
  );

  it.each(['-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z'])(
    'GET /api/audit?since=%s answers 400',
    async (date) => {
      for (const field of ['since', 'until']) {
        const res = await request(server.url)
          .get(`/api/audit?${field}=${encodeURIComponent(date)}`)
          .set('Authorization', admin);
        expect(res.status).toBe(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      }
    },
  );

  it('a date inside the range still filters', async () => {
    await request(server.url)
      .get('/api/audit?since=2020-01-01T00:00:00Z&until=9999-12-31T00:00:00Z')
      .set('Authorization', admin)
      .expect(200);
  });

  it.each(['/api/auth/login', '/api/agent/enroll'])(
    'answers a body nested 100k levels deep on %s with a quick 400, and stays up',
    async (path) => {
      const started = Date.now();
      const res = await request(server.url)
        .post(path)
        .set('Content-Type', 'application/json')
        .send(nested(100_000));
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/nested more than 32 levels/);
      expect(Date.now() - started).toBeLessThan(2000);
      const arrays = await request(server.url)
        .post(path)
        .set('Content-Type', 'application/json')
        .send(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
      expect(arrays.status).toBe(400);
      await request(server.url).get('/health').expect(200);
    },
  );

  it('still accepts nesting up to the limit where the DTO allows free-form objects', async () => {
    // Job params are free-form: 30 levels under `params` is within the limit, so the request is
    // judged on its merits (an unknown script), not refused for its shape.
    const res = await request(server.url)
      .post('/api/jobs')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send(
        `{"script":{"id":"00000000-0000-4000-8000-000000000000","params":${nested(28)}},"target":{"all":true}}`,
      );
    expect(res.status).not.toBe(500);
    expect(res.body.message).not.toMatch(/nested/);
  });
});
