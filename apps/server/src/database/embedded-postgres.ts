import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmbeddedConnection {
  /** A directory holding the Unix socket, or a Windows named-pipe prefix: never an address. */
  host: string;
  port: number;
}

/** The socket file name libpq and node-postgres look for inside `host`. */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes on Linux and 104 on macOS, terminator included. */
const MAX_SOCKET_PATH = 100;

const fits = (dir: string) => Buffer.byteLength(join(dir, SOCKET_NAME)) < MAX_SOCKET_PATH;

interface Listener {
  /** What PGLiteSocketServer listens on. */
  path: string;
  /** What node-postgres is given as `host`. */
  host: string;
  /** A private directory made for this start, removed on stop. */
  tempDir?: string;
}

/**
 * The embedded engine behind `npm start`: PGlite stored under DATA_DIR, served over the
 * PostgreSQL wire protocol so TypeORM's ordinary `pg` driver talks to it exactly as it talks
 * to a real server.
 *
 * PGlite-socket has no authentication at all, so it never listens on TCP, where every local
 * account could connect. On Unix it listens on a socket inside a 0700 directory only this user
 * can enter: DATA_DIR/run, or, when that path is too long for a socket name, a fresh 0700
 * directory under the temp dir. On Windows it listens on a named pipe with a random name; the
 * pipe's default ACL lets only this account, administrators and SYSTEM write to it.
 */
export class EmbeddedPostgres {
  private db?: PGlite;
  private server?: PGLiteSocketServer;
  private tempDir?: string;

  constructor(private readonly dataDir: string) {}

  async start(): Promise<EmbeddedConnection> {
    const dbDir = join(this.dataDir, 'pglite');
    await mkdir(dbDir, { recursive: true, mode: 0o700 });
    await chmod(this.dataDir, 0o700).catch(() => undefined);

    this.db = await PGlite.create(dbDir);
    const listener = await this.listener();
    this.tempDir = listener.tempDir;
    this.server = new PGLiteSocketServer({ db: this.db, maxConnections: 1, path: listener.path });
    await this.server.start();
    return { host: listener.host, port: SOCKET_PORT };
  }

  private async listener(): Promise<Listener> {
    if (process.platform === 'win32') {
      // node-postgres treats a host starting with '/' as a socket directory and appends
      // /.s.PGSQL.<port>; Windows reads //./pipe/... as \\.\pipe\...
      const name = `fleetdesk-${randomBytes(16).toString('hex')}`;
      return { path: `\\\\.\\pipe\\${name}\\${SOCKET_NAME}`, host: `//./pipe/${name}` };
    }
    const runDir = join(this.dataDir, 'run');
    if (fits(runDir)) {
      await mkdir(runDir, { recursive: true, mode: 0o700 });
      await chmod(runDir, 0o700);
      // A socket file left by a crashed process would make listen() fail with EADDRINUSE.
      await rm(join(runDir, SOCKET_NAME), { force: true });
      return { path: join(runDir, SOCKET_NAME), host: runDir };
    }
    // mkdtemp makes the directory 0700 with an unguessable name; /tmp when TMPDIR is long too.
    const base = fits(join(tmpdir(), 'fleetdesk-XXXXXX')) ? tmpdir() : '/tmp';
    const tempDir = await mkdtemp(join(base, 'fleetdesk-'));
    await chmod(tempDir, 0o700);
    return { path: join(tempDir, SOCKET_NAME), host: tempDir, tempDir };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    await this.db?.close();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    this.server = undefined;
    this.db = undefined;
    this.tempDir = undefined;
  }
}
