#!/usr/bin/env node
// Holds N simulated agents online against a real server and reports the server's RSS and CPU.
//   npm run bench:fleet -- --agents 5000 [--processes 1] [--hold 60] [--heartbeat-ms 30000]
import { parseArgs } from 'node:util';
import { sleep, startBench } from './lib.mjs';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '5000' },
    processes: { type: 'string', default: '1' },
    hold: { type: 'string', default: '60' },
    'heartbeat-ms': { type: 'string', default: '30000' },
  },
});
const N = Number(values.agents);
const bench = await startBench({ AGENT_HEARTBEAT_INTERVAL_MS: values['heartbeat-ms'] });
let ok = false;
try {
  const upAfter = await bench.simulate(N, Number(values.processes));
  const online = async () => (await bench.api('/api/devices?status=online&pageSize=1')).total;
  const c0 = bench.ticks();
  const h0 = Date.now();
  let peak = 0;
  let minOnline = N;
  while (Date.now() - h0 < Number(values.hold) * 1000) {
    await sleep(5000);
    peak = Math.max(peak, bench.rssMiB());
    minOnline = Math.min(minOnline, await online());
  }
  const cpu = ((bench.ticks() - c0) / 100 / ((Date.now() - h0) / 1000)) * 100;
  console.log(
    JSON.stringify(
      {
        agents: N,
        heartbeatMs: Number(values['heartbeat-ms']),
        allOnlineAfterSeconds: Number(upAfter.toFixed(1)),
        holdSeconds: Number(values.hold),
        minOnlineDuringHold: minOnline,
        serverRssMiB: Math.round(bench.rssMiB()),
        serverPeakRssMiB: Math.round(peak),
        serverCpuPercentOfOneCore: Number(cpu.toFixed(1)),
      },
      null,
      2,
    ),
  );
  ok = minOnline === N;
} finally {
  await bench.stop();
}
process.exit(ok ? 0 : 1);
