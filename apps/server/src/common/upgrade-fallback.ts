import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The agent gateway and the console's socket.io each take the upgrades on their own path and
 * leave the rest alone (they share one HTTP server). Node leaves an upgrade nobody answers open
 * forever, so an anonymous client could hold file descriptors: this answers every other path
 * with a 404 and closes the socket at once.
 */
export function refuseUnknownUpgrades(
  server: Server,
  isKnown: (pathname: string, req: IncomingMessage) => boolean,
): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      pathname = '';
    }
    if (isKnown(pathname, req)) return;
    const body = 'Not Found: WebSocket endpoints are /agent and the console socket\n';
    socket.on('error', () => undefined);
    socket.end(
      'HTTP/1.1 404 Not Found\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body,
      () => socket.destroy(),
    );
  });
}
