import { connect } from 'node:net';
import { io } from 'socket.io-client';
import request from 'supertest';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/** Cookie headers no browser we issued a session to would send; each must be a plain 401. */
const MALFORMED_COOKIES: [string, string][] = [
  ['bad percent-encoding', 'fleetdesk_session=%E0%A4%A'],
  ['an encoded NUL', 'fleetdesk_session=fds_%00abc'],
  ['an over-long value', `fleetdesk_session=fds_${'a'.repeat(6000)}`],
  ['characters we never issue', 'fleetdesk_session=fds_<script>'],
];

const MALFORMED_BEARERS = [
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'Bearer  fdp_abc',
  'Bearer a b',
];

/** Sends raw bytes Node's own HTTP client refuses to send, and returns the status line's code. */
function rawStatus(server: TestServer, head: string): Promise<number> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(head));
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)));
  });
}

describe('reading credentials (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let session: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    session = (await login(server, ADMIN.email, ADMIN.password)).replace(/^Bearer /, '');
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  describe('REST', () => {
    it('accepts the session cookie beside other cookies, and a bearer token', async () => {
      await request(server.url)
        .get('/api/auth/me')
        .set('Cookie', `theme=dark; fleetdesk_session=${session}; other=%E0%A4%A`)
        .expect(200);
      await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${session}`)
        .expect(200);
    });

    it.each([
      ...MALFORMED_COOKIES,
      ['two session cookies', `fleetdesk_session=${'fds_x'}; fleetdesk_session=fds_y`],
    ])('answers 401 AUTH_MALFORMED to a cookie with %s', async (_name, cookie) => {
      // A read, and a write that would create a job if anything let it through.
      for (const send of [
        () => request(server.url).get('/api/auth/me'),
        () => request(server.url).post('/api/jobs').send({}),
      ]) {
        const res = await send().set('Cookie', cookie);
        expect({ status: res.status, code: res.body.code }).toEqual({
          status: 401,
          code: 'AUTH_MALFORMED',
        });
        expect(res.body.message).toMatch(/could not be read \(.+\)/);
      }
    });

    it('refuses two session cookies even when one of them is valid', async () => {
      const res = await request(server.url)
        .get('/api/auth/me')
        .set('Cookie', `fleetdesk_session=${session}; fleetdesk_session=fds_other`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH_MALFORMED');
    });

    it.each(MALFORMED_BEARERS)('answers 401 AUTH_MALFORMED to Authorization "%s"', async (h) => {
      const res = await request(server.url).get('/api/auth/me').set('Authorization', h);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH_MALFORMED');
    });

    it('lets a bearer token decide when a cookie comes too, valid or not', async () => {
      await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${session}`)
        .set('Cookie', 'fleetdesk_session=%E0%A4%A')
        .expect(200);
      // A bad bearer is not rescued by a good cookie.
      const res = await request(server.url)
        .get('/api/auth/me')
        .set('Authorization', 'Bearer fds_forged')
        .set('Cookie', `fleetdesk_session=${session}`);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('AUTH_INVALID');
    });

    it('leaves a raw NUL or a huge Cookie header to Node (4xx), and stays healthy', async () => {
      const host = new URL(server.url).host;
      // Node's HTTP parser refuses a NUL in a header value before any of our code runs.
      const nul = await rawStatus(
        server,
        `GET /api/auth/me HTTP/1.1\r\nHost: ${host}\r\nCookie: fleetdesk_session=fds_\0x\r\nConnection: close\r\n\r\n`,
      );
      expect(nul).toBe(400);
      const huge = await request(server.url)
        .get('/api/auth/me')
        .set('Cookie', `fleetdesk_session=fds_${'a'.repeat(20_000)}`);
      expect(huge.status).toBe(431);
      await request(server.url).get('/health').expect(200);
      await request(server.url)
        .get('/api/auth/me')
        .set('Cookie', `fleetdesk_session=${session}`)
        .expect(200);
    });
  });

  describe('console socket', () => {
    function handshake(options: {
      cookie?: string;
      authorization?: string;
      auth?: Record<string, unknown>;
    }): Promise<string> {
      const extraHeaders: Record<string, string> = {};
      if (options.cookie !== undefined) extraHeaders.Cookie = options.cookie;
      if (options.authorization !== undefined) extraHeaders.Authorization = options.authorization;
      const socket = io(server.url, {
        transports: ['websocket'],
        reconnection: false,
        extraHeaders,
        auth: options.auth ?? {},
      });
      return new Promise<string>((resolve) => {
        socket.on('connect', () => resolve('connected'));
        socket.on('connect_error', (e) => resolve(e.message));
      }).finally(() => socket.close());
    }

    it('connects with the session cookie, a bearer header, or auth.token', async () => {
      expect(await handshake({ cookie: `a=1; fleetdesk_session=${session}` })).toBe('connected');
      expect(await handshake({ authorization: `Bearer ${session}` })).toBe('connected');
      expect(await handshake({ auth: { token: session } })).toBe('connected');
      expect(await handshake({})).toBe('AUTH_REQUIRED');
    });

    it.each([
      ...MALFORMED_COOKIES,
      ['two session cookies', `fleetdesk_session=SESSION; fleetdesk_session=fds_y`],
    ])('refuses the handshake for a cookie with %s', async (_name, cookie) => {
      expect(await handshake({ cookie: cookie.replace('SESSION', session) })).toBe(
        'AUTH_MALFORMED',
      );
    });

    it('refuses a malformed Authorization header or auth.token', async () => {
      for (const authorization of MALFORMED_BEARERS) {
        expect(await handshake({ authorization })).toBe('AUTH_MALFORMED');
      }
      expect(await handshake({ auth: { token: 42 } })).toBe('AUTH_MALFORMED');
      expect(await handshake({ auth: { token: 'fds_forged' } })).toBe('AUTH_INVALID');
      // Still serving: the refusals were answers, not crashes.
      expect(await handshake({ cookie: `fleetdesk_session=${session}` })).toBe('connected');
      await request(server.url).get('/health').expect(200);
    });
  });
});
