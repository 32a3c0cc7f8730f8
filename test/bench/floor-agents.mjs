#!/usr/bin/env node
// The agents' side of the floor (see floor-server.mjs): one plain socket per simulated agent,
// with the device ids the simulator enrolled (read from its state directory) and the same
// source addresses. Each run message is answered with a 2 KB result; nothing is verified.
//   node floor-agents.mjs <ws url> <state dir> <count> <bind,bind,…>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

const [url, stateDir, count, bindList] = process.argv.slice(2);
const ids = readFileSync(join(stateDir, 'sim-identities.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line).deviceId)
  .slice(0, Number(count));
const bind = bindList.split(',');
const output = 'x'.repeat(2048);
let i = 0;
// A few hundred handshakes at a time, like the simulator's gate.
async function connectAll() {
  const pending = new Set();
  for (const deviceId of ids) {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      localAddress: bind[i++ % bind.length],
    });
    const opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }).then(() => ws.send(JSON.stringify({ deviceId })));
    ws.on('message', (data) => {
      const { body } = JSON.parse(String(data));
      const now = Date.now();
      ws.send(
        JSON.stringify({
          type: 'result',
          body: {
            runId: body.runId,
            deviceId,
            outcome: 'succeeded',
            exitCode: 0,
            output,
            finishedAt: now,
          },
        }),
      );
    });
    pending.add(opened);
    void opened.finally(() => pending.delete(opened));
    if (pending.size >= 200) await Promise.race(pending);
  }
  await Promise.all(pending);
}
await connectAll();
process.once('SIGTERM', () => process.exit(0));
