import { WebSocket } from 'ws';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const ALLOWED = 'http://console.example.test:5173';

/** A raw WebSocket upgrade to the console socket, as a browser page from `origin` would send. */
function upgrade(
  server: TestServer,
  origin: string | undefined,
): Promise<{ opened: boolean; status?: number }> {
  const url = `${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: origin ? { Origin: origin } : {} });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.on('error', () => resolve({ opened: false }));
  });
}

describe('console socket origin check', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { CONSOLE_ORIGINS: ALLOWED });
    await login(server, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('refuses a cross-origin WebSocket upgrade before any handshake', async () => {
    expect(await upgrade(server, 'https://evil.example')).toEqual({ opened: false, status: 400 });
    expect(await upgrade(server, 'null')).toEqual({ opened: false, status: 400 });
    expect(await upgrade(server, 'not a url')).toEqual({ opened: false, status: 400 });
    // A look-alike of an allowed origin on another port or scheme is another origin.
    expect(await upgrade(server, 'http://console.example.test:5174')).toMatchObject({
      opened: false,
    });
    expect(await upgrade(server, 'https://console.example.test:5173')).toMatchObject({
      opened: false,
    });
  });

  it('refuses cross-origin long-polling too', async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { Origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  it("accepts the server's own origin, the allow-list, and clients that send no Origin", async () => {
    expect(await upgrade(server, server.url)).toEqual({ opened: true });
    expect(await upgrade(server, ALLOWED)).toEqual({ opened: true });
    expect(await upgrade(server, undefined)).toEqual({ opened: true });
  });
});
