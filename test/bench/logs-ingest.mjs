#!/usr/bin/env node
// Log ingest: N simulated agents each collect and upload the same 1 MiB log through the real
// collection path, then the same bytes go to a bare `ws` receiver writing them to disk.
//   npm run bench:logs -- [--agents 1000] [--processes 2] [--bytes 1048576]
//
// Fleetdesk path: `simulate --collect-logs` runs the real collect_logs handler in every
// virtual agent (the signed action checked, the file staged under the agent's own state
// folder with its SHA-256, a manifest) and the real LogUploader (manifest, then chunks of
// 256 KiB numbered from 0, up to 4 consecutive ones a request as one gzip, each request with
// its SHA-256; since protocol 7 over the agent's authenticated socket, the manifest as a JSON
// frame and each request as one binary frame); the server checks, stores and hashes them into
// bundles. With `--hold-uploads` every virtual agent stages its bundle and compresses its
// requests first, then waits; the bench waits for all runs to report, sends the go signal
// (SIGUSR2) and times from the go to the last bundle the server completed (server clock):
// the server's ingest of ready bytes, as the bare receiver's window. End to end (first
// POST to last bundle stored, fan-out and staging included) is reported apart.
//
// Bare path, same run, same machine: one receiver process (a `ws` server, no authentication,
// no database), the same number of sender processes with the same number of sockets, each
// socket sending the same gzip bodies the uploader sends, one after the other; the receiver
// writes each to its own file per socket, datasyncs it (as the store does) and acknowledges
// it, and the next goes only after the ack (as the uploader waits for each PUT's answer).
// Run twice: with the uploader's bodies (the ratio), and with one 256 KiB chunk a message
// (the uploader's requests before it sent several chunks in one; `bare256`).
//
// Prints MB/s (of the logs' raw bytes, 10^6 bytes) and lines/s stored for each, the ratio,
// and the CPU seconds the server and the simulators used while Fleetdesk stored the logs.
// Internal modes of this file: --bare-receiver DIR, --bare-sender URL COUNT FILE CHUNKS.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { WebSocket, WebSocketServer } from 'ws';

/** The uploader's raw chunk size (LOG_LIMITS.chunkBytes): the bare senders send the same chunks. */
const CHUNK_BYTES = 256 * 1024;
/** Chunks the uploader sends a request (LOG_LIMITS.chunksPerRequest, as the server allows). */
const CHUNKS_PER_REQUEST = 4;
/** The uploader's gzip settings (GZIP in apps/agent/src/logs/uploader.ts). */
const GZIP = { level: 6 };

