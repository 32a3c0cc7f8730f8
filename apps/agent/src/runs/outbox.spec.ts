import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultBody } from '@fleetdesk/protocol';
import { Outbox, OUTBOX_DIR } from './outbox';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  const result = (runId: string, finishedAt: number): ResultBody => ({
    runId,
    outcome: 'succeeded',
    exitCode: 0,
    startedAt: 1,
    finishedAt,
    lastSeq: -1,
    outputBytes: 0,
    truncated: false,
  });

  it('keeps results and output across a restart, oldest first, until removed', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const outbox = await Outbox.open(dir);
    await outbox.writeResult(result(b, 20));
    await outbox.appendOutput({ runId: a, seq: 0, stream: 'stdout', data: 'x' });
    await outbox.appendOutput({ runId: a, seq: 1, stream: 'stderr', data: 'y' });
    await outbox.writeResult(result(a, 10));

    const again = await Outbox.open(dir);
    expect(again.pendingResults().map((r) => r.runId)).toEqual([a, b]);
    const chunks = [];
    for await (const chunk of again.readOutput(a)) chunks.push(chunk.data);
    expect(chunks).toEqual(['x', 'y']);

    await again.remove(a);
    expect(await readdir(join(dir, OUTBOX_DIR))).toEqual([`${b}.json`]);
  });

  it('throws away temp files, stray names and unreadable results at open', async () => {
    const good = randomUUID();
    const torn = randomUUID();
    const box = join(dir, OUTBOX_DIR);
    await mkdir(box, { recursive: true });
    await writeFile(join(box, `${good}.json`), JSON.stringify(result(good, 1)));
    await writeFile(join(box, `${torn}.json`), '{"runId":');
    await writeFile(join(box, `${good}.json.abc123.tmp`), '{}');
    await writeFile(join(box, 'notes.txt'), 'hi');

    const outbox = await Outbox.open(dir);
    expect(outbox.pendingResults().map((r) => r.runId)).toEqual([good]);
    expect(await readdir(box)).toEqual([`${good}.json`]);
  });
});
