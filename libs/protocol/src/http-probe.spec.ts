import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkUrlScheme, httpProbe as probe, type HttpProbeSpec as ProbeSpec } from './http-probe';

const spec = (url: string, over: Partial<ProbeSpec> = {}): ProbeSpec => ({
  url,
  expectedStatus: 200,
  latencyLimitMs: null,
  bodyContains: null,
  bodyNotContains: null,
  redirectPolicy: 'follow',
  maxRedirects: 5,
  certWarnDays: 14,
  timeoutMs: 2000,
  ...over,
});

describe('website probe (against a real local HTTP server)', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, RequestListener>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const handler = routes.get(req.url ?? '');
      if (handler) return void handler(req, res);
      res.writeHead(404).end('nope');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    routes.set('/ok', (_q, r) => void r.writeHead(200).end('<h1>Welcome</h1> all good'));
    routes.set('/fail', (_q, r) => void r.writeHead(500).end('boom'));
    routes.set('/slow', (_q, r) => void setTimeout(() => r.writeHead(200).end('late'), 300));
    routes.set('/hop', (_q, r) => void r.writeHead(302, { location: '/ok' }).end());
    routes.set('/loop', (_q, r) => void r.writeHead(301, { location: '/loop' }).end());
    routes.set(
      '/to-file',
      (_q, r) => void r.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    );
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('passes a page answering the expected status and text', async () => {
    const r = await probe(
      spec(`${base}/ok`, { bodyContains: 'Welcome', bodyNotContains: 'error' }),
    );
    expect(r).toMatchObject({ outcome: 'ok', statusCode: 200, message: null, certExpiresAt: null });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a wrong status, a missing phrase, a forbidden phrase and a slow answer', async () => {
    expect(await probe(spec(`${base}/fail`))).toMatchObject({
      outcome: 'critical',
      statusCode: 500,
      message: 'HTTP 500 (expected 200)',
    });
    expect((await probe(spec(`${base}/ok`, { bodyContains: 'Goodbye' }))).message).toMatch(
      /does not contain "Goodbye"/,
    );
    expect((await probe(spec(`${base}/ok`, { bodyNotContains: 'good' }))).message).toMatch(
      /contains "good"/,
    );
    expect((await probe(spec(`${base}/slow`, { latencyLimitMs: 100 }))).message).toMatch(
      /limit 100 ms/,
    );
    expect((await probe(spec(`${base}/slow`, { timeoutMs: 100 }))).message).toMatch(
      /no complete answer within 100 ms/,
    );
  });

  it('follows redirects, or refuses them, as the policy says', async () => {
    expect((await probe(spec(`${base}/hop`))).outcome).toBe('ok');
    expect(await probe(spec(`${base}/hop`, { redirectPolicy: 'error' }))).toMatchObject({
      outcome: 'critical',
      statusCode: 302,
    });
    expect((await probe(spec(`${base}/loop`, { maxRedirects: 3 }))).message).toMatch(
      /more than 3 redirect/,
    );
    // Expecting the redirect itself is allowed.
    expect((await probe(spec(`${base}/hop`, { expectedStatus: 302 }))).outcome).toBe('ok');
  });

  it('never follows a redirect out of http(s)', async () => {
    expect((await probe(spec(`${base}/to-file`))).message).toMatch(
      /redirected to a URL that uses file; only http and https/,
    );
  });

  it('reports a refused connection as critical, without throwing', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await probe(spec(`http://127.0.0.1:${port}/`))).message).toBe('connection refused');
  });

  it('accepts only absolute http and https URLs without credentials', () => {
    expect(checkUrlScheme('https://example.com/x')).toBeNull();
    expect(checkUrlScheme('file:///etc/passwd')).toMatch(/uses file/);
    expect(checkUrlScheme('gopher://x')).toMatch(/uses gopher/);
    expect(checkUrlScheme('/relative')).toMatch(/not a valid absolute URL/);
    expect(checkUrlScheme('http://u:p@example.com')).toMatch(/user name or password/);
  });
});
