#!/usr/bin/env node
// The floor of bench:fanout: the least a server must do to fan one run out to every agent
// and store the results. A bare `ws` server, no authentication, no signing, no job or run
// rows: it sends each connected agent one run message, and writes each 2 KB result into one
// table with one batched INSERT … SELECT unnest(…) every 50 ms (pg-copy-streams is not a
// dependency; unnest over arrays is one statement per batch, as close to COPY as `pg` goes).
// Driven by bench:fanout over IPC: → { go: round }  ← { done: round, ms, rows }.
import pg from 'pg';
import { WebSocketServer } from 'ws';

const TABLE = 'bench_floor_result';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
await pool.query(
  `CREATE TABLE ${TABLE} (run_id text PRIMARY KEY, device_id text NOT NULL,
     outcome text NOT NULL, exit_code int NOT NULL, output text NOT NULL,
     finished_at timestamptz NOT NULL)`,
);

const sockets = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
let round = null;
let buffer = [];
let flushing = null;

wss.on('connection', (ws) => {
  ws.once('message', (data) => {
    const { deviceId } = JSON.parse(String(data));
    sockets.set(deviceId, ws);
    ws.on('close', () => sockets.delete(deviceId));
    ws.on('message', (frame) => {
      const { body } = JSON.parse(String(frame));
      buffer.push(body);
      if (!flushing) flushing = setTimeout(flush, 50);
    });
  });
});

async function flush() {
  const rows = buffer;
  buffer = [];
  await pool.query(
    `INSERT INTO ${TABLE} (run_id, device_id, outcome, exit_code, output, finished_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[])`,
    [
      rows.map((r) => r.runId),
      rows.map((r) => r.deviceId),
      rows.map((r) => r.outcome),
      rows.map((r) => r.exitCode),
      rows.map((r) => r.output),
      rows.map((r) => new Date(r.finishedAt)),
    ],
  );
  flushing = buffer.length ? setTimeout(flush, 0) : null;
  if (!round) return;
  round.rows += rows.length;
  if (round.rows >= round.sent) {
    process.send({ done: round.id, ms: performance.now() - round.t0, rows: round.rows });
    round = null;
  }
}

process.on('message', (msg) => {
  if (msg.status) return void process.send({ connected: sockets.size });
  if (msg.go === undefined) return;
  round = { id: msg.go, t0: performance.now(), sent: 0, rows: 0 };
  const expiresAt = Date.now() + 3_600_000;
  for (const [deviceId, ws] of sockets) {
    const runId = `${msg.go}-${deviceId}`;
    ws.send(
      JSON.stringify({
        type: 'run',
        body: { runId, deviceId, expiresAt, language: 'sh', body: 'true', timeoutSeconds: 3600 },
      }),
    );
    round.sent++;
  }
});
process.once('SIGTERM', () => {
  for (const ws of sockets.values()) ws.terminate();
  wss.close();
  void pool
    .query(`DROP TABLE IF EXISTS ${TABLE}`)
    .finally(() => pool.end())
    .finally(() => process.exit(0));
});
wss.on('listening', () => process.send({ port: wss.address().port }));
