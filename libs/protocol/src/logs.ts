import {
  EVENT_LOG_NAME_PATTERN,
  JOURNALD_UNIT_PATTERN,
  LOG_SOURCE_RULES,
  logWindowProblem,
} from '@fleetdesk/api-types';
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

/**
 * The `collect_logs` action and the upload that follows it. The agent collects into a staged
 * bundle under its state directory (content fixed from then on), reports the run's result,
 * then uploads the staged files over HTTPS signed with its device key: a manifest first, then
 * each file as gzip chunks numbered from 0, each with its SHA-256. The server acknowledges a
 * chunk only once it is stored, so after any disconnect or restart the agent asks where each
 * file stands and sends the next chunk: nothing is missing or duplicated.
 */
export const LOG_LIMITS = {
  sources: 32,
  pathLength: LOG_SOURCE_RULES.pathLength,
  /** Globs in the allow- and deny-lists that travel with the action. */
  policyGlobs: 256,
  lastLines: { min: 1, max: 1_000_000 },
  maxBytesPerSource: { min: 1, max: 1024 * 1024 * 1024 },
  maxBundleBytes: { min: 1, max: 8 * 1024 * 1024 * 1024 },
  patternLength: LOG_SOURCE_RULES.patternLength,
  filterTimeoutMs: { min: 10, max: 600_000 },
  /** Files one glob may expand to. */
  filesPerGlob: 256,
  /** Files a bundle may hold (all sources together). */
  filesPerBundle: 1024,
  /** Raw bytes per chunk before gzip; the server refuses larger chunks. */
  chunkBytes: 256 * 1024,
  /** A gzip chunk's bytes on the wire (gzip of incompressible data grows a little). */
  maxWireChunkBytes: 256 * 1024 + 4096,
  /**
   * Consecutive chunks one request may carry (`x-fleetdesk-chunk-count`, one gzip of their
   * bytes). Resume stays exact per chunk; a request is acknowledged whole or not at all. The
   * server says what it takes in LogUploadState.chunksPerRequest (absent: one).
   */
  chunksPerRequest: 4,
  journalUnitLength: LOG_SOURCE_RULES.journalUnitLength,
  eventLogNameLength: LOG_SOURCE_RULES.eventLogNameLength,
} as const;

/** A file path or glob (`/var/log/*.log`, `C:/ProgramData/App/**\/*.log`). */
export interface FileLogSource {
  type: 'file';
  path: string;
}
/** journald on Linux: `journalctl` with a unit and/or priority (0 emerg … 7 debug). */
export interface JournaldLogSource {
  type: 'journald';
  unit?: string;
  priority?: number;
}
/** The Windows Event Log: a log name (System, Application…) and the most verbose level. */
export interface EventLogSource {
  type: 'eventlog';
  log: string;
  /** 1 critical, 2 error, 3 warning, 4 information, 5 verbose. */
  level?: number;
}
export type LogSource = FileLogSource | JournaldLogSource | EventLogSource;
export const LOG_SOURCE_TYPES = ['file', 'journald', 'eventlog'] as const;

export interface LogFilter {
  mode: 'substring' | 'regex';
  pattern: string;
  ignoreCase?: boolean;
  /** The most time the filter may take per source; past it the source fails, the agent does not hang. */
  timeoutMs: number;
}

export interface CollectLogsAction {
  kind: 'collect_logs';
  sources: LogSource[];
  /** Epoch ms: only lines stamped at or after / before this. */
  since?: number;
  until?: number;
  /** Only the last N (matching) lines of each source. */
  lastLines?: number;
  maxBytesPerSource: number;
  maxBundleBytes: number;
  filter?: LogFilter;
  /** The admin's path globs at the time of the request: a path must match one allow and no deny. */
  allow: string[];
  deny: string[];
}

const path = string({ min: 1, max: LOG_LIMITS.pathLength });
const glob = string({ min: 1, max: LOG_LIMITS.pathLength });
const epoch = int({ min: 0, max: 8.64e15 });

const fileSource = object<FileLogSource>({ type: oneOf(['file'] as const), path });
const journaldSource = object<JournaldLogSource>({
  type: oneOf(['journald'] as const),
  unit: optional(
    string({
      min: 1,
      max: LOG_LIMITS.journalUnitLength,
      pattern: JOURNALD_UNIT_PATTERN,
      expected: 'a systemd unit name',
    }),
  ),
  priority: optional(int(LOG_SOURCE_RULES.journaldPriority)),
});
const eventLogSource = object<EventLogSource>({
  type: oneOf(['eventlog'] as const),
  log: string({
    min: 1,
    max: LOG_LIMITS.eventLogNameLength,
    pattern: EVENT_LOG_NAME_PATTERN,
    expected: 'an event log name such as System or Microsoft-Windows-Sysmon/Operational',
  }),
  level: optional(int(LOG_SOURCE_RULES.eventLogLevel)),
});

const SOURCE_VALIDATORS: Record<LogSource['type'], Validator<LogSource>> = {
  file: fileSource,
  journald: journaldSource,
  eventlog: eventLogSource,
};

export const logSource: Validator<LogSource> = (input) => {
  const type = (input as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(SOURCE_VALIDATORS, type)) {
    return { ok: false, path: ['type'], reason: `expected one of: ${LOG_SOURCE_TYPES.join(', ')}` };
  }
  return SOURCE_VALIDATORS[type as LogSource['type']](input);
};

export const trueOrFalse = (input: unknown): Check<boolean> =>
  typeof input === 'boolean'
    ? { ok: true, value: input }
    : { ok: false, path: [], reason: 'expected a boolean' };

