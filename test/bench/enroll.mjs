#!/usr/bin/env node
// Enrollment throughput: N simulated devices enroll with one token, as a site rolling the
// agent out would, and the token's use count is sampled from the API to see how fast.
//   npm run bench:enroll -- --devices 10000 [--concurrency 400] [--processes 2] [--connect]
//   DATABASE_URL=postgres://… npm run bench:enroll -- --devices 10000   (a fresh database)
// By default the simulator only enrolls (--enroll-only: identities saved, no sockets), which
// measures enrollment itself; --connect lets every device connect and report its inventory
// as soon as it is enrolled, as real agents do, and also waits until all are online.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, sleep, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    // Devices enrolling at the same moment, over all simulator processes.
    concurrency: { type: 'string', default: '400' },
    processes: { type: 'string', default: '2' },
    connect: { type: 'boolean', default: false },
    'sample-ms': { type: 'string', default: '200' },
    // The token's rate; the highest allowed by default, so the server's speed is measured.
    'rate-per-minute': { type: 'string', default: '100000' },
  },
});
const N = Number(values.devices);
const P = Number(values.processes);
const SAMPLE_MS = Number(values['sample-ms']);
const bench = await startBench();
const work = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-enroll-'));
const sims = [];
let ok = false;
try {
  const { token, id } = await bench.api('/api/enrollment-tokens', {
    method: 'POST',
    body: JSON.stringify({
      name: 'bench',
      maxUses: N,
      ratePerMinute: Number(values['rate-per-minute']),
    }),
  });
  const per = Math.ceil(N / P);
  for (let p = 0; p < P; p++) {
    const count = Math.min(per, N - p * per);
    const sim = spawn(
      process.execPath,
      [
        join(ROOT, 'apps/agent/dist/fleetdesk-agent.js'),
        'simulate',
        '--server',
        bench.url,
        '--token',
        token,
        '--count',
        String(count),
        '--enroll-concurrency',
        String(Math.ceil(Number(values.concurrency) / P)),
        ...(values.connect ? [] : ['--enroll-only']),
        '--bind',
        Array.from({ length: 4 }, (_, i) => `127.0.${p + 1}.${i + 2}`).join(','),
        '--state-dir',
        join(work, `sim-${p}`),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    sims.push(sim);
  }
  const exited = sims.map((s) => new Promise((resolve) => s.once('exit', resolve)));

  // CPU time of each part, from /proc: the server, the simulators, and (on PostgreSQL) the
  // backends serving this database. Per enrollment, it does not depend on what else the
  // machine is doing, unlike the rate.
  const procTicks = (pid) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const dbName = process.env.DATABASE_URL
    ? new URL(process.env.DATABASE_URL).pathname.slice(1)
    : null;
  const backendPids = async () =>
    dbName
      ? execFileSync(
          'psql',
          [
            '-qAt',
            '-h',
            '127.0.0.1',
            '-U',
            'root',
            '-d',
            'postgres',
            '-c',
            `SELECT pid FROM pg_stat_activity WHERE datname = '${dbName}'`,
          ],
          { encoding: 'utf8' },
        )
          .split('\n')
          .filter(Boolean)
          .map(Number)
      : [];
  const pgPids = await backendPids();
  const pg0 = new Map(pgPids.map((pid) => [pid, procTicks(pid)]));
  const sim0 = sims.map((sim) => procTicks(sim.pid));
  // A simulator in --enroll-only mode exits when done: its last reading stands.
  const simLast = [...sim0];
  const readSims = () =>
    sims.forEach((sim, i) => {
      simLast[i] = procTicks(sim.pid) || simLast[i];
    });
  const samples = [];
  const c0 = bench.ticks();
  const t0 = performance.now();
  for (;;) {
    const tokens = await bench.api('/api/enrollment-tokens');
    const uses = tokens.find((t) => t.id === id)?.uses ?? 0;
    samples.push({ t: performance.now(), uses });
    readSims();
    if (uses >= N) break;
    if (performance.now() - t0 > 900_000) throw new Error(`only ${uses}/${N} enrolled`);
    await sleep(SAMPLE_MS);
  }
  const serverTicks = bench.ticks() - c0;
  const cpuWhileEnrolling = (serverTicks / 100 / ((performance.now() - t0) / 1000)) * 100;
  readSims();
  const simTicks = simLast.reduce((sum, ticks, i) => sum + ticks - sim0[i], 0);
  // Backends that connected meanwhile count from zero.
  const pgTicks = (await backendPids()).reduce(
    (sum, pid) => sum + procTicks(pid) - (pg0.get(pid) ?? 0),
    0,
  );
  const msPer = (ticks) => Number(((ticks * 10) / N).toFixed(2));
  let allOnlineAfter;
  if (values.connect) {
    for (;;) {
      const online = (await bench.api('/api/devices?status=online&pageSize=1')).total;
      if (online >= N) break;
      if (performance.now() - t0 > 900_000) throw new Error(`only ${online}/${N} online`);
      await sleep(500);
    }
    allOnlineAfter = (performance.now() - t0) / 1000;
  } else {
    const codes = await Promise.all(exited);
    if (codes.some((c) => c !== 0)) throw new Error(`a simulator exited with ${codes}`);
  }

  const first = samples.find((s) => s.uses > 0);
  const last = samples.at(-1);
  const seconds = (last.t - first.t) / 1000;
  // The best one-second stretch between two samples.
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const j = samples.findIndex((s) => s.t - samples[i].t >= 1000);
    if (j < 0) break;
    const rate = ((samples[j].uses - samples[i].uses) * 1000) / (samples[j].t - samples[i].t);
    peak = Math.max(peak, rate);
  }
  const audit = await bench.api('/api/audit?action=devices.enroll&pageSize=1');
  console.log(
    JSON.stringify(
      {
        engine: process.env.DATABASE_URL ? 'postgres' : 'embedded',
        devices: N,
        mode: values.connect ? 'enroll and connect' : 'enroll only',
        concurrency: Number(values.concurrency),
        simulatorProcesses: P,
        tokenRatePerMinute: Number(values['rate-per-minute']),
        enrolled: last.uses,
        // From the first sample that saw an enrollment to the one that saw the last.
        enrollSeconds: Number(seconds.toFixed(2)),
        enrollmentsPerSecond: Math.round((last.uses - first.uses) / seconds),
        peakOneSecond: Math.round(peak),
        auditEntries: audit.total,
        serverCpuPercentOfOneCoreWhileEnrolling: Math.round(cpuWhileEnrolling),
        cpuMsPerEnrollment: {
          server: msPer(serverTicks),
          ...(dbName ? { postgres: msPer(pgTicks) } : {}),
          simulators: msPer(simTicks),
        },
        ...(allOnlineAfter === undefined
          ? {}
          : { allOnlineAfterSeconds: Number(allOnlineAfter.toFixed(1)) }),
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        cpus: readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length,
      },
      null,
      2,
    ),
  );
  ok = last.uses === N && audit.total === N;
} finally {
  for (const s of sims) s.kill('SIGTERM');
  await bench.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
