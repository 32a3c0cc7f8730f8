#!/usr/bin/env node
// Fleet software inventory at scale: p95 of "which devices lack 7-Zip" and "which run an old
// version" through the HTTP API, and the inventory ingest rate, on N devices x P packages.
//   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:software -- \
//     [--devices 10000] [--packages 1000] [--samples 50] [--ingest 1000] [--concurrency 8]
//     [--keep] [--reuse DBNAME]
// --keep leaves the seeded database in place (its name is printed); --reuse measures on such
// a database again without seeding (the ingest step then rewrites --ingest devices' lists).
// PostgreSQL only (10M rows is not what the embedded engine is for): a fresh database is made
// on that server, migrated by the real server, and dropped at the end.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    packages: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '50' },
    ingest: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const N = Number(values.devices);
const P = Number(values.packages);
const SAMPLES = Number(values.samples);
const INGEST = Math.min(Number(values.ingest), N);
const CONCURRENCY = Number(values.concurrency);
if (!process.env.DATABASE_URL) {
  console.error(
    'bench:software needs DATABASE_URL (a PostgreSQL server it may create a database on)',
  );
  process.exit(2);
}

// One title, one package name per manager, as the catalogue would map it.
const SEVEN_ZIP = '7zip.7zip,7zip,p7zip-full,sevenzip';
const WIN_VERSIONS = ['23.01', '22.01', '19.00'];
const DEB_VERSIONS = ['16.02+dfsg-8+deb12u1', '16.02+dfsg-8'];

// Every third device is Windows (winget), the rest Debian (dpkg); 9 in 10 have 7-Zip, in one
// of a few versions; the other P-1 packages are common to all, in a handful of versions each.
const SEED_DEVICES = `INSERT INTO device (hostname, public_key, os_platform, os_distro, os_release, arch)
  SELECT 'bench-' || lpad(i::text, 6, '0'), 'key-' || i,
         CASE WHEN i % 3 = 0 THEN 'win32' ELSE 'linux' END,
         CASE WHEN i % 3 = 0 THEN 'Windows 11' ELSE 'Debian GNU/Linux 12' END, '12', 'x64'
  FROM generate_series(1, $1::int) AS i`;
const SEED_INVENTORY = `INSERT INTO device_inventory (device_id, collected_at, data)
  SELECT id, now(), jsonb_build_object('hostname', hostname) FROM device`;
const SEED_SOFTWARE = `INSERT INTO device_software (device_id, name, version, source)
  SELECT d.id, 'pkg-' || lpad(j::text, 4, '0'), '1.' || ((d.n + j) % 7) || '.0-1',
         CASE WHEN d.os_platform = 'win32' THEN 'winget' ELSE 'dpkg' END
  FROM (SELECT id, os_platform, row_number() OVER (ORDER BY hostname) AS n FROM device) d,
       generate_series(1, $1::int - 1) AS j
  UNION ALL
  SELECT d.id,
         CASE WHEN d.os_platform = 'win32' THEN '7zip.7zip' ELSE 'p7zip-full' END,
         CASE WHEN d.os_platform = 'win32' THEN ($2::text[])[1 + d.n % 3] ELSE ($3::text[])[1 + d.n % 2] END,
         CASE WHEN d.os_platform = 'win32' THEN 'winget' ELSE 'dpkg' END
  FROM (SELECT id, os_platform, row_number() OVER (ORDER BY hostname) AS n FROM device) d
  WHERE d.n % 10 <> 0`;

const BENCH_SECRET_KEY = 'b'.repeat(64);

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const round = (x) => Math.round(x * 10) / 10;

const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
await admin.connect();
const dbName = values.reuse ?? `fleetdesk_bench_software_${process.pid}`;
if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error(`not a database name: ${dbName}`);
if (!values.reuse) await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(process.env.DATABASE_URL);
url.pathname = `/${dbName}`;
const dbUrl = url.toString();

