#!/usr/bin/env node
// Metrics history at fleet scale: write cost and table growth of N devices at the default
// heartbeat, and the device chart query over a month of 15-minute buckets.
//   npm run bench:metrics -- [--devices 10000] [--minutes 10] [--month-devices 10000] [--queries 200]
// The writes are the server's own SQL (imported from the built server), run the way the
// server runs them: each closed minute once, every device's minute in batches of 4,000 rows,
// each row holding the 2 heartbeats of a 30 s interval. Growth is measured (bytes per row
// with its indexes) and scaled to a day. The month is generated in SQL for --month-devices
// devices, then the chart is asked of the real server (GET /api/devices/:id/metrics, the
// console's query) for random devices. On the embedded engine by default; with DATABASE_URL
// set, on a fresh database made (and dropped) on that PostgreSQL server.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    'month-devices': { type: 'string', default: '10000' },
    queries: { type: 'string', default: '200' },
  },
});
const N = Number(values.devices);
const MINUTES = Number(values.minutes);
const MONTH_DEVICES = Math.min(N, Number(values['month-devices']));
const QUERIES = Number(values.queries);
const HEARTBEAT_S = 30;
const BATCH = 4000;

const SEED = `INSERT INTO device (hostname, public_key, os_platform, os_distro, os_release, arch)
  SELECT 'bench-' || i, 'key-' || i, 'linux', 'Debian', '12', 'x64' FROM generate_series(1, $1::int) AS i`;
// A month of quarters for the first M devices, ending at the current quarter.
const MONTH = `INSERT INTO device_metric_15m
    (device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum)
  SELECT d.id, to_timestamp(floor(extract(epoch FROM now()) / 900) * 900) - q * interval '15 minutes',
    30, 30 * random() * 100, 100 * random(), 30 * 50, 60, 27, 30 * 0.5
  FROM (SELECT id FROM device ORDER BY id LIMIT $1) d, generate_series(1, 2880) AS q
  ON CONFLICT DO NOTHING`;

const dataDir = mkdtempSync(join(tmpdir(), 'fleetdesk-metrics-bench-'));
let env = { DATA_DIR: dataDir, MONITOR_TICK_MS: '0' };
let bench;
let db;
let dropDatabase = async () => {};
const query = async (sql, params) => (await db.query(sql, params)).rows;

