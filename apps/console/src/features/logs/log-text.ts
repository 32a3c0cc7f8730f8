/**
 * A log file held once as one string, with the offset where each line starts. A 50 MB log of
 * a million lines costs one string and a 4 MB index instead of a million line strings; a line
 * is cut out only when it is drawn.
 */
export interface LogText {
  text: string;
  /** lineStarts[i]: the offset of line i's first character. */
  lineStarts: Uint32Array;
  lineCount: number;
}

/** Indexes the lines of `text`. A final newline ends the last line; it does not start one. */
export function indexLines(text: string): LogText {
  if (text.length === 0) return { text, lineStarts: new Uint32Array(0), lineCount: 0 };
  let count = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    if (at + 1 < text.length) count += 1;
  }
  const lineStarts = new Uint32Array(count);
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && line < count; at = text.indexOf('\n', at + 1)) {
    lineStarts[line++] = at + 1;
  }
  return { text, lineStarts, lineCount: count };
}

/** Where line `i` ends: before its `\n` (and a `\r` before that, for CRLF files). */
export function lineEnd(log: LogText, i: number): number {
  let end = i + 1 < log.lineCount ? log.lineStarts[i + 1] - 1 : log.text.length;
  if (end > log.lineStarts[i] && log.text.charCodeAt(end - 1) === 10) end -= 1;
  if (end > log.lineStarts[i] && log.text.charCodeAt(end - 1) === 13) end -= 1;
  return end;
}

export function lineAt(log: LogText, i: number): string {
  return log.text.slice(log.lineStarts[i], lineEnd(log, i));
}

/** The line holding character `offset` (binary search over the line starts). */
export function lineOfOffset(log: LogText, offset: number): number {
  let lo = 0;
  let hi = log.lineCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (log.lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