export const logFilter = object<LogFilter>({
  mode: oneOf(['substring', 'regex'] as const),
  pattern: string({ min: 1, max: LOG_LIMITS.patternLength }),
  ignoreCase: optional(trueOrFalse),
  timeoutMs: int(LOG_LIMITS.filterTimeoutMs),
});

const collectLogsShape = object<CollectLogsAction>({
  kind: oneOf(['collect_logs'] as const),
  sources: array(logSource, { min: 1, max: LOG_LIMITS.sources }),
  since: optional(epoch),
  until: optional(epoch),
  lastLines: optional(int(LOG_LIMITS.lastLines)),
  maxBytesPerSource: int(LOG_LIMITS.maxBytesPerSource),
  maxBundleBytes: int(LOG_LIMITS.maxBundleBytes),
  filter: optional(logFilter),
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
});

export const collectLogs: Validator<CollectLogsAction> = (input) => {
  const check = collectLogsShape(input);
  if (!check.ok) return check;
  const problem = logWindowProblem(check.value.since, check.value.until);
  return problem ? { ok: false, path: ['until'], reason: problem } : check;
};

const opt = (value: number | string | boolean | undefined): string =>
  value === undefined ? '-' : `=${String(value)}`;

/** The action's fields in a fixed order for its run's signature (counts before lists). */
export function collectLogsSigningFields(a: CollectLogsAction): string[] {
  return [
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
    opt(a.since),
    opt(a.until),
    opt(a.lastLines),
    String(a.maxBytesPerSource),
    String(a.maxBundleBytes),
    ...(a.filter
      ? [
          'filter',
          a.filter.mode,
          a.filter.pattern,
          opt(a.filter.ignoreCase),
          String(a.filter.timeoutMs),
        ]
      : ['no-filter']),
    String(a.allow.length),
    ...a.allow,
    String(a.deny.length),
    ...a.deny,
  ];
}

// ---- the upload (agent → server over HTTPS, signed with the device key) -----------------

/** Why a source or a path produced no file: shown to the technician and audited. */
export const LOG_REFUSALS = ['denied', 'not_allowed', 'not_found', 'not_a_file', 'failed'] as const;
export type LogRefusal = (typeof LOG_REFUSALS)[number];

export interface LogManifestFile {
  /** 0, 1, 2…: the file's number in the bundle, used in the chunk URLs. */
  index: number;
  /** Which source of the action produced it. */
  source: number;
  /** The path asked for (or the glob's match), as the technician will recognise it. */
  path: string;
  /** Where it really was after resolving symlinks, `..` and short names; the policy judged this. */
  realPath: string;
  /** Raw bytes (after filters) and their SHA-256 (hex). */
  size: number;
  sha256: string;
  /** ceil(size / LOG_LIMITS.chunkBytes), at least 1 for an empty file. */
  chunks: number;
  /** The source was cut at maxBytesPerSource or by the bundle limit. */
  truncated: boolean;
  lines?: number;
}

export interface LogManifestRefusal {
  source: number;
  path: string;
  realPath?: string;
  reason: LogRefusal;
  message: string;
}

export interface LogManifest {
  runId: string;
  files: LogManifestFile[];
  refused: LogManifestRefusal[];
  collectedAt: number;
}

const sha256Hex = string({
  min: 64,
  max: 64,
  pattern: /^[0-9a-f]{64}$/,
  expected: 'a hex SHA-256',
});
const count = (max: number) => int({ min: 0, max });

export const logManifest = object<LogManifest>({
  runId: string({
    min: 36,
    max: 36,
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    expected: 'a UUID',
  }),
  files: array(
    object<LogManifestFile>({
      index: count(LOG_LIMITS.filesPerBundle - 1),
      source: count(LOG_LIMITS.sources - 1),
      path,
      realPath: path,
      size: count(LOG_LIMITS.maxBytesPerSource.max),
      sha256: sha256Hex,
      chunks: int({
        min: 1,
        max: Math.ceil(LOG_LIMITS.maxBytesPerSource.max / LOG_LIMITS.chunkBytes),
      }),
      truncated: trueOrFalse,
      lines: optional(count(Number.MAX_SAFE_INTEGER)),
    }),
    { max: LOG_LIMITS.filesPerBundle },
  ),
  refused: array(
    object<LogManifestRefusal>({
      source: count(LOG_LIMITS.sources - 1),
      path,
      realPath: optional(path),
      reason: oneOf(LOG_REFUSALS),
      message: string({ max: 1024 }),
    }),
    { max: LOG_LIMITS.filesPerBundle },
  ),
  collectedAt: epoch,
});

/** Per file: the next chunk the server wants (= chunks when the file is complete). */
export interface LogUploadState {
  complete: boolean;
  files: { index: number; nextSeq: number }[];
  /** Chunks one request may carry; servers before it leave it out and take one. */
  chunksPerRequest?: number;
}

/** Header carrying a chunk's SHA-256 (hex, of the gzip bytes as sent). */
export const LOG_CHUNK_SHA256_HEADER = 'x-fleetdesk-chunk-sha256';
/** Header: how many consecutive chunks, from the URL's seq on, the body holds (default 1). */
export const LOG_CHUNK_COUNT_HEADER = 'x-fleetdesk-chunk-count';

export const logUploadPaths = {
  manifest: (runId: string) => `/api/log-collections/uploads/${runId}`,
  chunk: (runId: string, index: number, seq: number) =>
    `/api/log-collections/uploads/${runId}/files/${index}/chunks/${seq}`,
};

/** Chunks a file of `size` bytes travels in. */
export const logChunkCount = (size: number): number =>
  Math.max(1, Math.ceil(size / LOG_LIMITS.chunkBytes));
