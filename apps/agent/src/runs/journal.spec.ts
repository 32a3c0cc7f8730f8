import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, JOURNAL_FILE, JOURNAL_RETENTION_MS } from './journal';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = (entry: object) => `${JSON.stringify(entry)}\n`;
const journalText = () => readFileSync(join(dir, JOURNAL_FILE), 'utf8');

describe('Journal', () => {
  it('appends entries durably and reads them back after a restart', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const journal = await Journal.load(dir);
    await journal.append([{ runId: a, event: 'started', at: 1, expiresAt: Date.now() + 1e6 }]);
    await journal.append([{ runId: b, event: 'started', at: 2, expiresAt: Date.now() + 1e6 }]);
    await journal.append([{ runId: a, event: 'finished', at: 3 }]);
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, JOURNAL_FILE)).mode & 0o777).toBe(0o600);
    }

    const again = await Journal.load(dir);
    expect(again.get(a)).toMatchObject({ startedAt: 1, finishedAt: 3 });
    expect(again.inFlight()).toEqual([
      { runId: b, record: expect.objectContaining({ startedAt: 2 }) },
    ]);
  });

  it('skips a line a crash cut short, and rewrites the file so the next append is clean', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const future = Date.now() + 1e6;
    await writeFile(
      join(dir, JOURNAL_FILE),
      line({ runId: a, event: 'started', at: 1, expiresAt: future }) + `{"runId":"${b}","ev`,
    );
    const journal = await Journal.load(dir);
    expect(journal.has(a)).toBe(true);
    expect(journal.has(b)).toBe(false);
    await journal.append([{ runId: b, event: 'started', at: 2, expiresAt: future }]);
    expect((await Journal.load(dir)).has(b)).toBe(true);
    expect(journalText().split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('forgets finished runs a week after they expired, unless told to keep them', async () => {
    const now = Date.now();
    const old = now - JOURNAL_RETENTION_MS - 60_000;
    const [gone, kept, running, recent] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await writeFile(
      join(dir, JOURNAL_FILE),
      [
        line({ runId: gone, event: 'started', at: old - 10, expiresAt: old }),
        line({ runId: gone, event: 'finished', at: old - 5 }),
        line({ runId: kept, event: 'started', at: old - 10, expiresAt: old }),
        line({ runId: kept, event: 'finished', at: old - 5 }),
        line({ runId: running, event: 'started', at: old - 10, expiresAt: old }),
        line({ runId: recent, event: 'started', at: now - 10, expiresAt: now }),
        line({ runId: recent, event: 'finished', at: now - 5 }),
      ].join(''),
    );
    const journal = await Journal.load(dir, { now, keep: (id) => id === kept });
    expect([gone, kept, running, recent].map((id) => journal.has(id))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(journalText()).not.toContain(gone);
  });

  it('does not remember an entry whose write failed', async () => {
    const journal = await Journal.load(join(dir, 'missing-dir'));
    const runId = randomUUID();
    await expect(
      journal.append([{ runId, event: 'started', at: 1, expiresAt: 2 }]),
    ).rejects.toThrow();
    expect(journal.has(runId)).toBe(false);
  });
});
