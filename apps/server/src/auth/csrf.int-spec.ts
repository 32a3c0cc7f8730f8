import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';

/** A sibling host on the same site: SameSite=Strict still sends the cookie from there. */
const FOREIGN = 'http://evil.localhost:8080';
const ALLOWED = 'https://console.example.com';
const JOB = { command: { language: 'sh', body: 'id' }, target: { os: ['linux'] } };

describe('cross-site requests (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let cookie: string;
  let bearer: string;
  let self: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { CONSOLE_ORIGINS: ALLOWED });
    const admin = await login(server, ADMIN.email, ADMIN.password);
    const token = await request(server.url)
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'csrf' })
      .expect(201);
    // A Linux device, so the job in the reproduction has somewhere to run.
    await enroll(server.url, token.body.token as string);
    const tech = await factories(server).user({ role: 'technician' });
    bearer = await tech.auth();
    cookie = `fleetdesk_session=${bearer.replace(/^Bearer /, '')}`;
    self = new URL(server.url).origin;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function expectNoJob(send: () => Promise<request.Response>, statuses: number[]) {
    const before = await countRows(server, 'job');
    const res = await send();
    expect(statuses).toContain(res.status);
    expect(typeof res.body.message).toBe('string');
    expect(await countRows(server, 'job')).toBe(before);
    return res;
  }

  it('refuses the form-encoded reproduction from another origin and creates no job', async () => {
    const res = await expectNoJob(
      () =>
        request(server.url)
          .post('/api/jobs')
          .set('Cookie', cookie)
          .set('Origin', FOREIGN)
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send('command[language]=sh&command[body]=id&target[os][0]=linux'),
      [415, 403],
    );
    expect(res.status).toBe(415);
  });

  it.each([
    ['text/plain', 'text/plain', JSON.stringify(JOB)],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\nid\r\n--x--\r\n'],
    ['no content type', undefined, JSON.stringify(JOB)],
  ])('answers 415 to a %s body even with a valid bearer token', async (_name, type, body) => {
    const res = await expectNoJob(() => {
      const req = request(server.url).post('/api/jobs').set('Authorization', bearer);
      if (type) void req.set('Content-Type', type);
      else void req.unset('Content-Type');
      return req.send(Buffer.from(body));
    }, [415]);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(res.body.message).toContain('application/json');
  });

  it('refuses the same job as JSON with a foreign Origin (403) and creates no job', async () => {
    const res = await expectNoJob(
      () =>
        request(server.url)
          .post('/api/jobs')
          .set('Cookie', cookie)
          .set('Origin', FOREIGN)
          .send(JOB),
      [403],
    );
    expect(res.body.code).toBe('AUTH_CROSS_ORIGIN');
  });

  it.each([
    ['an opaque origin', { Origin: 'null' }],
    ['a foreign origin on another port', { Origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site: same-site without Origin', { 'Sec-Fetch-Site': 'same-site' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('refuses a cookie request with %s', async (_name, headers) => {
    await expectNoJob(
      () => request(server.url).post('/api/jobs').set('Cookie', cookie).set(headers).send(JOB),
      [403],
    );
  });

  it.each([
    ['its own origin', { Origin: '' }],
    ['an origin in CONSOLE_ORIGINS', { Origin: ALLOWED }],
    ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin' }],
  ])('accepts a cookie request from %s', async (_name, headers) => {
    const set = { ...headers, ...('Origin' in headers && !headers.Origin ? { Origin: self } : {}) };
    const before = await countRows(server, 'job');
    await request(server.url)
      .post('/api/jobs')
      .set('Cookie', cookie)
      .set(set)
      .send(JOB)
      .expect(201);
    expect(await countRows(server, 'job')).toBe(before + 1);
  });

  it('lets a cookie read from anywhere: GET changes nothing', async () => {
    await request(server.url)
      .get('/api/jobs')
      .set('Cookie', cookie)
      .set('Origin', FOREIGN)
      .expect(200);
  });

  it('leaves bearer tokens alone: a foreign Origin with a bearer token works', async () => {
    const before = await countRows(server, 'job');
    await request(server.url)
      .post('/api/jobs')
      .set('Authorization', bearer)
      .set('Origin', FOREIGN)
      .set('Sec-Fetch-Site', 'cross-site')
      .send(JOB)
      .expect(201);
    expect(await countRows(server, 'job')).toBe(before + 1);
  });
});
