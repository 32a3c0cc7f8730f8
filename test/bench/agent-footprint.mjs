// The idle agent's footprint: the linux-x64 single-file executable enrolled against a real
// server with the default heartbeat, sampled from /proc for FOOTPRINT_SECONDS (default 600)
// after a warm-up (inventory at connect). Prints each binary's size, then RSS and CPU.
//
//   npm run bench:footprint            # 10 minutes
//   FOOTPRINT_SECONDS=60 npm run bench:footprint
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sleep, startBench } from './lib.mjs';

const seconds = Number(process.env.FOOTPRINT_SECONDS ?? 600);
const warmupSeconds = Number(process.env.FOOTPRINT_WARMUP_SECONDS ?? 60);
const sampleEveryMs = 5000;

execFileSync(process.execPath, [join(ROOT, 'apps/agent/build.mjs')], {
  stdio: 'inherit',
  // Every platform by default, so the sizes table is complete; FLEETDESK_AGENT_PLATFORMS=linux-x64
  // measures memory without fetching the other Node binaries.
  env: { FLEETDESK_AGENT_PLATFORMS: 'all', ...process.env },
});
const binDir = join(ROOT, 'apps/agent/dist/bin');
const manifest = JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));

const bench = await startBench();
const stateDir = mkdtempSync(join(tmpdir(), 'fleetdesk-footprint-'));
let agent;
try {
  const { token, serverKeySha256 } = await bench.api('/api/enrollment-tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'footprint', maxUses: 1 }),
  });
  const exe = join(binDir, 'fleetdesk-agent-linux-x64');
  // No node on PATH: the executable needs none.
  const env = {
    PATH: '/nonexistent',
    HOME: stateDir,
    // To compare V8 settings, e.g. FOOTPRINT_NODE_OPTIONS=--max-semi-space-size=1
    ...(process.env.FOOTPRINT_NODE_OPTIONS
      ? { NODE_OPTIONS: process.env.FOOTPRINT_NODE_OPTIONS }
      : {}),
  };
  execFileSync(
    exe,
    [
      'enroll',
      '--server',
      bench.url,
      '--token',
      token,
      '--server-key-sha256',
      serverKeySha256,
      '--state-dir',
      stateDir,
    ],
    { env, stdio: 'inherit' },
  );
  // A file just written sits in the page cache in large folios (ext4 on Linux 6.x), and a page
  // fault maps the whole folio: started straight after the build, the same agent shows about
  // 20 MiB more file-backed RSS than when it starts from disk, as after a reboot. Dropping this
  // one file's cached pages measures the second case; FOOTPRINT_AS_WRITTEN=1 the first.
  if (!process.env.FOOTPRINT_AS_WRITTEN) {
    execFileSync('dd', [`if=${exe}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
  agent = spawn(exe, ['run', '--state-dir', stateDir], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    const { items } = await bench.api('/api/devices?status=online');
    if (items.length === 1) break;
    if (i > 120) throw new Error('the agent did not come online');
    await sleep(500);
  }
  console.log(`agent online; warming up ${warmupSeconds} s, then sampling ${seconds} s`);
  await sleep(warmupSeconds * 1000);

  const clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const ticks = () => {
    const f = readFileSync(`/proc/${agent.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const status = (field) =>
    Number(
      new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))[1],
    ) / 1024;

  const rss = [];
  const anon = [];
  const t0 = performance.now();
  const ticks0 = ticks();
  while (performance.now() - t0 < seconds * 1000) {
    if (agent.exitCode !== null) throw new Error(`the agent exited with ${agent.exitCode}`);
    rss.push(status('VmRSS'));
    // RSS counts the pages of the 120 MB executable that were touched (file-backed, shared,
    // reclaimable); RssAnon is the memory the agent itself holds.
    anon.push(status('RssAnon'));
    await sleep(sampleEveryMs);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpuSeconds = (ticks() - ticks0) / clkTck;
  const summary = {
    agentVersion: manifest.version,
    node: manifest.node['linux-x64'],
    sizesMiB: Object.fromEntries(
      manifest.platforms.map((p) => [p.file, +(p.size / 2 ** 20).toFixed(1)]),
    ),
    sampledSeconds: Math.round(elapsed),
    heartbeatMs: 30000,
    nodeOptions: process.env.FOOTPRINT_NODE_OPTIONS ?? '',
    pageCache: process.env.FOOTPRINT_AS_WRITTEN ? 'as written' : 'dropped before start',
    rssMiB: {
      min: +Math.min(...rss).toFixed(1),
      mean: +(rss.reduce((a, b) => a + b, 0) / rss.length).toFixed(1),
      max: +Math.max(...rss).toFixed(1),
      peakSinceStart: +status('VmHWM').toFixed(1),
    },
    rssAnonMiB: {
      mean: +(anon.reduce((a, b) => a + b, 0) / anon.length).toFixed(1),
      max: +Math.max(...anon).toFixed(1),
    },
    rssFileMiBAtEnd: +status('RssFile').toFixed(1),
    cpuSeconds: +cpuSeconds.toFixed(2),
    cpuPercentOfOneCore: +((100 * cpuSeconds) / elapsed).toFixed(3),
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  agent?.kill('SIGTERM');
  await bench.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
