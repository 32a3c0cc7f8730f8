import type { JobTarget, RunState } from './jobs';
import type { LogJobRollout, LogSourceRequest } from './log-collections';

/** Fleet search (issue 13 item 4): one query over a job target, and over stored bundles. */
export const LOG_SEARCH_RULES = {
  context: { min: 0, max: 10, default: 2 },
  maxMatches: { min: 1, max: 10_000, default: 1000 },
  timeoutSeconds: { min: 1, max: 600, default: 10 },
  jobTimeoutSeconds: { min: 30, max: 86_400, default: 600 },
  bundles: 200,
} as const;

export interface LogSearchQuery {
  mode: 'substring' | 'regex';
  pattern: string;
  ignoreCase?: boolean;
  /** Per source: past it the source fails instead of the search hanging. */
  timeoutSeconds?: number;
}

export interface CreateLogSearchRequest extends LogJobRollout {
  name?: string;
  target: JobTarget;
  sources: LogSourceRequest[];
  query: LogSearchQuery;
  since?: string;
  until?: string;
  context?: number;
  maxMatches?: number;
  timeoutSeconds?: number;
}

export interface LogSearchMatch {
  line: number;
  text: string;
  before: string[];
  after: string[];
}

export interface LogSearchFile {
  path: string;
  matchCount: number;
  matches: LogSearchMatch[];
}

/**
 * A device's state in a search. `offline`: its run waits for the device to connect (distinct
 * from `no_match`, which means it searched and found nothing); `pending`: online, not yet
 * answered; `failed`: the run failed (every source refused, the result could not be sent).
 */
export const LOG_SEARCH_DEVICE_STATES = [
  'matched',
  'no_match',
  'offline',
  'pending',
  'failed',
] as const;
export type LogSearchDeviceState = (typeof LOG_SEARCH_DEVICE_STATES)[number];

export interface LogSearchDeviceResult {
  deviceId: string;
  hostname: string;
  runId: string;
  runStatus: RunState;
  state: LogSearchDeviceState;
  matchCount: number;
  /** Only the first maxMatches lines were sent; matchCount is still exact. */
  truncated: boolean;
  files: LogSearchFile[];
  refused: { path: string; reason: string; message: string }[];
  error: string | null;
}

/** GET /api/log-searches/:jobId (refetch on the job's run.status events to stream results). */
export interface LogSearchResponse {
  jobId: string;
  counts: Record<LogSearchDeviceState, number>;
  matchCount: number;
  devices: LogSearchDeviceResult[];
}

/** POST /api/log-searches/bundles: search stored bundles on the server. */
export interface SearchBundlesRequest {
  /** Which bundles: these ids, or those of a collection job, or of a device (newest first). */
  bundleIds?: string[];
  jobId?: string;
  deviceId?: string;
  query: LogSearchQuery;
  since?: string;
  until?: string;
  context?: number;
  maxMatches?: number;
}

export interface BundleSearchResult {
  bundleId: string;
  deviceId: string;
  matchCount: number;
  files: (LogSearchFile & { index: number })[];
}

export interface SearchBundlesResponse {
  matchCount: number;
  truncated: boolean;
  bundles: BundleSearchResult[];
}