async function main() {
  const { sleep, startBench } = await import('./lib.mjs');
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '1000' },
      processes: { type: 'string' },
      bytes: { type: 'string', default: String(1024 * 1024) },
    },
  });
  const N = Number(values.agents);
  // At most 500 agents a simulator process: each holds a socket and, while uploading, a
  // staged file open (one process may hold at most 20,000 files).
  const P = Number(values.processes ?? Math.max(1, Math.ceil(N / 500)));
  const BYTES = Number(values.bytes);
  if (!(N >= 1 && P >= 1 && P <= N && BYTES >= 1024)) {
    console.error('usage: --agents N (≥ 1) [--processes P (1..N)] [--bytes B (≥ 1024)]');
    process.exit(2);
  }

  const work = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-logs-'));
  const logDir = join(work, 'logs');
  mkdirSync(logDir);
  const logFile = join(logDir, 'app.log');
  const lines = writeLog(logFile, BYTES);
  const wire = chunksOf(readFileSync(logFile), CHUNKS_PER_REQUEST);
  const wire256 = chunksOf(readFileSync(logFile), 1);

  const bench = await startBench();
  const results = { agents: N, processes: P, bytesPerAgent: BYTES, linesPerAgent: lines };
  let ok = false;
  try {
    await bench.api('/api/log-collections/settings', {
      method: 'PUT',
      body: JSON.stringify({
        allow: [`${logDir}/**`],
        maxBundleBytes: BYTES * 2,
        maxTotalBytes: Math.max(N * BYTES * 2, 10 * 1024 * 1024 * 1024),
      }),
    });
    // --hold-uploads: each virtual agent stages its bundle and compresses its requests (all
    // real agent code), reports its run, and sends nothing until the go signal (SIGUSR2).
    results.allOnlineAfterSeconds = round(
      await bench.simulate(N, P, ['--collect-logs', '--hold-uploads']),
    );

    // GET /api/log-bundles answers at most 500 per query: one collection job per 500 devices.
    const ids = [];
    for (let page = 1; ids.length < N; page++) {
      const got = await bench.api(`/api/devices?status=online&pageSize=200&page=${page}`);
      ids.push(...got.items.map((d) => d.id));
      if (got.items.length === 0) throw new Error(`only ${ids.length}/${N} devices listed`);
    }
    const t0 = Date.now();
    const cpu0 = { server: bench.ticks(), simulators: bench.simTicks() };
    const jobs = [];
    for (let i = 0; i < N; i += 500) {
      const job = await bench.api('/api/log-collections', {
        method: 'POST',
        body: JSON.stringify({
          name: 'bench:logs',
          target: { deviceIds: ids.slice(i, i + 500) },
          sources: [{ type: 'file', path: logFile }],
          maxBytesPerSource: BYTES * 2,
        }),
      });
      jobs.push({ id: job.id, devices: Math.min(500, N - i) });
    }
    // Staged: a held agent reports its run succeeded once it has nothing left but to send.
    for (;;) {
      let succeeded = 0;
      for (const job of jobs) {
        const { counts } = await bench.api(`/api/jobs/${job.id}`);
        const other = Object.entries(counts).filter(
          ([state, n]) =>
            n > 0 && !['total', 'pending', 'dispatched', 'running', 'succeeded'].includes(state),
        );
        if (other.length > 0) throw new Error(`collection runs ended ${JSON.stringify(other)}`);
        succeeded += counts.succeeded;
      }
      if (succeeded === N) break;
      if (Date.now() - t0 > 1_800_000) throw new Error(`after 30 min: ${succeeded}/${N} staged`);
      await sleep(200);
    }
    const stagedAt = Date.now();
    const cpuGo = {
      server: bench.ticks(),
      simulators: bench.simTicks(),
      db: await bench.dbTicks(),
    };
    const go = Date.now();
    const goUs = Number(process.hrtime.bigint() / 1000n);
    bench.releaseUploads();
    // Polled every 2 s, and a job's bundles only once the jobs before it are done: listing 500
    // bundles is work for the server being measured, and the window comes from its own
    // timestamps, so polling sooner would only slow what it measures.
    let bundles = [];
    for (;;) {
      await sleep(2000);
      bundles = [];
      for (const job of jobs) {
        const got = await bench.api(`/api/log-bundles?jobId=${job.id}`);
        bundles.push(...got);
        if (got.length < job.devices || got.some((b) => b.status === 'uploading')) break;
      }
      const done = bundles.filter((b) => b.status !== 'uploading').length;
      if (bundles.length === N && done === N) break;
      if (Date.now() - go > 1_800_000) {
        throw new Error(`after 30 min: ${bundles.length}/${N} bundles, ${done} finished`);
      }
    }
    const storeCpu = {
      serverSeconds: round((bench.ticks() - cpuGo.server) / 100),
      simulatorsSeconds: round((bench.simTicks() - cpuGo.simulators) / 100),
      postgresSeconds: round((await bench.dbCpuMsSince(cpuGo.db)) / 1000),
    };
    const cpu = {
      serverSeconds: round((bench.ticks() - cpu0.server) / 100),
      simulatorsSeconds: round((bench.simTicks() - cpu0.simulators) / 100),
    };
    const failed = bundles.filter((b) => b.status !== 'complete');
    if (failed.length > 0) throw new Error(`${failed.length} bundles failed: ${failed[0].error}`);
    const stored = bundles.reduce((n, b) => n + b.files.reduce((m, f) => m + f.size, 0), 0);
    if (stored !== N * BYTES) throw new Error(`stored ${stored} bytes, expected ${N * BYTES}`);
    const opened = bundles.map((b) => Date.parse(b.createdAt));
    const received = Math.max(...bundles.map((b) => Date.parse(b.receivedAt)));
    const last = Math.max(...bundles.map((b) => Date.parse(b.completedAt)));
    if (Math.min(...opened) < go) throw new Error('a bundle was opened before the go signal');
    // The ratio's window: from the go (every agent staged, its bytes compressed) to the last
    // bundle the server stored (server's clock, same machine): manifests, chunks, checks of
    // each request (signature, SHA-256, size), writes, syncs, commits; every agent told its
    // bundle is kept. What the bare receiver's window covers, plus the manifests. Each file
    // is then unzipped and hashed against its manifest before the bundle is `complete`:
    // `verified` is go → the last bundle complete (and `ratioVerified` from it).
    results.fleetdesk = rates(N, BYTES, lines, (received - go) / 1000);
    results.fleetdesk.verified = rates(N, BYTES, lines, (last - go) / 1000);
    results.fleetdesk.cpu = storeCpu;
    // CLOCK_MONOTONIC, as --cpu-prof's timestamps: cuts a profile down to the window.
    results.fleetdesk.monotonicUs = {
      go: goUs,
      stored: goUs + (received - go) * 1000,
      verified: goUs + (last - go) * 1000,
    };
    results.fleetdesk.firstOpenedAfterSeconds = round((Math.min(...opened) - go) / 1000);
    results.fleetdesk.lastOpenedAfterSeconds = round((Math.max(...opened) - go) / 1000);
    // End to end, reported apart: from the first collection POST to the last bundle stored,
    // with the fan-out and every agent's staging (and up to 0.2 s of the staging poll).
    results.endToEnd = rates(N, BYTES, lines, (last - t0) / 1000);
    results.endToEnd.stagingSeconds = round((stagedAt - t0) / 1000);
    results.endToEnd.cpu = cpu;

    const floor = await bare(work, N, P, logFile, wire.length, 4);
    results.bare = { ...rates(N, BYTES, lines, floor.seconds), cpu: floor.receiverCpuSeconds };
    const floor256 = await bare(work, N, P, logFile, wire256.length, 1);
    results.bare256 = {
      ...rates(N, BYTES, lines, floor256.seconds),
      cpu: floor256.receiverCpuSeconds,
    };
    results.ratio = Number((results.fleetdesk.mbPerSecond / results.bare.mbPerSecond).toFixed(3));
    results.ratioVerified = Number(
      (results.fleetdesk.verified.mbPerSecond / results.bare.mbPerSecond).toFixed(3),
    );
    results.ratioToBare256 = Number(
      (results.fleetdesk.mbPerSecond / results.bare256.mbPerSecond).toFixed(3),
    );
    ok = true;
  } finally {
    await bench.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
  process.exit(ok ? 0 : 1);
}

