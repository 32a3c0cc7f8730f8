#!/usr/bin/env node
// Time from POST /api/jobs until every run's result is committed, for N simulated agents.
//   npm run bench:fanout -- --agents 10000 [--processes 2] [--repeat 3]
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
const bench = await startBench({ AGENT_HEARTBEAT_INTERVAL_MS: '60000' });
try {
  const onlineAfter = await bench.simulate(N, Number(values.processes));
  const rounds = [];
  for (let i = 0; i < Number(values.repeat); i++) {
    const t0 = performance.now();
    const job = await bench.api('/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ command: { language: 'sh', body: 'true' }, target: { all: true } }),
    });
    const created = performance.now() - t0;
    for (;;) {
      const j = await bench.api(`/api/jobs/${job.id}`);
      const done = j.counts.total - j.counts.pending - j.counts.dispatched - j.counts.running;
      if (done === N) {
        rounds.push({
          createMs: Math.round(created),
          allCommittedMs: Math.round(performance.now() - t0),
          succeeded: j.counts.succeeded,
        });
        break;
      }
      await sleep(25);
    }
    await sleep(2000);
  }
  const best = Math.min(...rounds.map((r) => r.allCommittedMs));
  console.log(
    JSON.stringify(
      {
        agents: N,
        onlineAfterSeconds: onlineAfter,
        rounds,
        bestAllCommittedMs: best,
        runsPerSecond: Math.round((N / best) * 1000),
        serverRssMiB: Math.round(bench.rssMiB()),
      },
      null,
      2,
    ),
  );
} finally {
  await bench.stop();
}
