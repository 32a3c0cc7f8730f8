import type { PageQuery } from './common';
import type { ScriptLanguage } from './wire';
import type {
  InstallerType,
  JobSoftwareSpec,
  SoftwareOperation,
  SoftwarePackageRef,
  SoftwareRunDetail,
} from './software';

/** `running` until every run is final; `stopped` when the failure threshold was crossed. */
export type JobStatus = 'running' | 'completed' | 'cancelled' | 'stopped';

/**
 * Where a job runs: the union of every part (a device matching any listed id, group, OS or
 * tag), limited to enrolled, non-revoked devices. At least one part must be given.
 */
export interface JobTarget {
  all?: boolean;
  deviceIds?: string[];
  tags?: string[];
  groupIds?: string[];
  /** OS platforms, e.g. linux, darwin, win32. */
  os?: string[];
}

/**
 * One device's run of a job. Open: pending, dispatched, running. Final: succeeded, failed,
 * timed_out, expired (device stayed offline), cancelled, lost (no result long after its deadline).
 */
export type RunState =
  | 'pending'
  | 'dispatched'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'expired'
  | 'cancelled'
  | 'lost';

/** How many of a job's runs are in each state, plus `total`. */
export type RunCounts = Record<RunState, number> & { total: number };

export type OutputStream = 'stdout' | 'stderr';

/** One ordered piece of a run's output; `seq` counts from 0 per run. */
export interface RunOutputChunk {
  seq: number;
  stream: OutputStream;
  data: string;
}

/** What an action job does, as the console shows it. */
export interface JobAction {
  kind: 'agent_update' | 'software' | 'collect_logs' | 'fetch_file' | 'push_file' | 'search_logs';
  /** agent_update: the agent version it installs. software: not set (pins are per package). */
  version?: string;
  /** software: what it does, to which package per manager (empty for apply_updates). */
  operation?: SoftwareOperation;
  packages?: SoftwarePackageRef[];
  securityOnly?: boolean;
  installer?: { id: string; type: InstallerType; sha256: string; size: number };
  /** collect_logs / search_logs: how many sources (paths, globs, journald units, event logs). */
  sources?: number;
  /** fetch_file / push_file: the path on the device. */
  path?: string;
  /** search_logs: the text or regular expression searched for, and how it was matched. */
  pattern?: string;
  patternMode?: 'substring' | 'regex';
  ignoreCase?: boolean;
}

/** A job: one technician intent, fanned out into one run per targeted device. */
export interface JobResponse {
  id: string;
  name: string;
  status: JobStatus;
  /** The saved script and version it ran; null for an inline command. */
  script: { id: string; version: number } | null;
  /** null for a job that carries a typed action instead of a script. */
  language: ScriptLanguage | null;
  /** The typed action the job carries instead of a script, e.g. an agent update. */
  action: JobAction | null;
  bodySha256: string;
  /** The effective parameter values, secret ones replaced by "[secret]". */
  params: Record<string, unknown>;
  target: JobTarget;
  timeoutSeconds: number;
  offlineExpirySeconds: number;
  maxConcurrency: number | null;
  failureThresholdPercent: number | null;
  /** The job this one re-ran, if any. */
  rerunOf: string | null;
  createdBy: { id: string | null; email: string | null };
  createdAt: string;
  finishedAt: string | null;
  /** Why the job ended early (cancelled or stopped). */
  stopReason: string | null;
  counts: RunCounts;
}

/** One device's run, without its output. */
export interface RunResponse {
  id: string;
  jobId: string;
  device: { id: string; hostname: string; displayName: string };
  status: RunState;
  createdAt: string;
  /** When a run still pending (device offline) expires. */
  expiresAt: string;
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  outputBytes: number;
  /** The agent stopped sending output at its size limit. */
  truncated: boolean;
  /** The highest output seq the agent reported in its result; -1 before a result or without output. */
  lastSeq: number;
  /** A software run's versions before and after and reboot state; null for other runs. */
  software: SoftwareRunDetail | null;
}

/** `GET /api/runs/:id`: the run plus its output chunks after `afterSeq`, in order. */
export interface RunDetailResponse extends RunResponse {
  output: RunOutputChunk[];
}

/** Query of `GET /api/jobs` (newest first). */
export interface JobListQuery extends PageQuery {
  status?: JobStatus;
}

/** Query of `GET /api/jobs/:id/runs` (ordered by device name). */
export interface RunListQuery extends PageQuery {
  status?: RunState;
}

/**
 * One run in a device's history (`GET /api/runs?deviceId=`): the run plus the job it belongs
 * to, so the history can name and link the job without fetching it.
 */
export interface DeviceRunResponse extends RunResponse {
  /** The job's id and its name as stored when the job was created. */
  job: { id: string; name: string };
}

/** Query of `GET /api/runs`: one device's runs across every job, newest first. */
export interface DeviceRunListQuery extends PageQuery {
  /** The device whose runs to list (a UUID; required). */
  deviceId: string;
  status?: RunState;
}

/** Query of `GET /api/runs/:id`: only output chunks with a higher seq (default -1: all). */
export interface RunOutputQuery {
  afterSeq?: number;
}

/** A saved script to run; `version` defaults to the current one. */
export interface JobScriptSpec {
  id: string;
  version?: number;
  params?: Record<string, unknown>;
}

/** A one-off inline command (at most 256 KiB). */
export interface JobCommandSpec {
  language: ScriptLanguage;
  body: string;
}

/** Body of `POST /api/jobs`: exactly one of `script` or `command`. */
export interface CreateJobRequest {
  /** 1..200 characters; defaults to "Script <id> v<version>" or the command's first line. */
  name?: string;
  script?: JobScriptSpec;
  command?: JobCommandSpec;
  /** Install, uninstall, upgrade or apply updates, in place of a script or command. */
  software?: JobSoftwareSpec;
  target: JobTarget;
  /** 1..86400; defaults to the script's default timeout (300 for a command). */
  timeoutSeconds?: number;
  /** How long a run waits for an offline device: 0..2592000, default 3600. */
  offlineExpirySeconds?: number;
  /** At most this many devices at once. */
  maxConcurrency?: number;
  /** 0..100: stop the job when more than this % of finished runs failed. */
  failureThresholdPercent?: number;
}

/** Body of `POST /api/jobs/:id/rerun`: `failed` re-runs failed, timed-out, lost and expired runs. */
export interface RerunRequest {
  scope: 'failed' | 'all';
}
