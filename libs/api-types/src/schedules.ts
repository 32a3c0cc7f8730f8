import type { CreateJobRequest, JobStatus, RunCounts } from './jobs';

/** `fixed`: one IANA zone for every device; `device`: each device's own reported zone. */
export const SCHEDULE_ZONE_MODES = ['fixed', 'device'] as const;
export type ScheduleZoneMode = (typeof SCHEDULE_ZONE_MODES)[number];

/** After downtime: `once` fires the latest missed occurrence once; `skip` fires none. */
export const SCHEDULE_CATCH_UP = ['once', 'skip'] as const;
export type ScheduleCatchUp = (typeof SCHEDULE_CATCH_UP)[number];

/**
 * A device offline when an occurrence fires: `run_when_back` keeps its run until the
 * template's `offlineExpirySeconds`; `skip` lets it expire shortly after the firing;
 * `run_in_window` runs only inside the device's maintenance window (the one open at firing,
 * or the next to open within `offlineExpirySeconds`) and expires when that window closes.
 */
export const SCHEDULE_OFFLINE_POLICIES = ['skip', 'run_when_back', 'run_in_window'] as const;
export type ScheduleOfflinePolicy = (typeof SCHEDULE_OFFLINE_POLICIES)[number];

/** Human labels, shared by the console's form and lists. */
export const SCHEDULE_OFFLINE_POLICY_LABELS: Record<ScheduleOfflinePolicy, string> = {
  skip: 'Skip offline devices',
  run_when_back: 'Run when back (within the expiry)',
  run_in_window: 'Run when back, inside the maintenance window only',
};

export const OCCURRENCE_STATUSES = ['fired', 'skipped', 'failed'] as const;
export type OccurrenceStatus = (typeof OCCURRENCE_STATUSES)[number];

export const SCHEDULE_LIMITS = {
  nameLength: 200,
  cronLength: 120,
  timeZoneLength: 64,
  previewCount: { min: 1, max: 100, default: 10 },
  /** How long a run of a `skip` schedule waits for a device that is offline at firing. */
  skipOfflineExpirySeconds: 300,
  /** Spread: each device's run waits a random 0..spreadMinutes, so a fleet does not start at once. */
  spreadMinutes: { min: 0, max: 720 },
} as const;

export interface CreateScheduleRequest {
  name: string;
  /** Exactly what `POST /api/jobs` accepts. */
  job: CreateJobRequest;
  /** A cron expression (5 fields, or @daily and the like); or give `runAt`. */
  cron?: string;
  /** A one-off local wall-clock time, `YYYY-MM-DDTHH:mm[:ss]`, read in the schedule's zone(s). */
  runAt?: string;
  zoneMode: ScheduleZoneMode;
  /** The fixed zone, or for `device` the zone of devices that have not reported one. */
  timeZone?: string;
  catchUp?: ScheduleCatchUp;
  offlinePolicy?: ScheduleOfflinePolicy;
  /** Each device's run starts after a random delay of 0..spreadMinutes (default 0: none). */
  spreadMinutes?: number;
}

export type UpdateScheduleRequest = Partial<CreateScheduleRequest>;

export interface ScheduleResponse {
  id: string;
  name: string;
  job: CreateJobRequest;
  cron: string | null;
  runAt: string | null;
  zoneMode: ScheduleZoneMode;
  timeZone: string;
  catchUp: ScheduleCatchUp;
  offlinePolicy: ScheduleOfflinePolicy;
  spreadMinutes: number;
  paused: boolean;
  /** When this schedule next fires somewhere (null: never again, or paused). */
  nextDueAt: string | null;
  createdBy: { id: string | null; email: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleOccurrencePreview {
  at: string;
  zone: string;
}

export interface SchedulePreviewResponse {
  /** Zones the preview covers: the fixed one, or every zone devices report plus the fallback. */
  zones: string[];
  occurrences: ScheduleOccurrencePreview[];
}

export interface ScheduleHistoryItem {
  occurrenceAt: string;
  zone: string;
  status: OccurrenceStatus;
  reason: string | null;
  devices: number;
  claimedAt: string;
  job: { id: string; status: JobStatus; counts: RunCounts } | null;
}
