import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface EmbeddedConnection {
  host: string;
  port: number;
}

/**
 * The embedded engine behind `npm start`: PGlite stored under DATA_DIR, served over the
 * PostgreSQL wire protocol so TypeORM's ordinary `pg` driver talks to it exactly as it talks
 * to a real server.
 *
 * PGlite-socket has no authentication, so where the OS allows it we listen on a Unix socket
 * inside a 0700 directory (only this user can connect) rather than on a loopback TCP port
 * that every local account could reach. Windows, or a data dir whose path is too long for a
 * socket name, fall back to 127.0.0.1 on a random port.
 */
export class EmbeddedPostgres {
  private db?: PGlite;
  private server?: PGLiteSocketServer;

  constructor(private readonly dataDir: string) {}

  async start(): Promise<EmbeddedConnection> {
    const dbDir = join(this.dataDir, 'pglite');
    const runDir = join(this.dataDir, 'run');
    await mkdir(dbDir, { recursive: true, mode: 0o700 });
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    await chmod(this.dataDir, 0o700).catch(() => undefined);
    await chmod(runDir, 0o700);

    this.db = await PGlite.create(dbDir);
    const socketPort = 5432;
    const socketPath = join(runDir, `.s.PGSQL.${socketPort}`);
    const useUnixSocket = process.platform !== 'win32' && Buffer.byteLength(socketPath) < 100;
    // A socket file left by a crashed process would make listen() fail with EADDRINUSE.
    if (useUnixSocket)
      await import('node:fs/promises').then((fs) => fs.rm(socketPath, { force: true }));
    this.server = new PGLiteSocketServer({
      db: this.db,
      maxConnections: 1,
      ...(useUnixSocket ? { path: socketPath } : { host: '127.0.0.1', port: 0 }),
    });
    await this.server.start();
    if (useUnixSocket) return { host: runDir, port: socketPort };
    const [, port] = this.server.getServerConn().split(':');
    return { host: '127.0.0.1', port: Number(port) };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    await this.db?.close();
    this.server = undefined;
    this.db = undefined;
  }
}
