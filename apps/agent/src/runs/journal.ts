import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { epochMs, uuid } from '@fleetdesk/protocol';
import { writeFileAtomic } from '../state';
import { appendDurable, isNotFound, syncDir } from './durable';

export const JOURNAL_FILE = 'journal.jsonl';

/**
 * A finished run is forgotten this long after it expired. By then the server cannot
 * deliver it again (and the expiry check would refuse it anyway); the margin covers a
 * clock that was wrong for a while.
 */
export const JOURNAL_RETENTION_MS = 7 * 24 * 60 * 60_000;

/** One line of journal.jsonl. */
export type JournalEntry =
  | { runId: string; event: 'started'; at: number; expiresAt: number }
  | { runId: string; event: 'finished'; at: number };

export interface JournalRecord {
  startedAt: number;
  expiresAt: number;
  finishedAt?: number;
}

function parseEntry(line: string): JournalEntry | null {
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (!uuid(v.runId).ok || !epochMs(v.at).ok) return null;
    const runId = v.runId as string;
    const at = v.at as number;
    if (v.event === 'finished') return { runId, event: 'finished', at };
    if (v.event === 'started') {
      const expiresAt = epochMs(v.expiresAt).ok ? (v.expiresAt as number) : at;
      return { runId, event: 'started', at, expiresAt };
    }
    return null;
  } catch {
    return null;
  }
}

function toLines(runId: string, record: JournalRecord): string {
  const started: JournalEntry = {
    runId,
    event: 'started',
    at: record.startedAt,
    expiresAt: record.expiresAt,
  };
  const lines = [JSON.stringify(started)];
  if (record.finishedAt !== undefined) {
    const finished: JournalEntry = { runId, event: 'finished', at: record.finishedAt };
    lines.push(JSON.stringify(finished));
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * Which runs this device has started, on disk: the agent's promise never to run one twice.
 * Append-only, one fsync per append, so an entry that `append` resolved for survives any
 * crash. The whole file is held in memory as a map (a few dozen bytes per run).
 */
export class Journal {
  private readonly runs = new Map<string, JournalRecord>();
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly dir: string,
    private fileExists: boolean,
  ) {}

  /**
   * Reads the journal. Lines a crash cut short are skipped; if there were any, or finished
   * runs are old enough to forget (and `keep` does not hold on to them), the file is
   * rewritten atomically, so the next append never lands behind a torn line.
   */
  static async load(
    dir: string,
    options: { now?: number; keep?: (runId: string) => boolean } = {},
  ): Promise<Journal> {
    const path = join(dir, JOURNAL_FILE);
    let text: string | null;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
      text = null;
    }
    const journal = new Journal(path, dir, text !== null);
    if (text === null) return journal;

    let dirty = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const entry = parseEntry(line);
      if (!entry) dirty = true;
      else journal.apply(entry);
    }
    const now = options.now ?? Date.now();
    for (const [runId, record] of journal.runs) {
      const forgetAfter = Math.max(record.expiresAt, record.startedAt) + JOURNAL_RETENTION_MS;
      if (record.finishedAt !== undefined && forgetAfter < now && !options.keep?.(runId)) {
        journal.runs.delete(runId);
        dirty = true;
      }
    }
    if (dirty) {
      const lines = [...journal.runs].map(([runId, record]) => toLines(runId, record));
      await writeFileAtomic(path, lines.join(''));
      await syncDir(dir);
    }
    return journal;
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  get(runId: string): JournalRecord | undefined {
    return this.runs.get(runId);
  }

  get size(): number {
    return this.runs.size;
  }

  /** Runs journaled as started and never as finished. */
  inFlight(): { runId: string; record: JournalRecord }[] {
    return [...this.runs]
      .filter(([, record]) => record.finishedAt === undefined)
      .map(([runId, record]) => ({ runId, record }));
  }

  /**
   * Appends the entries with one write and one fsync. Resolves once they are on disk; only
   * then does memory change, so a failed write leaves no trace of a run that never started.
   * Appends are serialised, so lines never interleave.
   */
  append(entries: JournalEntry[]): Promise<void> {
    const text = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    const written = this.tail.then(async () => {
      await appendDurable(this.path, text);
      if (!this.fileExists) {
        this.fileExists = true;
        await syncDir(this.dir);
      }
      for (const entry of entries) this.apply(entry);
    });
    this.tail = written.catch(() => undefined);
    return written;
  }

  private apply(entry: JournalEntry): void {
    const record = this.runs.get(entry.runId);
    if (entry.event === 'started') {
      this.runs.set(entry.runId, {
        startedAt: entry.at,
        expiresAt: entry.expiresAt,
        finishedAt: record?.finishedAt,
      });
    } else if (record) {
      record.finishedAt = entry.at;
    } else {
      // Its 'started' line was lost: still a run that must never start again.
      this.runs.set(entry.runId, {
        startedAt: entry.at,
        expiresAt: entry.at,
        finishedAt: entry.at,
      });
    }
  }
}
