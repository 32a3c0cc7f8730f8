#!/usr/bin/env node
// Holds N simulated agents online against a real server and reports the server's RSS and CPU.
//   node test/bench/fleet-online.mjs --agents 5000 [--processes 1] [--hold 60] [--heartbeat-ms 30000]
// Uses the embedded database unless DATABASE_URL is set. Builds the server and agent first.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '5000' },
    processes: { type: 'string', default: '1' },
    hold: { type: 'string', default: '60' },
    'heartbeat-ms': { type: 'string', default: '30000' },
  },
});
const N = Number(values.agents);
const P = Number(values.processes);
const HOLD_S = Number(values.hold);
const ROOT = join(import.meta.dirname, '..', '..');
const PASSWORD = 'bench-password-123';

execFileSync(
  process.execPath,
  [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'apps/server/tsconfig.app.json'],
  { cwd: ROOT, stdio: 'inherit' },
);
execFileSync(process.execPath, [join(ROOT, 'apps/agent/build.mjs')], {
  cwd: ROOT,
  stdio: 'inherit',
});

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const url = `http://127.0.0.1:${port}`;
const work = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-'));
const children = [];
const server = spawn(process.execPath, [join(ROOT, 'apps/server/dist/main.js')], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: join(work, 'data'),
    LOG_LEVEL: 'warn',
    FLEETDESK_ADMIN_EMAIL: 'bench@example.com',
    FLEETDESK_ADMIN_PASSWORD: PASSWORD,
    AGENT_HEARTBEAT_INTERVAL_MS: values['heartbeat-ms'],
    ENROLL_RATE_LIMIT: '1000000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
children.push(server);
const cleanup = () => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => (cleanup(), process.exit(130)));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function api(path, init = {}) {
  const res = await fetch(url + path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
for (let i = 0; ; i++) {
  try {
    await api('/health');
    break;
  } catch {
    if (i > 300) throw new Error('server did not start');
    await sleep(200);
  }
}
const { accessToken } = await api('/api/auth/login', {
  method: 'POST',
  body: JSON.stringify({ email: 'bench@example.com', password: PASSWORD }),
});
const auth = { authorization: `Bearer ${accessToken}` };
const { token } = await api('/api/enrollment-tokens', {
  method: 'POST',
  headers: auth,
  body: JSON.stringify({ name: 'bench', maxUses: N }),
});

const perProcess = Math.ceil(N / P);
const t0 = Date.now();
for (let p = 0; p < P; p++) {
  const count = Math.min(perProcess, N - p * perProcess);
  const bind = Array.from({ length: 4 }, (_, i) => `127.0.${p + 1}.${i + 2}`).join(',');
  children.push(
    spawn(
      process.execPath,
      [
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
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    ),
  );
}

const online = async () =>
  (await api('/api/devices?status=online&pageSize=1', { headers: auth })).total;
let n = 0;
while ((n = await online()) < N) {
  if (Date.now() - t0 > 600_000) throw new Error(`only ${n}/${N} online after 10 min`);
  await sleep(1000);
}
const upAfter = (Date.now() - t0) / 1000;

// CPU from /proc: utime+stime ticks over the hold window.
const ticks = () => {
  const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
const c0 = ticks();
const h0 = Date.now();
let peak = 0;
let minOnline = N;
while (Date.now() - h0 < HOLD_S * 1000) {
  await sleep(5000);
  peak = Math.max(peak, rss());
  minOnline = Math.min(minOnline, await online());
}
const cpuPct = ((ticks() - c0) / 100 / ((Date.now() - h0) / 1000)) * 100;
const result = {
  agents: N,
  simulatorProcesses: P,
  heartbeatMs: Number(values['heartbeat-ms']),
  allOnlineAfterSeconds: Number(upAfter.toFixed(1)),
  holdSeconds: HOLD_S,
  minOnlineDuringHold: minOnline,
  serverRssMiB: Number(rss().toFixed(0)),
  serverPeakRssMiB: Number(peak.toFixed(0)),
  serverCpuPercentOfOneCore: Number(cpuPct.toFixed(1)),
};
console.log(JSON.stringify(result, null, 2));
cleanup();
process.exit(minOnline === N ? 0 : 1);
