import { type LogText, lineEnd } from './log-text';

export interface MatchQuery {
  mode: 'substring' | 'regex';
  pattern: string;
  ignoreCase: boolean;
}

/**
 * Every match in a log, as character offsets in typed arrays (a common word in a 50 MB log
 * can match a million times; a million small objects would not fit the tab's memory budget
 * as well). Past `cap` the search stops and says so.
 */
export interface Matches {
  starts: Uint32Array;
  ends: Uint32Array;
  count: number;
  capped: boolean;
}

export const MATCH_CAP = 200_000;

export const NO_MATCHES: Matches = {
  starts: new Uint32Array(0),
  ends: new Uint32Array(0),
  count: 0,
  capped: false,
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The query as the agents and the server match lines (libs/protocol line matcher): a regular
 * expression with the `i` flag or none, a substring literally. Throws SyntaxError for a bad
 * regular expression (the form checks it first with logPatternProblem).
 */
export function queryRegExp(q: MatchQuery): RegExp {
  const source = q.mode === 'regex' ? q.pattern : escapeRegExp(q.pattern);
  return new RegExp(source, q.ignoreCase ? 'gi' : 'g');
}

/**
 * Finds the matches line by line, so `^`, `$` and `.` mean what they mean to the agents'
 * line matcher (a match never runs across a line end). An empty match (`x*`) marks nothing
 * and is skipped. A literal, case-sensitive substring takes a fast path over the whole text.
 */
export function findMatches(log: LogText, q: MatchQuery, cap = MATCH_CAP): Matches {
  if (q.pattern.length === 0 || log.lineCount === 0) return NO_MATCHES;
  let starts = new Uint32Array(256);
  let ends = new Uint32Array(256);
  let count = 0;
  const push = (a: number, b: number): boolean => {
    if (count === cap) return false;
    if (count === starts.length) {
      const grow = (old: Uint32Array) => {
        const next = new Uint32Array(Math.min(cap, old.length * 2));
        next.set(old);
        return next;
      };
      starts = grow(starts);
      ends = grow(ends);
    }
    starts[count] = a;
    ends[count] = b;
    count += 1;
    return true;
  };
  let capped = false;
  if (q.mode === 'substring' && !q.ignoreCase && !/[\r\n]/.test(q.pattern)) {
    const { text } = log;
    for (let at = text.indexOf(q.pattern); at !== -1;) {
      if (!push(at, at + q.pattern.length)) {
        capped = true;
        break;
      }
      at = text.indexOf(q.pattern, at + q.pattern.length);
    }
  } else {
    const re = queryRegExp(q);
    outer: for (let i = 0; i < log.lineCount; i++) {
      const start = log.lineStarts[i];
      const line = log.text.slice(start, lineEnd(log, i));
      re.lastIndex = 0;
      for (let m = re.exec(line); m !== null; m = re.exec(line)) {
        if (m[0].length === 0) {
          re.lastIndex = m.index + 1;
          if (re.lastIndex > line.length) break;
          continue;
        }
        if (!push(start + m.index, start + m.index + m[0].length)) {
          capped = true;
          break outer;
        }
      }
    }
  }
  return { starts: starts.subarray(0, count), ends: ends.subarray(0, count), count, capped };
}

/** The first match starting at or after `offset` (= count when there is none). */
export function firstMatchFrom(matches: Matches, offset: number): number {
  let lo = 0;
  let hi = matches.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (matches.starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The matches inside [from, to) as ranges relative to `from`, with their match numbers, for
 * drawing one line with its highlights.
 */
export function matchesBetween(
  matches: Matches,
  from: number,
  to: number,
): { start: number; end: number; index: number }[] {
  const out: { start: number; end: number; index: number }[] = [];
  for (let k = firstMatchFrom(matches, from); k < matches.count; k++) {
    const start = matches.starts[k];
    if (start >= to) break;
    out.push({ start: start - from, end: Math.min(matches.ends[k], to) - from, index: k });
  }
  return out;
}

/** The next (or previous) match number, wrapping around at either end; -1 when none. */
export function stepMatch(current: number, count: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}
