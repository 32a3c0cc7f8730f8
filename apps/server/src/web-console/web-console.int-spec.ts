import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>';

describe('web console serving', () => {
  let db: TestDatabase;
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    db = await TestDatabase.create();
    server = await startServer(db, { CONSOLE_DIR: dir });
  });

  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / under a strict Content-Security-Policy', async () => {
    const res = await request(server.url).get('/').expect(200);
    expect(res.text).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it("falls back to index.html for the console's own routes, so a reload works", async () => {
    const res = await request(server.url).get('/devices/6f1c0d8e-0000-4000-8000-000000000000');
    expect(res.status).toBe(200);
    expect(res.text).toBe(INDEX);
  });

  it('caches content-hashed assets for good', async () => {
    const res = await request(server.url).get('/assets/index-abc123.js').expect(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('never shadows the API, health or socket paths', async () => {
    const api = await request(server.url).get('/api/no-such-route').expect(404);
    expect(api.headers['content-type']).toMatch(/json/);
    expect((api.body as { code: string }).code).toBeDefined();
    await request(server.url).get('/api/devices').expect(401);
    const health = await request(server.url).get('/health').expect(200);
    expect(health.headers['content-type']).toMatch(/json/);
    const socket = await request(server.url).get('/socket.io/?EIO=4&transport=polling');
    expect(socket.text).not.toBe(INDEX);
  });

  it('keeps the looser policy Swagger UI needs to its own pages', async () => {
    const res = await request(server.url).get('/api/docs').redirects(1);
    expect(String(res.headers['content-security-policy'])).toMatch(/script-src[^;]*unsafe-inline/);
  });
});
