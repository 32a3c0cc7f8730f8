// Shared by the benchmark scripts: a real server process on a fresh embedded database (or
// DATABASE_URL), simulated agents, and /proc sampling of the server.
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const PASSWORD = 'bench-password-123';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function build() {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'apps/server/tsconfig.app.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  execFileSync(process.execPath, [join(ROOT, 'apps/agent/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FLEETDESK_AGENT_PLATFORMS: 'none' },
  });
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export async function startBench(env = {}) {
  build();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const work = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-'));
  const children = [];
  // e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to see where time goes
  // (BENCH_SIM_NODE_ARGS likewise for the simulator processes).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const simNodeArgs = (process.env.BENCH_SIM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...nodeArgs, join(ROOT, 'apps/server/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'warn',
      FLEETDESK_ADMIN_EMAIL: 'bench@example.com',
      FLEETDESK_ADMIN_PASSWORD: PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(server);
  // The data dir goes only after the server has exited: it writes to it while shutting down.
  const stop = async () => {
    await pgClient?.end().catch(() => undefined);
    for (const c of children) c.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
    rmSync(work, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));

  async function api(path, init = {}) {
    const request = () =>
      fetch(url + path, {
        ...init,
        headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
    // A kept-alive socket the server closes just as it is reused fails the request before it
    // was sent; a GET changes nothing, so it is tried once more on a fresh socket.
    const res = await request().catch((err) =>
      (init.method ?? 'GET') === 'GET' && err?.cause?.code === 'UND_ERR_SOCKET'
        ? request()
        : Promise.reject(err),
    );
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
  for (let i = 0; ; i++) {
    try {
      await api('/health');
      break;
    } catch {
      if (i > 900) throw new Error('server did not start within 3 minutes');
      await sleep(200);
    }
  }
  const { accessToken } = await api('/api/auth/login', {
    method: 'POST',
    body: JSON.stringify({ email: 'bench@example.com', password: PASSWORD }),
  });
  const auth = { authorization: `Bearer ${accessToken}` };
  const authed = (path, init = {}) =>
    api(path, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });

  const bindFor = (p) => Array.from({ length: 4 }, (_, i) => `127.0.${p + 1}.${i + 2}`).join(',');

  /** Starts `agents` simulated agents over `processes` simulator processes (`extra`: more simulate options). */
  async function simulate(agents, processes = 1, extra = []) {
    const { token } = await authed('/api/enrollment-tokens', {
      method: 'POST',
      // The highest rate a token may carry: these benchmarks measure what comes after enrollment.
      body: JSON.stringify({ name: 'bench', maxUses: agents, ratePerMinute: 100_000 }),
    });
    const per = Math.ceil(agents / processes);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(per, agents - p * per);
      const bind = bindFor(p);
      const sim = spawn(
        process.execPath,
        [
          ...simNodeArgs,
          join(ROOT, 'apps/agent/dist/fleetdesk-agent.js'),
          'simulate',
          '--server',
          url,
          '--token',
          token,
          '--count',
          String(count),
          '--bind',
          bind,
          '--state-dir',
          join(work, `sim-${p}`),
          ...extra,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      children.push(sim);
      simPids.push(sim.pid);
    }
    const t0 = Date.now();
    for (;;) {
      const n = (await authed('/api/devices?status=online&pageSize=1')).total;
      if (n >= agents) return (Date.now() - t0) / 1000;
      if (Date.now() - t0 > 900_000) throw new Error(`only ${n}/${agents} online after 15 min`);
      await sleep(1000);
    }
  }

  // user + system clock ticks (10 ms) of a process, 0 once it is gone.
  const ticksOf = (pid) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const ticks = () => ticksOf(server.pid);
  // PostgreSQL is the third process on the same cores: its backends serving the bench's
  // database, by pid (a backend started in between counts from zero; one that exited in
  // between takes its ticks with it). Nothing on the embedded engine (it is in the server).
  let pgClient = null;
  async function dbTicks() {
    if (!process.env.DATABASE_URL) return new Map();
    if (!pgClient) {
      const { default: pg } = await import('pg');
      pgClient = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await pgClient.connect();
    }
    const { rows } = await pgClient.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
    );
    return new Map(rows.map((r) => [r.pid, ticksOf(r.pid)]));
  }
  /** ms of CPU PostgreSQL's backends used since `before` (a dbTicks() result). */
  const dbCpuMsSince = async (before) => {
    let n = 0;
    for (const [pid, t] of await dbTicks()) n += t - (before.get(pid) ?? 0);
    return n * 10;
  };
  const simPids = [];
  /** CPU ticks of the simulator processes together. */
  const simTicks = () => simPids.reduce((sum, pid) => sum + ticksOf(pid), 0);
  /** The go signal of `simulate --hold-uploads`: every simulator starts sending its staged bundles. */
  const releaseUploads = () => {
    for (const pid of simPids) process.kill(pid, 'SIGUSR2');
  };
  const rssMiB = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
  /**
   * The floor (floor-server.mjs) on DATABASE_URL, with the simulated agents' device ids and
   * source addresses connected to it by floor-agents.mjs; call after simulate().
   */
  async function floor(agents, processes = 1) {
    const srv = fork(join(import.meta.dirname, 'floor-server.mjs'), [], { stdio: 'inherit' });
    children.push(srv);
    const agentPids = [];
    const next = () => new Promise((resolve) => srv.once('message', resolve));
    const { port } = await next();
    const per = Math.ceil(agents / processes);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(per, agents - p * per);
      const args = [`ws://127.0.0.1:${port}`, join(work, `sim-${p}`), String(count), bindFor(p)];
      const agentsProcess = spawn(
        process.execPath,
        [join(import.meta.dirname, 'floor-agents.mjs'), ...args],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      children.push(agentsProcess);
      agentPids.push(agentsProcess.pid);
    }
    const t0 = Date.now();
    for (;;) {
      srv.send({ status: true });
      const { connected } = await next();
      if (connected >= agents) break;
      if (Date.now() - t0 > 300_000)
        throw new Error(`floor: only ${connected}/${agents} connected`);
      await sleep(500);
    }
    /** One round: a run to every agent, resolved when every result is committed. */
    const round = async (id) => {
      const db0 = await dbTicks();
      const t = performance.now();
      const cpu0 = [ticksOf(srv.pid), agentPids.reduce((n, pid) => n + ticksOf(pid), 0)];
      srv.send({ go: id });
      const done = await next();
      const ms = performance.now() - t;
      const dbCpuMs = await dbCpuMsSince(db0);
      const serverCpuMs = (ticksOf(srv.pid) - cpu0[0]) * 10;
      const agentsCpuMs = (agentPids.reduce((n, pid) => n + ticksOf(pid), 0) - cpu0[1]) * 10;
      return { ms, rows: done.rows, serverCpuMs, agentsCpuMs, dbCpuMs };
    };
    return { round, pid: srv.pid };
  }

  return {
    url,
    api: authed,
    auth,
    simulate,
    floor,
    stop,
    ticks,
    simTicks,
    releaseUploads,
    dbTicks,
    dbCpuMsSince,
    rssMiB,
  };
}