/** A log of about `bytes` bytes (exactly, padded on the last line): stamped lines of ~76 bytes. */
function writeLog(file, bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const at = new Date(Date.UTC(2026, 10, 20, 10, 0, 0, i)).toISOString();
    let line = `${at} host app[4242]: INFO request ${i} served in ${(i * 7) % 500} ms\n`;
    if (size + line.length > bytes) line = `${'x'.repeat(Math.max(0, bytes - size - 1))}\n`;
    parts.push(line);
    size += line.length;
  }
  const text = parts.join('').slice(0, bytes);
  writeFileSync(file, text);
  return text.split('\n').filter((l) => l !== '').length;
}

/** The gzip bodies the uploader sends for this file (one per `per` chunks of 256 KiB). */
function chunksOf(data, per) {
  const chunks = [];
  const step = per * CHUNK_BYTES;
  for (let at = 0; at < data.length || at === 0; at += step) {
    chunks.push(gzipSync(data.subarray(at, at + step), GZIP));
    if (data.length === 0) break;
  }
  return chunks;
}

const round = (x) => Math.round(x * 10) / 10;

function rates(agents, bytes, lines, seconds) {
  return {
    seconds: round(seconds),
    mbPerSecond: Number(((agents * bytes) / 1e6 / seconds).toFixed(2)),
    linesPerSecond: Math.round((agents * lines) / seconds),
  };
}

