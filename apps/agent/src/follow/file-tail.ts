import { constants, type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import type { FollowEndReason } from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import type { PathPolicy } from '../logs/policy';
import { LineSplitter } from './line-splitter';

/** Where a tail's output goes; the follow rate-limits and batches it. */
export interface TailSink {
  lines(lines: string[]): void;
  notice(text: string): void;
  /** Bytes jumped over unread (a backlog past the budget). */
  skippedBytes(bytes: number): void;
  /** Reading cannot go on: the follow ends with this reason. */
  failed(reason: FollowEndReason, message: string): void;
}

export type TailVerdict =
  | { ok: true; realPath?: string; message: string }
  | { ok: false; reason: FollowEndReason; message: string; realPath?: string };

/** One running source: a file or a journalctl process. `close()` releases everything it holds. */
export interface Tail {
  readonly verdict: TailVerdict;
  close(): Promise<void>;
}

export interface FileTailOptions {
  /** The path as the technician gave it; resolved again at every reopen. */
  path: string;
  policy: PathPolicy;
  lastLines: number;
  sink: TailSink;
  /** How often the file is looked at besides change events (rotation, missed events). */
  pollMs?: number;
  /** Bytes read per look at most (the follow's byte budget is a good value). */
  maxReadBytes: number;
  /** Unread bytes past this are jumped over and counted instead of read. */
  maxBacklogBytes: number;
}

const CHUNK = 64 * 1024;
/** The last lines are looked for in at most this much of the file's end. */
const LAST_LINES_WINDOW = 1024 * 1024;

interface Judged {
  handle: FileHandle;
  realPath: string;
  ino: number;
  dev: number;
  size: number;
}

/**
 * Opens `asked` as a collection does (collect.ts): resolved on this device (symlinks, `..`,
 * short names), the real path judged by the admin's policy, opened without following a
 * link and checked to be the very file judged, so a symlink swapped in between cannot
 * redirect the read.
 */
export async function openJudged(
  asked: string,
  policy: PathPolicy,
): Promise<{ ok: true; file: Judged } | Extract<TailVerdict, { ok: false }>> {
  let real: string;
  try {
    real = await realpath(asked);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      ok: false,
      reason: code === 'ENOENT' ? 'not_found' : 'failed',
      message: code === 'ENOENT' ? `${asked} does not exist` : errorMessage(err),
    };
  }
  const verdict = policy.check(real);
  if (!verdict.ok)
    return { ok: false, reason: verdict.reason, message: verdict.message, realPath: real };
  const info = await stat(real).catch(() => null);
  if (!info) return { ok: false, reason: 'not_found', message: `${real} vanished`, realPath: real };
  if (!info.isFile()) {
    return { ok: false, reason: 'not_a_file', message: `${real} is not a file`, realPath: real };
  }
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return { ok: false, reason: 'failed', message: errorMessage(err), realPath: real };
  }
  const opened = await handle.stat();
  if (opened.ino !== info.ino || opened.dev !== info.dev) {
    await handle.close();
    return {
      ok: false,
      reason: 'failed',
      message: `${real} changed while it was being opened`,
      realPath: real,
    };
  }
  return {
    ok: true,
    file: { handle, realPath: real, ino: opened.ino, dev: opened.dev, size: opened.size },
  };
}

/** The start of the last `n` lines of the file's end (at most LAST_LINES_WINDOW back). */
async function lastLinesStart(handle: FileHandle, size: number, n: number): Promise<number> {
  if (n === 0 || size === 0) return size;
  const floor = Math.max(0, size - LAST_LINES_WINDOW);
  let end = size;
  // A final newline ends the last line; it does not start an empty one.
  let newlines = 0;
  let skipFinal = true;
  const buffer = Buffer.alloc(CHUNK);
  while (end > floor) {
    const start = Math.max(floor, end - CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] !== 0x0a) {
        skipFinal = false;
        continue;
      }
      if (skipFinal) {
        skipFinal = false;
        continue;
      }
      newlines += 1;
      if (newlines === n) return start + i + 1;
    }
    end = start;
  }
  return floor;
}

/**
 * Follows one file: the last `lastLines` lines, then what is appended. Looks at the file on
 * every change event and every `pollMs`: a file that shrank was truncated (read again from
 * its start; one truncated and written past its old size between two looks is not told
 * from an append), a path that now names another file was rotated (the old one is read to its end,
 * then the new one is opened through the same policy: a symlink swapped in to escape it is
 * refused and ends the follow).
 */
