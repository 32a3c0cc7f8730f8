import { logWindowProblem } from '@fleetdesk/api-types';
import { type LineMatcher } from './line-matcher';
import { lineTime } from './line-time';
import {
  LOG_LIMITS,
  LOG_REFUSALS,
  type LogFilter,
  type LogRefusal,
  logFilter,
  type LogSource,
  logSource,
} from './logs';
import {
  array,
  type Check,
  int,
  object,
  oneOf,
  optional,
  string,
  type Validator,
} from './validate';

const trueOrFalse = (input: unknown): Check<boolean> =>
  typeof input === 'boolean'
    ? { ok: true, value: input }
    : { ok: false, path: [], reason: 'expected a boolean' };

/**
 * Fleet search (`search_logs`): each agent searches its own files, journald or Event Log and
 * sends back only the matching lines, each with its line number and a few lines of context,
 * over HTTPS signed by its device key. The pattern is a substring or a regular expression run
 * under a time limit (a catastrophic pattern fails the source, it does not hang the agent).
 */
export const SEARCH_LIMITS = {
  context: { min: 0, max: 10 },
  maxMatches: { min: 1, max: 10_000 },
  /** Characters of a line kept in a result; longer lines are cut (and flagged). */
  lineChars: 2048,
  /** The result document a device sends (JSON bytes). */
  resultBytes: 16 * 1024 * 1024,
} as const;

export interface SearchLogsAction {
  kind: 'search_logs';
  sources: LogSource[];
  query: LogFilter;
  since?: number;
  until?: number;
  /** Lines of context before and after each match. */
  context: number;
  /** Matches a device sends at most (all sources together); the count goes on past it. */
  maxMatches: number;
  allow: string[];
  deny: string[];
}

export interface SearchMatch {
  /** 1-based, as grep -n counts. */
  line: number;
  text: string;
  before: string[];
  after: string[];
}

export interface SearchFileResult {
  source: number;
  path: string;
  /** Every matching line, including those past maxMatches that were not sent. */
  matchCount: number;
  matches: SearchMatch[];
}

export interface SearchRefusal {
  source: number;
  path: string;
  reason: LogRefusal;
  message: string;
}

export interface SearchResultBody {
  runId: string;
  files: SearchFileResult[];
  refused: SearchRefusal[];
  /** maxMatches was reached: matchCount is exact, matches are the first ones. */
  truncated: boolean;
  searchedAt: number;
}

const epoch = int({ min: 0, max: 8.64e15 });
const glob = string({ min: 1, max: LOG_LIMITS.pathLength });
const line = string({ max: SEARCH_LIMITS.lineChars + 1 });
const lines = array(line, { max: SEARCH_LIMITS.context.max });
const count = int({ min: 0, max: Number.MAX_SAFE_INTEGER });

const searchShape = object<SearchLogsAction>({
  kind: oneOf(['search_logs'] as const),
  sources: array(logSource, { min: 1, max: LOG_LIMITS.sources }),
  query: logFilter,
  since: optional(epoch),
  until: optional(epoch),
  context: int(SEARCH_LIMITS.context),
  maxMatches: int(SEARCH_LIMITS.maxMatches),
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
});

export const searchLogs: Validator<SearchLogsAction> = (input) => {
  const check = searchShape(input);
  if (!check.ok) return check;
  const problem = logWindowProblem(check.value.since, check.value.until);
  return problem ? { ok: false, path: ['until'], reason: problem } : check;
};

export const searchResultBody: Validator<SearchResultBody> = object<SearchResultBody>({
  runId: string({
    min: 36,
    max: 36,
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    expected: 'a UUID',
  }),
  files: array(
    object<SearchFileResult>({
      source: int({ min: 0, max: LOG_LIMITS.sources - 1 }),
      path: string({ min: 1, max: LOG_LIMITS.pathLength }),
      matchCount: count,
      matches: array(
        object<SearchMatch>({
          line: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          text: line,
          before: lines,
          after: lines,
        }),
        { max: SEARCH_LIMITS.maxMatches.max },
      ),
    }),
    { max: LOG_LIMITS.filesPerBundle },
  ),
  refused: array(
    object<SearchRefusal>({
      source: int({ min: 0, max: LOG_LIMITS.sources - 1 }),
      path: string({ min: 1, max: LOG_LIMITS.pathLength }),
      reason: oneOf(LOG_REFUSALS),
      message: string({ max: 1024 }),
    }),
    { max: LOG_LIMITS.filesPerBundle },
  ),
  truncated: trueOrFalse,
  searchedAt: epoch,
});

const opt = (value: number | string | boolean | undefined): string =>
  value === undefined ? '-' : `=${String(value)}`;

