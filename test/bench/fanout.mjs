#!/usr/bin/env node
// Time from POST /api/jobs until every run's result is committed, for N simulated agents,
// against the floor (floor-server.mjs: a bare ws server storing the same agents' results in
// the same database), with a poller measuring how the API answers during the fan-out.
//   DATABASE_URL=… npm run bench:fanout -- --agents 10000 [--processes 2] [--repeat 3]
// Simulated agents verify each signed run like the real agent but do not spawn a process.
import { parseArgs } from 'node:util';
import { sleep, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
  },
});
const N = Number(values.agents);
const P = Number(values.processes);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: Math.round(s.at(-1) ?? NaN) };
};

/**
 * Every ~50 ms, GET /api/devices and GET /api/jobs/:id side by side, until stopped; returns
 * each call's latencies. What a technician's console does while a big job runs.
 */
function poll(bench, jobId) {
  const lat = { devices: [], job: [] };
  let running = true;
  const timed = async (key, path) => {
    const t = performance.now();
    await bench.api(path);
    lat[key].push(performance.now() - t);
  };
  const done = (async () => {
    while (running) {
      const next = performance.now() + 50;
      await Promise.all([timed('devices', '/api/devices'), timed('job', `/api/jobs/${jobId}`)]);
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return async () => {
    running = false;
    await done;
    return { devices: stats(lat.devices), job: stats(lat.job) };
  };
}

const bench = await startBench({ AGENT_HEARTBEAT_INTERVAL_MS: '60000' });
try {
  const rssBefore = bench.rssMiB();
  const onlineAfter = await bench.simulate(N, P);
  await sleep(2000);
  const rssOnline = bench.rssMiB();
  const rounds = [];
  let lastJob = null;
  for (let i = 0; i < Number(values.repeat); i++) {
    // The idle baseline: the same calls with nothing running (the previous job, if any).
    const idleJob = lastJob ?? (await bench.api('/api/jobs?pageSize=1')).items?.[0]?.id;
    let idle = null;
    if (idleJob) {
      const stopIdle = poll(bench, idleJob);
      await sleep(1500);
      idle = await stopIdle();
    }
    const db0 = await bench.dbTicks();
    const t0 = performance.now();
    // The server settles the job (finished_at, its database's clock on this same machine) right
    // after the last result's commit: timing by it lets this loop poll every 200 ms instead of
    // every 25 ms, whose job counts (4–6 ms of PostgreSQL at 10,000 runs each) were load the
    // floor never carries. The console-like poller above still runs every 50 ms.
    const t0Wall = Date.now();
    // CLOCK_MONOTONIC in µs, the clock of a --cpu-prof profile's timestamps.
    const mono0 = process.hrtime.bigint() / 1000n;
    const ticks0 = bench.ticks();
    const simTicks0 = bench.simTicks();
    const job = await bench.api('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ command: { language: 'sh', body: 'true' }, target: { all: true } }),
    });
    const created = performance.now() - t0;
    lastJob = job.id;
    const stopPoll = poll(bench, job.id);
    for (;;) {
      const j = await bench.api(`/api/jobs/${job.id}`);
      const done = j.counts.total - j.counts.pending - j.counts.dispatched - j.counts.running;
      if (done === N && j.finishedAt) {
        const seenMs = Math.round(performance.now() - t0);
        const allCommittedMs = Date.parse(j.finishedAt) - t0Wall;
        rounds.push({
          createMs: Math.round(created),
          allCommittedMs,
          // When this loop saw it: up to one 200 ms poll later.
          seenMs,
          // The server's includes answering the poller; the simulators' is the agents' side.
          serverCpuMs: (bench.ticks() - ticks0) * 10,
          simulatorsCpuMs: (bench.simTicks() - simTicks0) * 10,
          // PostgreSQL's backends for this database (the poller's queries included).
          dbCpuMs: await bench.dbCpuMsSince(db0),
          monotonicUs: [String(mono0), String(process.hrtime.bigint() / 1000n)],
          succeeded: j.counts.succeeded,
          during: await stopPoll(),
          idle,
        });
        break;
      }
      await sleep(200);
    }
    await sleep(2000);
  }
  const best = Math.min(...rounds.map((r) => r.allCommittedMs));
  const rssAfter = bench.rssMiB();

  let floor = null;
  if (process.env.DATABASE_URL) {
    const f = await bench.floor(N, P);
    const ms = [];
    const cpu = [];
    for (let i = 0; i < Number(values.repeat); i++) {
      const r = await f.round(`r${i}`);
      if (r.rows !== N) throw new Error(`floor round ${i}: ${r.rows}/${N} results`);
      ms.push(Math.round(r.ms));
      cpu.push({ serverCpuMs: r.serverCpuMs, agentsCpuMs: r.agentsCpuMs, dbCpuMs: r.dbCpuMs });
      await sleep(1000);
    }
    floor = { rounds: ms, bestMs: Math.min(...ms), cpu };
  }
  const loadavg = (await import('node:os')).loadavg().map((x) => x.toFixed(2));
  console.log(
    JSON.stringify(
      {
        agents: N,
        engine: process.env.DATABASE_URL ? 'postgres' : 'embedded',
        onlineAfterSeconds: onlineAfter,
        rounds,
        bestAllCommittedMs: best,
        runsPerSecond: Math.round((N / best) * 1000),
        floor,
        ratio: floor ? Number((best / floor.bestMs).toFixed(2)) : null,
        serverRssMiB: {
          beforeAgents: Math.round(rssBefore),
          online: Math.round(rssOnline),
          afterRounds: Math.round(rssAfter),
        },
        perAgentKiB: Math.round(((rssOnline - rssBefore) * 1024) / N),
        perAgentKiBAfterRounds: Math.round(((rssAfter - rssBefore) * 1024) / N),
        loadavg,
      },
      null,
      2,
    ),
  );
  console.log(
    floor
      ? `fleetdesk ${best} ms, floor ${floor.bestMs} ms, ratio ${(best / floor.bestMs).toFixed(2)}×`
      : `fleetdesk ${best} ms (no floor: set DATABASE_URL)`,
  );
} finally {
  await bench.stop();
}