let bench;
let ok = false;
const db = new pg.Client({ connectionString: dbUrl });
try {
  // A fixed key (this database holds nothing secret): a --keep'd database is readable by the
  // next --reuse, whose data dir, and so its key file, is a new one.
  bench = await startBench({ DATABASE_URL: dbUrl, FLEETDESK_SECRET_KEY: BENCH_SECRET_KEY }); // builds, migrates
  await db.connect();

  // Seeding: the indexes are dropped and rebuilt from their own definitions (pg_indexes), which
  // is several times faster than maintaining them row by row, and leaves the same schema.
  const t0 = performance.now();
  if (!values.reuse) await seed();
  async function seed() {
    await db.query(SEED_DEVICES, [N]);
    await db.query(SEED_INVENTORY);
    const { rows: indexes } = await db.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'device_software'`,
    );
    for (const { indexname } of indexes) await db.query(`DROP INDEX "${indexname}"`);
    await db.query(SEED_SOFTWARE, [P, WIN_VERSIONS, DEB_VERSIONS]);
    for (const { indexdef } of indexes) await db.query(indexdef);
    // What autovacuum would do soon after a load this size: statistics and the visibility map
    // (index-only scans need it).
    await db.query('VACUUM ANALYZE device_software');
    await db.query('VACUUM ANALYZE device');
    await db.query('VACUUM ANALYZE device_inventory');
  }
  const seedSeconds = round((performance.now() - t0) / 1000);
  const {
    rows: [{ n: softwareRows }],
  } = await db.query('SELECT count(*)::int AS n FROM device_software');

  async function measure(path) {
    const times = [];
    let body;
    for (let i = 0; i < SAMPLES + 5; i++) {
      const start = performance.now();
      body = await bench.api(path);
      // The first few warm the server's and PostgreSQL's caches.
      if (i >= 5) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {
      path,
      total: body.total ?? null,
      p50ms: round(percentile(times, 0.5)),
      p95ms: round(percentile(times, 0.95)),
      maxms: round(times.at(-1)),
    };
  }
  const queries = [
    await measure(`/api/software-inventory/devices?name=${SEVEN_ZIP}&presence=missing`),
    await measure(`/api/software-inventory/devices?name=${SEVEN_ZIP}&presence=outdated`),
    await measure(`/api/software-inventory/devices?name=${SEVEN_ZIP}&presence=outdated&page=20`),
    await measure(`/api/software-inventory/devices?name=${SEVEN_ZIP}&presence=missing&os=win32`),
    await measure(`/api/software-inventory/versions?name=${SEVEN_ZIP}`),
  ];
  const csvStart = performance.now();
  const csv = await fetch(
    `${bench.url}/api/software-inventory/devices.csv?name=${SEVEN_ZIP}&presence=installed`,
    { headers: bench.auth },
  ).then((r) => r.text());
  const csvExport = {
    lines: csv.trimEnd().split('\r\n').length - 1,
    ms: Math.round(performance.now() - csvStart),
  };

  // Ingest: the server's own inventory write (DeviceTelemetryService.saveInventory, from the
  // built server) replacing P packages on INGEST devices, CONCURRENCY at a time, into the
  // full-size table: the statement path an agent's inventory frame takes after validation.
  const require = createRequire(import.meta.url);
  const dist = (p) => require(join(ROOT, 'apps/server/dist', p));
  const { DataSource } = require('typeorm');
  const { DeviceTelemetryService } = dist('devices/device-telemetry.service.js');
  const { DeviceEvents } = dist('devices/device-events.js');
  const dataSource = new DataSource({ type: 'postgres', url: dbUrl, extra: { max: CONCURRENCY } });
  await dataSource.initialize();
  const telemetry = new DeviceTelemetryService(
    dataSource,
    { heartbeatIntervalMs: 30_000 },
    new DeviceEvents(),
  );
  const { rows: targets } = await db.query(
    `SELECT id, hostname, os_platform FROM device ORDER BY hostname LIMIT $1`,
    [INGEST],
  );
  const inventoryOf = (d, k) => ({
    os: {
      platform: d.os_platform,
      distro: 'Debian GNU/Linux',
      release: '12',
      kernel: '6.1.0',
      arch: 'x64',
    },
    hostname: d.hostname,
    cpu: { model: 'Bench CPU', cores: 4 },
    memoryBytes: 8e9,
    disks: [],
    network: [],
    users: [],
    software: Array.from({ length: P }, (_, j) => ({
      name: `pkg-${String(j + 1).padStart(4, '0')}`,
      version: `2.${(k + j) % 5}.0-1`,
      source: d.os_platform === 'win32' ? 'winget' : 'dpkg',
    })),
    collectedAt: Date.now(),
  });
  const ingestStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < targets.length) {
        const k = next++;
        await telemetry.saveInventory(targets[k].id, inventoryOf(targets[k], k));
      }
    }),
  );
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  await dataSource.destroy();
  const ingest = {
    devices: INGEST,
    packagesEach: P,
    concurrency: CONCURRENCY,
    seconds: round(ingestSeconds),
    devicesPerSecond: round(INGEST / ingestSeconds),
    rowsPerSecond: Math.round((INGEST * P) / ingestSeconds),
    fleetOf10000Minutes: round(10_000 / (INGEST / ingestSeconds) / 60),
  };

  console.log(
    JSON.stringify(
      {
        devices: N,
        packages: P,
        softwareRows,
        seedSeconds,
        samples: SAMPLES,
        queries,
        csvExport,
        ingest,
      },
      null,
      2,
    ),
  );
  ok = queries.every((q) => q.p95ms <= 200);
  if (!ok) console.error('p95 above the 200 ms target');
} finally {
  await db.end().catch(() => {});
  await bench?.stop();
  if (values.keep || values.reuse) console.error(`kept database ${dbName}`);
  else await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
process.exit(ok ? 0 : 1);