export const searchLogsSigningFields = (a: SearchLogsAction): string[] => [
  String(a.sources.length),
  ...a.sources.flatMap((s) => {
    switch (s.type) {
      case 'file':
        return ['file', s.path];
      case 'journald':
        return ['journald', opt(s.unit), opt(s.priority)];
      case 'eventlog':
        return ['eventlog', s.log, opt(s.level)];
    }
  }),
  a.query.mode,
  a.query.pattern,
  opt(a.query.ignoreCase),
  String(a.query.timeoutMs),
  opt(a.since),
  opt(a.until),
  String(a.context),
  String(a.maxMatches),
  String(a.allow.length),
  ...a.allow,
  String(a.deny.length),
  ...a.deny,
];

/**
 * The result travels as bytes (JSON inside) that the server reads itself: it may pass the
 * JSON parser's 2 MB, and device-signed octet-stream is what the API takes from devices.
 */
export const SEARCH_RESULT_CONTENT_TYPE = 'application/octet-stream';

export const searchResultPath = (runId: string): string => `/api/log-searches/results/${runId}`;

/**
 * Collects matches with context from lines fed in order: the part of the search both the
 * agent (its files) and the server (stored bundles) run, so both answer alike. The caller
 * decides which lines match (a substring test, or a regex in a worker under a time limit).
 */
export class MatchCollector {
  readonly matches: SearchMatch[] = [];
  matchCount = 0;
  private lineNo = 0;
  private readonly recent: string[] = [];
  /** Matches still waiting for after-context lines. */
  private open: SearchMatch[] = [];

  constructor(
    private readonly context: number,
    /** How many more matches may be kept (shared budget across sources). */
    private budget: { left: number },
  ) {}

  /** One line (without its line ending) and whether it matched; lines outside a time window are skipped by passing `skip`. */
  push(text: string, matched: boolean, skip = false): void {
    this.lineNo += 1;
    if (skip) return;
    const clipped =
      text.length > SEARCH_LIMITS.lineChars ? text.slice(0, SEARCH_LIMITS.lineChars) : text;
    if (this.context > 0) {
      for (const m of this.open) if (m.after.length < this.context) m.after.push(clipped);
      this.open = this.open.filter((m) => m.after.length < this.context);
    }
    if (matched) {
      this.matchCount += 1;
      if (this.budget.left > 0) {
        this.budget.left -= 1;
        const match: SearchMatch = {
          line: this.lineNo,
          text: clipped,
          before: [...this.recent],
          after: [],
        };
        this.matches.push(match);
        if (this.context > 0) this.open.push(match);
      }
    }
    if (this.context > 0) {
      this.recent.push(clipped);
      if (this.recent.length > this.context) this.recent.shift();
    }
  }
}

const BATCH_LINES = 2000;
const NL = 0x0a;

export interface SearchLinesOptions {
  matcher: LineMatcher;
  collector: MatchCollector;
  since?: number;
  until?: number;
}

/**
 * Feeds a byte stream's lines to a MatchCollector: split at `\n` (a `\r` before it dropped,
 * a last line without one kept), as grep counts them. With a time window, a line without a
 * stamp belongs to the stamped line before it (a stack trace under its message); lines
 * before the first stamp are outside any window. Batches go to the matcher, whose regex may
 * run in a worker under a time limit.
 */
export async function searchLines(
  input: AsyncIterable<Buffer>,
  options: SearchLinesOptions,
): Promise<void> {
  const timed = options.since !== undefined || options.until !== undefined;
  const now = Date.now();
  let current: number | null = null;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const lines = batch;
    batch = [];
    const inWindow = lines.map((line) => {
      if (!timed) return true;
      const t = lineTime(line.slice(0, 64), now);
      if (t !== null) current = t;
      if (current === null) return false;
      if (options.since !== undefined && current < options.since) return false;
      if (options.until !== undefined && current > options.until) return false;
      return true;
    });
    const flags = await options.matcher.match(lines.filter((_, i) => inWindow[i]));
    let k = 0;
    lines.forEach((line, i) => {
      if (!inWindow[i]) return options.collector.push(line, false, true);
      options.collector.push(line, flags[k++]);
    });
  };
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
      let end = nl;
      if (end > start && data[end - 1] === 0x0d) end -= 1;
      batch.push(data.toString('utf8', start, end));
      start = nl + 1;
      if (batch.length >= BATCH_LINES) await flush();
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) {
    let end = rest.length;
    if (rest[end - 1] === 0x0d) end -= 1;
    batch.push(rest.toString('utf8', 0, end));
  }
  await flush();
}