export class FileTail implements Tail {
  verdict: TailVerdict = { ok: false, reason: 'failed', message: 'not started' };
  private file: Judged | null = null;
  private position = 0;
  private readonly splitter = new LineSplitter();
  private watcher: FSWatcher | null = null;
  private timer?: NodeJS.Timeout;
  private reading: Promise<void> | null = null;
  private again = false;
  private closed = false;

  private constructor(private readonly options: FileTailOptions) {}

  static async start(options: FileTailOptions): Promise<FileTail> {
    const tail = new FileTail(options);
    await tail.begin();
    return tail;
  }

  /** The path of the file held open now, or null (closed, or never opened). */
  get heldPath(): string | null {
    return this.file?.realPath ?? null;
  }

  private async begin(): Promise<void> {
    const judged = await openJudged(this.options.path, this.options.policy);
    if (!judged.ok) {
      this.verdict = judged;
      return;
    }
    this.file = judged.file;
    this.position = await lastLinesStart(
      judged.file.handle,
      judged.file.size,
      this.options.lastLines,
    );
    this.verdict = {
      ok: true,
      realPath: judged.file.realPath,
      message: `following ${judged.file.realPath}`,
    };
    this.watchFile();
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 250);
    this.kick();
  }

  private watchFile(): void {
    this.watcher?.close();
    this.watcher = null;
    if (!this.file) return;
    try {
      this.watcher = watch(this.file.realPath, { persistent: false }, () => this.kick());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      // Polling alone still sees every change, a little later.
    }
  }

  /** Reads now, or right after the read under way. */
  private kick(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.look()
      .catch((err: unknown) => this.fail('failed', `reading failed: ${errorMessage(err)}`))
      .finally(() => {
        this.reading = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async look(): Promise<void> {
    const file = this.file;
    if (!file || this.closed) return;
    const { size } = await file.handle.stat();
    if (size < this.position) {
      this.position = 0;
      this.splitter.reset();
      this.options.sink.notice(`${file.realPath} was truncated; reading from its start`);
    }
    if (size - this.position > this.options.maxBacklogBytes) {
      this.options.sink.skippedBytes(size - this.position);
      this.position = size;
      // Landed at a line's start (the byte before is a newline): keep the next line whole.
      const before = Buffer.alloc(1);
      const { bytesRead } = await file.handle.read(before, 0, 1, size - 1);
      if (bytesRead === 1 && before[0] === 0x0a) this.splitter.reset();
      else this.splitter.resync();
    }
    await this.readTo(file, Math.min(size, this.position + this.options.maxReadBytes));
    // More than one look's budget was waiting: the rest waits for the next poll, so reading
    // (and dropping) a flood costs at most a few budgets a second; past four seconds of
    // budget behind, the next look jumps over the backlog instead.
    if (this.position < size) return;
    await this.checkRotation(file);
  }

  private async readTo(file: Judged, end: number): Promise<void> {
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, end - this.position)));
    while (this.position < end && !this.closed) {
      const want = Math.min(buffer.length, end - this.position);
      const { bytesRead } = await file.handle.read(buffer, 0, want, this.position);
      if (bytesRead === 0) break;
      this.position += bytesRead;
      const lines = this.splitter.push(Buffer.from(buffer.subarray(0, bytesRead)));
      if (lines.length > 0) this.options.sink.lines(lines);
    }
  }

  /** The path now names another file: the old one was read to its end, so take the new one. */
  private async checkRotation(file: Judged): Promise<void> {
    const now = await stat(this.options.path).catch(() => null);
    // Gone: rotation under way (renamed, the new one not created yet); keep the old open.
    if (!now || (now.ino === file.ino && now.dev === file.dev)) return;
    const judged = await openJudged(this.options.path, this.options.policy);
    if (this.closed) {
      if (judged.ok) await judged.file.handle.close();
      return;
    }
    if (!judged.ok) {
      if (judged.reason === 'not_found') return;
      return this.fail(judged.reason, `after rotation: ${judged.message}`);
    }
    this.file = judged.file;
    await file.handle.close().catch(() => undefined);
    this.position = 0;
    this.splitter.reset();
    this.watchFile();
    this.options.sink.notice(
      `${this.options.path} was replaced (rotated); following the new file ${judged.file.realPath}`,
    );
    this.again = true;
  }

  private fail(reason: FollowEndReason, message: string): void {
    if (this.closed) return;
    this.options.sink.failed(reason, message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = null;
    await this.reading?.catch(() => undefined);
    const file = this.file;
    this.file = null;
    await file?.handle.close().catch(() => undefined);
  }
}
