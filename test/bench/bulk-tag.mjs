#!/usr/bin/env node
// Time of one bulk tag request over N devices, and proof that it is one audit event.
//   npm run bench:bulk -- [--devices 5000] [--repeat 3]
// On the embedded engine by default; with DATABASE_URL set, on a fresh database made (and
// dropped) on that PostgreSQL server.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '3' },
  },
});
const N = Number(values.devices);
const ROUNDS = Number(values.repeat);

// Devices go straight into the database, as enrolled devices would be: enrolling 5,000 over
// HTTP would take minutes and measure enrollment, not the bulk route.
const SEED = `INSERT INTO device (hostname, public_key, os_platform, os_distro, os_release, arch)
  SELECT 'bench-' || i, 'key-' || i, 'linux', 'Debian', '12', 'x64' FROM generate_series(1, $1::int) AS i
  RETURNING id`;

const dataDir = mkdtempSync(join(tmpdir(), 'fleetdesk-bulk-'));
let env = { DATA_DIR: dataDir };
let ids;
let dropDatabase = async () => {};
let bench;
if (process.env.DATABASE_URL) {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = `fleetdesk_bench_bulk_${process.pid}`;
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
  ids = (await db.query(SEED, [N])).rows.map((r) => r.id);
  await db.end();
} else {
  // PGlite serves one process: migrate with a first server start, seed, start again.
  await (await startBench(env)).stop();
  const db = await PGlite.create(join(dataDir, 'pglite'));
  ids = (await db.query(SEED, [N])).rows.map((r) => r.id);
  await db.close();
  bench = await startBench(env);
}

let ok = false;
try {
  const auditCount = async () =>
    (await bench.api('/api/audit?action=devices.bulk_tag&pageSize=1')).total;
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const before = await auditCount();
    const t0 = performance.now();
    const res = await bench.api('/api/devices/bulk/tag', {
      method: 'POST',
      body: JSON.stringify({ target: { deviceIds: ids }, tags: [`bench-${i}`] }),
    });
    const ms = performance.now() - t0;
    rounds.push({
      ms: Math.round(ms),
      matched: res.matched,
      changed: res.changed,
      auditEvents: (await auditCount()) - before,
    });
  }
  // Again with a tag every device has: nothing to insert, the count of who had it.
  const t0 = performance.now();
  const again = await bench.api('/api/devices/bulk/tag', {
    method: 'POST',
    body: JSON.stringify({ target: { deviceIds: ids }, tags: ['bench-0'] }),
  });
  const alreadyTaggedMs = Math.round(performance.now() - t0);
  const best = Math.min(...rounds.map((r) => r.ms));
  console.log(
    JSON.stringify(
      {
        engine: process.env.DATABASE_URL ? 'postgres' : 'embedded',
        devices: N,
        rounds,
        bestMs: best,
        alreadyTagged: { ms: alreadyTaggedMs, matched: again.matched, changed: again.changed },
        serverRssMiB: Math.round(bench.rssMiB()),
      },
      null,
      2,
    ),
  );
  ok = rounds.every((r) => r.matched === N && r.changed === N && r.auditEvents === 1);
} finally {
  await bench.stop();
  await dropDatabase();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
