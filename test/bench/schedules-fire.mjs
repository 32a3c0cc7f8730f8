#!/usr/bin/env node
// GET /api/devices latency while S schedules fire at once over N simulated devices.
//   npm run bench:schedules -- [--devices 10000] [--schedules 200]
// Devices go straight into the database (no agents: the runs stay pending, which is what a
// fleet mostly offline at night looks like). Every schedule targets all
// devices at the same minute (two minutes ahead): S jobs of N runs each (S×N rows). The
// console's device list is requested back to back from before that minute until every
// occurrence has its job. On the embedded engine by default; with DATABASE_URL set, on a
// fresh database made (and dropped) on that PostgreSQL server.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sleep, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    schedules: { type: 'string', default: '200' },
  },
});
const N = Number(values.devices);
const S = Number(values.schedules);

const SEED = `INSERT INTO device (hostname, public_key, os_platform, os_distro, os_release, arch)
  SELECT 'bench-' || i, 'key-' || i, 'linux', 'Debian', '12', 'x64' FROM generate_series(1, $1::int) AS i`;

const dataDir = mkdtempSync(join(tmpdir(), 'fleetdesk-sched-bench-'));
let env = { DATA_DIR: dataDir };
let dropDatabase = async () => {};
let bench;
if (process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = `fleetdesk_bench_sched_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  env = { ...env, DATABASE_URL: url.toString() };
  dropDatabase = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  bench = await startBench(env);
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await db.query(SEED, [N]);
  await db.end();
} else {
  // PGlite serves one process: migrate with a first server start, seed, start again.
  await (await startBench(env)).stop();
  const db = await PGlite.create(join(dataDir, 'pglite'));
  await db.query(SEED, [N]);
  await db.close();
  bench = await startBench(env);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)])
    : null;
};
const stats = (xs) => ({
  requests: xs.length,
  p50: pct(xs, 50),
  p95: pct(xs, 95),
  max: pct(xs, 100),
});

let ok = false;
try {
  // All S fall due in the same minute, two minutes ahead: creating them (S requests) ends
  // before it even on a loaded machine, and the list is measured before and during.
  const due = new Date(Date.now() + 2 * 60_000);
  due.setUTCSeconds(0, 0);
  for (let i = 0; i < S; i++)
    await bench.api('/api/schedules', {
      method: 'POST',
      body: JSON.stringify({
        name: `bench ${i}`,
        job: { command: { language: 'bash', body: 'echo bench' }, target: { all: true } },
        cron: `${due.getUTCMinutes()} ${due.getUTCHours()} * * *`,
        zoneMode: 'fixed',
        timeZone: 'UTC',
      }),
    });
  if (Date.now() >= due.getTime()) throw new Error('creating the schedules took past their minute');

  const before = [];
  const during = [];
  let jobs = 0;
  let firstJobAt = null;
  let lastJobAt = null;
  const deadline = due.getTime() + 30 * 60_000;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      jobs = (await bench.api('/api/jobs?pageSize=1')).total;
      if (jobs > 0 && !firstJobAt) firstJobAt = Date.now();
      if (jobs >= S) {
        lastJobAt = Date.now();
        return;
      }
      await sleep(250);
    }
  })();
  while (!lastJobAt && Date.now() < deadline) {
    const t0 = performance.now();
    await bench.api('/api/devices?pageSize=50');
    const ms = performance.now() - t0;
    (Date.now() < due.getTime() ? before : during).push(ms);
  }
  polling = false;
  await poller;
  const page = await bench.api(`/api/schedules?pageSize=${Math.min(S, 100)}`);
  const runs = (await bench.api('/api/jobs?pageSize=100')).items.reduce(
    (n, j) => n + j.counts.total,
    0,
  );
  console.log(
    JSON.stringify(
      {
        engine: process.env.DATABASE_URL ? 'postgres' : 'embedded',
        devices: N,
        schedules: S,
        jobsCreated: jobs,
        runsInFirst100Jobs: runs,
        schedulesListed: page.total,
        firingSeconds: lastJobAt ? Math.round((lastJobAt - due.getTime()) / 100) / 10 : null,
        firstJobAfterDueMs: firstJobAt ? firstJobAt - due.getTime() : null,
        devicesListBeforeMs: stats(before),
        devicesListWhileFiringMs: stats(during),
        serverRssMiB: Math.round(bench.rssMiB()),
      },
      null,
      2,
    ),
  );
  ok = jobs === S && (pct(during, 95) ?? Infinity) <= 200;
} finally {
  await bench.stop();
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