/** user + system CPU ticks (10 ms) of a process. */
function ticksOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

/**
 * The bare floor: one receiver, P sender processes, N sockets; seconds from go to the last
 * ack, and the CPU seconds the receiver used meanwhile (to set beside the server's).
 */
async function bare(work, agents, processes, logFile, chunks, chunksPerMessage) {
  const dir = join(work, `bare-${chunksPerMessage}`);
  mkdirSync(dir);
  const self = new URL(import.meta.url).pathname;
  const receiver = fork(self, ['--bare-receiver', dir], { stdio: 'inherit' });
  const senders = [];
  try {
    const [{ port }] = await once(receiver, 'message');
    const per = Math.ceil(agents / processes);
    for (let p = 0; p < processes; p++) {
      const count = Math.min(per, agents - p * per);
      senders.push(
        fork(
          self,
          [
            '--bare-sender',
            `ws://127.0.0.1:${port}`,
            String(count),
            logFile,
            String(chunksPerMessage),
          ],
          { stdio: 'inherit' },
        ),
      );
    }
    await Promise.all(senders.map((s) => once(s, 'message'))); // every socket open
    const t0 = performance.now();
    const done = senders.map((s) => once(s, 'message'));
    const cpu0 = ticksOf(receiver.pid);
    for (const s of senders) s.send('go');
    const answers = (await Promise.all(done)).map(([m]) => m);
    const seconds = (performance.now() - t0) / 1000;
    const receiverCpuSeconds = round((ticksOf(receiver.pid) - cpu0) / 100);
    const acked = answers.reduce((n, a) => n + a.acked, 0);
    if (acked !== agents * chunks)
      throw new Error(`bare: ${acked}/${agents * chunks} chunks acked`);
    return { seconds, receiverCpuSeconds };
  } finally {
    for (const s of senders) s.kill();
    receiver.kill();
  }
}

async function bareReceiver(dir) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 2 * CHUNKS_PER_REQUEST * CHUNK_BYTES,
  });
  await once(wss, 'listening');
  let next = 0;
  wss.on('connection', (ws) => {
    const id = next++;
    const opened = open(join(dir, `${id}.gz`), 'w', 0o600);
    let offset = 0;
    // One chunk at a time per socket, in order: the sender waits for each ack.
    let queue = Promise.resolve();
    ws.on('message', (data) => {
      queue = queue.then(async () => {
        const file = await opened;
        await file.write(data, 0, data.length, offset);
        offset += data.length;
        await file.datasync();
        ws.send('ok');
      });
    });
    ws.on('close', () => void opened.then((f) => f.close()));
  });
  process.send({ port: wss.address().port });
}

async function bareSender(url, count, logFile, per) {
  const chunks = chunksOf(readFileSync(logFile), per);
  const sockets = await Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      await once(ws, 'open');
      return ws;
    }),
  );
  process.send({ ready: count });
  await once(process, 'message');
  let acked = 0;
  await Promise.all(
    sockets.map(async (ws) => {
      for (const chunk of chunks) {
        const ack = once(ws, 'message');
        ws.send(chunk);
        await ack;
        acked += 1;
      }
      ws.close();
    }),
  );
  process.send({ acked });
}

// Last, so every declaration above is initialised when the mode runs.
const mode = process.argv[2];
if (mode === '--bare-receiver') await bareReceiver(process.argv[3]);
else if (mode === '--bare-sender')
  await bareSender(
    process.argv[3],
    Number(process.argv[4]),
    process.argv[5],
    Number(process.argv[6]),
  );
else await main();
