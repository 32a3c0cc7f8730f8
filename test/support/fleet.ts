import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ADMIN, TestDatabase } from '../../apps/server/src/test-support/test-app';
import type { TestCertificates } from './tls';
import {
  AGENT_BUNDLE,
  freePort,
  type Proc,
  SERVER_MAIN,
  spawnNode,
  waitHealthy,
} from './processes';

/** A real server process on a private database, plus helpers to enroll and run real agents. */
export class Fleet {
  url = '';
  admin = '';
  server?: Proc;
  /** Added to every agent process's environment, e.g. NODE_EXTRA_CA_CERTS as the README says. */
  agentEnv: Record<string, string> = {};
  private port = 0;
  private readonly agents = new Set<Proc>();
  private readonly dirs: string[] = [];

  constructor(
    readonly db: TestDatabase,
    private readonly env: Record<string, string> = {},
    /** The server serves HTTPS itself with this certificate; agents trust its CA. */
    readonly tls?: TestCertificates,
  ) {}

  static async start(env: Record<string, string> = {}, tls?: TestCertificates): Promise<Fleet> {
    const fleet = await Fleet.boot(env, tls);
    const res = await fleet.api().post('/api/auth/login').send(ADMIN).expect(200);
    fleet.admin = `Bearer ${res.body.accessToken}`;
    return fleet;
  }

  /** The server up, nobody signed in (`start` also signs the bootstrap admin in). */
  static async boot(env: Record<string, string> = {}, tls?: TestCertificates): Promise<Fleet> {
    const fleet = new Fleet(await TestDatabase.create(), env, tls);
    fleet.port = await freePort();
    fleet.url = `${tls ? 'https' : 'http'}://127.0.0.1:${fleet.port}`;
    if (tls) fleet.agentEnv = { NODE_EXTRA_CA_CERTS: tls.caFile };
    await fleet.startServer();
    return fleet;
  }

  async startServer(): Promise<void> {
    this.server = spawnNode([SERVER_MAIN], {
      PORT: String(this.port),
      HOST: '127.0.0.1',
      // A kept log (below) shows each request and its time.
      LOG_LEVEL: process.env.FLEETDESK_TEST_SERVER_LOGS ? 'info' : 'warn',
      DATA_DIR: this.db.dataDir,
      ...(this.db.databaseUrl ? { DATABASE_URL: this.db.databaseUrl } : {}),
      FLEETDESK_ADMIN_EMAIL: ADMIN.email,
      FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
      AGENT_HEARTBEAT_INTERVAL_MS: '1000',
      ...(this.tls ? { TLS_CERT_FILE: this.tls.certFile, TLS_KEY_FILE: this.tls.keyFile } : {}),
      ...this.env,
    });
    // Six sessions share two cores here: a boot under that load can take past a minute.
    await waitHealthy(this.url, this.server, 150_000, this.tls?.ca);
  }

  async stopServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.server?.child.kill(signal);
    await this.server?.exited;
    // A server that stopped answering says why only in its own log, which a failed test
    // otherwise never shows: the embedded engine's connection watch is the one such report.
    const log = this.server?.output() ?? '';
    if (log.includes("embedded engine's only connection")) {
      process.stderr.write(`server log of ${this.url}:\n${log}\n`);
    }
    // For a hunt: FLEETDESK_TEST_SERVER_LOGS=<dir> keeps every test server's log.
    const keep = process.env.FLEETDESK_TEST_SERVER_LOGS;
    if (keep) await writeFile(join(keep, `server-${this.port}-${Date.now()}.log`), log);
  }

  api() {
    return this.tls ? request.agent(this.url, { ca: this.tls.ca }) : request(this.url);
  }

  async token(uses = 1000, ratePerMinute?: number): Promise<string> {
    const res = await this.api()
      .post('/api/enrollment-tokens')
      .set('Authorization', this.admin)
      .send({ name: 't', maxUses: uses, ...(ratePerMinute ? { ratePerMinute } : {}) })
      .expect(201);
    return res.body.token as string;
  }

  /** A fresh directory, removed by stop(). */
  async tempDir(prefix = 'fleetdesk-agent-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts `fleetdesk-agent enroll` against `server` (default: this fleet) without waiting. */
  spawnEnroll(stateDir: string, token: string, extra: string[] = [], server = this.url): Proc {
    return spawnNode(
      [
        AGENT_BUNDLE,
        'enroll',
        '--server',
        server,
        '--token',
        token,
        '--state-dir',
        stateDir,
      ].concat(extra),
      this.agentEnv,
    );
  }

  /** Enrolls a real agent in its own state dir and returns that dir and the device id. */
  async enrollAgent(
    token?: string,
    extra: string[] = [],
    server = this.url,
  ): Promise<{ stateDir: string; deviceId: string }> {
    const stateDir = await this.tempDir();
    const proc = this.spawnEnroll(stateDir, token ?? (await this.token()), extra, server);
    if ((await proc.exited) !== 0) throw new Error(`enroll failed: ${proc.output()}`);
    const state = JSON.parse(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(join(stateDir, 'state.json'), 'utf8'),
      ),
    ) as { deviceId: string };
    return { stateDir, deviceId: state.deviceId };
  }

  /** `options.env` adds to agentEnv for this agent only; `options.cwd` is its working directory. */
  runAgent(
    stateDir: string,
    extra: string[] = [],
    options: { env?: Record<string, string>; cwd?: string } = {},
  ): Proc {
    const proc = spawnNode(
      [AGENT_BUNDLE, 'run', '--state-dir', stateDir, ...extra],
      { ...this.agentEnv, ...options.env },
      options.cwd,
    );
    this.agents.add(proc);
    void proc.exited.then(() => this.agents.delete(proc));
    return proc;
  }

  async stop(): Promise<void> {
    for (const a of this.agents) a.child.kill('SIGKILL');
    await this.stopServer();
    await this.db.destroy();
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}
