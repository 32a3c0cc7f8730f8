// Live follow latency: one server, one real agent (the Node bundle), one headless Chromium on
// the device page's "Live log" tab. Lines are appended to a file one at a time, each stamped
// with the time it was written; the page records when each one is added to the screen.
// Prints append-to-screen p50/p95/max over FOLLOW_LINES lines (default 200), and the load.
//
//   npm run bench:follow
//   FOLLOW_LINES=500 FOLLOW_EVERY_MS=20 npm run bench:follow
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, sleep, startBench } from './lib.mjs';

const lines = Number(process.env.FOLLOW_LINES ?? 200);
const everyMs = Number(process.env.FOLLOW_EVERY_MS ?? 50);
const AGENT = join(ROOT, 'apps/agent/dist/fleetdesk-agent.js');

const consoleDir = mkdtempSync(join(tmpdir(), 'fleetdesk-bench-console-'));
execFileSync(
  process.execPath,
  [
    join(ROOT, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    'apps/console/vite.config.mjs',
    '--outDir',
    consoleDir,
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
const bench = await startBench({ CONSOLE_DIR: consoleDir });
const work = realpathSync(mkdtempSync(join(tmpdir(), 'fleetdesk-bench-follow-')));
const stateDir = join(work, 'state');
const log = join(work, 'bench.log');
writeFileSync(log, '');
let agent;
let browser;
try {
  const { token } = await bench.api('/api/enrollment-tokens', {
    method: 'POST',
    body: JSON.stringify({ name: 'follow-bench', maxUses: 1 }),
  });
  execFileSync(
    process.execPath,
    [AGENT, 'enroll', '--server', bench.url, '--token', token, '--state-dir', stateDir],
    { stdio: 'inherit' },
  );
  agent = spawn(process.execPath, [AGENT, 'run', '--state-dir', stateDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let deviceId;
  for (let i = 0; !deviceId; i++) {
    const page = await bench.api('/api/devices?status=online&pageSize=1');
    deviceId = page.items[0]?.id;
    if (i > 600) throw new Error('the agent did not come online within 2 minutes');
    if (!deviceId) await sleep(200);
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(bench.url);
  await page.getByLabel('Email').fill('bench@example.com');
  await page.getByLabel(/^Password/).fill('bench-password-123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
  await page.goto(`${bench.url}/devices/${deviceId}`);
  await page.getByRole('tab', { name: 'Live log' }).click();
  await page.getByLabel('Path').fill(log);
  await page.getByTestId('live-log-start').click();
  await page.locator('[data-testid="live-log-status"][data-state="following"]').waitFor();
  // The moment each line is added to the screen, by its text (Date.now(): the same clock).
  await page.evaluate(() => {
    const seen = new Map();
    window.__seen = seen;
    const view = document.querySelector('[data-testid="live-log-lines"]');
    new MutationObserver((records) => {
      const at = Date.now();
      for (const r of records)
        for (const node of r.addedNodes) if (node.textContent) seen.set(node.textContent, at);
    }).observe(view, { childList: true });
  });

  const loadBefore = loadavg().map((l) => Number(l.toFixed(2)));
  const written = [];
  for (let i = 0; i < lines; i++) {
    const at = Date.now();
    const text = `bench line ${i} ${at}`;
    appendFileSync(log, `${text}\n`);
    written.push([text, at]);
    await sleep(everyMs);
  }
  const deadline = Date.now() + 30_000;
  let seen;
  for (;;) {
    seen = new Map(await page.evaluate(() => [...window.__seen]));
    if (written.every(([t]) => seen.has(t)) || Date.now() > deadline) break;
    await sleep(200);
  }
  const latencies = written
    .filter(([t]) => seen.has(t))
    .map(([t, at]) => seen.get(t) - at)
    .sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const [l1, l5, l15] = loadavg();
  console.log(
    JSON.stringify(
      {
        lines,
        everyMs,
        shown: latencies.length,
        p50Ms: pct(50),
        p95Ms: pct(95),
        maxMs: latencies.at(-1),
        loadavgBefore: loadBefore,
        loadavgAfter: [l1, l5, l15].map((l) => Number(l.toFixed(2))),
      },
      null,
      2,
    ),
  );
  if (latencies.length < lines) process.exitCode = 1;
} finally {
  await browser?.close();
  agent?.kill('SIGTERM');
  await bench.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(consoleDir, { recursive: true, force: true });
}