// The first start builds the server (its dist holds the SQL) and runs the migrations.
if (process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = `fleetdesk_bench_metrics_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  env = { ...env, DATABASE_URL: url.toString() };
  dropDatabase = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  // PostgreSQL takes a second client: the server stays up (its loops off) while this one writes.
  bench = await startBench(env);
  db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
} else {
  await (await startBench(env)).stop();
  db = await PGlite.create(join(dataDir, 'pglite'));
}
const require = createRequire(import.meta.url);
const { MINUTE_UPSERT_SQL, QUARTER_ROLLUP_SQL } = require(
  join(ROOT, 'apps/server/dist/metrics-history/metrics-sql.js'),
);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null;
};
const r1 = (n) => Math.round(n * 10) / 10;
const mib = (b) => r1(b / 1048576);

let ok = false;
try {
  await query(SEED, [N]);
  const ids = (await query(`SELECT id FROM device ORDER BY id`)).map((r) => r.id);
  const perMinute = 60 / HEARTBEAT_S;
  const start = Math.floor(Date.now() / 900_000) * 900_000 - 900_000;

  // 1. Minute writes: each closed minute once, N rows in batches.
  const flushMs = [];
  for (let m = 0; m < Math.max(MINUTES, 15); m++) {
    const bucket = start + m * 60_000;
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const col = (f) => chunk.map(f);
      await query(MINUTE_UPSERT_SQL, [
        chunk,
        col(() => bucket),
        col(() => perMinute),
        col(() => perMinute * Math.random() * 100),
        col(() => Math.random() * 100),
        col(() => perMinute * 50),
        col(() => 60),
        col(() => 27),
        col(() => perMinute * 0.5),
      ]);
    }
    flushMs.push(performance.now() - t0);
  }
  const minuteRows = ids.length * flushMs.length;
  const size1m = Number(
    (await query(`SELECT pg_total_relation_size('device_metric_1m') AS b`))[0].b,
  );

  // 2. The roll-up of one quarter (N devices × 15 minutes into N rows).
  const t1 = performance.now();
  await query(QUARTER_ROLLUP_SQL, [new Date(start)]);
  const rollupMs = performance.now() - t1;

  // 3. A month of quarters, then the chart through the real server.
  await query(`TRUNCATE device_metric_15m`);
  const t2 = performance.now();
  await query(MONTH, [MONTH_DEVICES]);
  const monthFillS = (performance.now() - t2) / 1000;
  const quarterRows = Number((await query(`SELECT count(*) AS n FROM device_metric_15m`))[0].n);
  const size15m = Number(
    (await query(`SELECT pg_total_relation_size('device_metric_15m') AS b`))[0].b,
  );
  // The server vacuums the quarter table after each roll-up (metrics-history.service.ts), so
  // a month it wrote itself has its visibility map set; one bulk INSERT here does not.
  await query(`VACUUM ANALYZE device_metric_15m`);
  const charted = ids.slice(0, MONTH_DEVICES);
  if (!bench) {
    // PGlite serves one process: the chart server starts once this client let go.
    await db.close();
    db = null;
    bench = await startBench(env);
  }
  const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const to = new Date().toISOString();
  const latencies = [];
  let points = 0;
  for (let q = 0; q < QUERIES + 10; q++) {
    const id = charted[Math.floor(Math.random() * charted.length)];
    const t = performance.now();
    const res = await bench.api(`/api/devices/${id}/metrics?from=${from}&to=${to}`);
    // The first 10 warm the server up.
    if (q >= 10) latencies.push(performance.now() - t);
    points = res.points.length;
    if (res.resolution !== '15m') throw new Error(`expected 15m, got ${res.resolution}`);
  }

  const bytesPerMinuteRow = size1m / minuteRows;
  const bytesPerQuarterRow = size15m / quarterRows;
  const writeMs = pct(flushMs, 50);
  console.log(
    JSON.stringify(
      {
        engine: process.env.DATABASE_URL ? 'postgres' : 'embedded',
        devices: N,
        heartbeatSeconds: HEARTBEAT_S,
        heartbeatsPerSecond: r1(N / HEARTBEAT_S),
        minuteFlush: {
          minutes: flushMs.length,
          rowsPerMinute: N,
          p50Ms: Math.round(writeMs),
          maxMs: Math.round(pct(flushMs, 100)),
          // Share of one core-minute the database statement takes, per minute of fleet time.
          dbBusyPercent: r1((writeMs / 60_000) * 100),
          rowsPerSecondWhileWriting: Math.round(N / (writeMs / 1000)),
        },
        quarterRollupMs: Math.round(rollupMs),
        growth: {
          bytesPerMinuteRow: Math.round(bytesPerMinuteRow),
          bytesPerQuarterRow: Math.round(bytesPerQuarterRow),
          minuteTablePerDayMiB: mib(bytesPerMinuteRow * N * 1440),
          quarterTablePerDayMiB: mib(bytesPerQuarterRow * N * 96),
          retainedAtDefaultsMiB: mib(
            bytesPerMinuteRow * N * 1440 + bytesPerQuarterRow * N * 96 * 30,
          ),
        },
        chart: {
          monthDevices: MONTH_DEVICES,
          quarterRows,
          monthFillSeconds: r1(monthFillS),
          pointsPerChart: points,
          queries: latencies.length,
          p50Ms: r1(pct(latencies, 50)),
          p95Ms: r1(pct(latencies, 95)),
          maxMs: r1(pct(latencies, 100)),
        },
        loadavg: loadavg().map(r1),
      },
      null,
      2,
    ),
  );
  ok = true;
} finally {
  await db?.close?.();
  await db?.end?.();
  await bench?.stop();
  await dropDatabase();
}
process.exit(ok ? 0 : 1);
