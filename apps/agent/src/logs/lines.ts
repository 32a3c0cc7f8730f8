import { lineTime } from '@fleetdesk/protocol';
import type { LineMatcher } from './filter';

// Shared with the server's search of stored bundles.
export { lineTime };

export interface SelectOptions {
  since?: number;
  until?: number;
  lastLines?: number;
  /** Keep at most this many bytes, the newest: older lines are dropped first. */
  maxBytes: number;
  matcher: LineMatcher;
}

export interface Selected {
  /** The lines that travel, each as in the file (line ending included). */
  chunks: Buffer[];
  bytes: number;
  lines: number;
  /** Lines were dropped for maxBytes (not for lastLines, which is what was asked). */
  truncated: boolean;
}

const BATCH_LINES = 2000;
const NL = 0x0a;

/**
 * Picks lines out of a byte stream, bytes unchanged: split at `\n` (kept, and `\r` with it),
 * a last line without a newline stays without one. A line without a time stamp belongs to the
 * stamped line before it (a stack trace under its message), so since/until keep or drop it
 * with that line; lines before the first stamp are dropped when a time window is asked. The
 * filter sees the line as UTF-8 text; what is kept is always the original bytes.
 */
export async function selectLines(
  input: AsyncIterable<Buffer>,
  options: SelectOptions,
): Promise<Selected> {
  const timed = options.since !== undefined || options.until !== undefined;
  const kept: Buffer[] = [];
  let head = 0;
  let bytes = 0;
  let lines = 0;
  let truncated = false;
  let current: number | null = null;
  const now = Date.now();

  let batch: Buffer[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const lineBatch = batch;
    batch = [];
    const inWindow = lineBatch.map((line) => {
      if (!timed) return true;
      const t = lineTime(line.toString('latin1', 0, Math.min(line.length, 64)), now);
      if (t !== null) current = t;
      if (current === null) return false;
      if (options.since !== undefined && current < options.since) return false;
      if (options.until !== undefined && current > options.until) return false;
      return true;
    });
    const candidates = lineBatch.filter((_, i) => inWindow[i]);
    if (candidates.length === 0) return;
    const matches = await options.matcher.match(candidates.map(textOf));
    candidates.forEach((line, i) => {
      if (!matches[i]) return;
      kept.push(line);
      bytes += line.length;
      lines += 1;
      while (options.lastLines !== undefined && lines > options.lastLines) drop();
      while (bytes > options.maxBytes) {
        truncated = true;
        drop();
      }
    });
    // Keep the array from growing without bound as lines are dropped from its head.
    if (head > 4096 && head * 2 > kept.length) {
      kept.splice(0, head);
      head = 0;
    }
  };
  const drop = () => {
    const line = kept[head];
    kept[head] = EMPTY;
    head += 1;
    bytes -= line.length;
    lines -= 1;
  };

  let rest: Buffer = EMPTY;
  for await (const chunk of input) {
    let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
      batch.push(data.subarray(start, nl + 1));
      start = nl + 1;
      if (batch.length >= BATCH_LINES) await flush();
    }
    // Copy the tail: a subarray would pin the whole read buffer while waiting for its newline.
    rest = Buffer.from(data.subarray(start));
    data = EMPTY;
  }
  if (rest.length > 0) batch.push(rest);
  await flush();
  return { chunks: kept.slice(head), bytes, lines, truncated };
}

const EMPTY = Buffer.alloc(0);
/** What the filter sees: the line as text, without its line ending. */
const textOf = (line: Buffer): string => {
  let end = line.length;
  if (end > 0 && line[end - 1] === NL) end -= 1;
  if (end > 0 && line[end - 1] === 0x0d) end -= 1;
  return line.toString('utf8', 0, end);
};
