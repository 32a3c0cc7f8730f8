import type { DeviceSort, DeviceStatus } from './devices';
import { exhaustiveList } from './exhaustive-list';
import type { JobStatus, OutputStream, RunState } from './jobs';

/** Runs not yet final: the server may still send, start or hear from them. */
export const OPEN_RUN_STATES = [
  'pending',
  'dispatched',
  'running',
] as const satisfies readonly RunState[];

/** Final runs: no transition leaves these, except that late output is still recorded. */
export const TERMINAL_RUN_STATES = [
  'succeeded',
  'failed',
  'timed_out',
  'expired',
  'cancelled',
  'lost',
] as const satisfies readonly RunState[];

/** Every run state, in the order a run moves through them (the console lists them so). */
export const RUN_STATES = exhaustiveList<RunState>()([...OPEN_RUN_STATES, ...TERMINAL_RUN_STATES]);

/**
 * Runs that reached the device and went wrong (or were never heard of again): what a job's
 * failure threshold counts. `expired` is left out on purpose: a run that expired never ran
 * (its device stayed offline), so a fleet with many offline devices must not stop a job
 * whose script works. It still counts as unsuccessful (UNSUCCESSFUL_RUN_STATES): the
 * outcome, the console's "failed" figure and "Re-run failed" include it.
 */
export const FAILED_RUN_STATES = [
  'failed',
  'timed_out',
  'lost',
] as const satisfies readonly RunState[];

export const isOpenRunState = (s: RunState): boolean =>
  (OPEN_RUN_STATES as readonly RunState[]).includes(s);

export const JOB_STATUSES = exhaustiveList<JobStatus>()([
  'running',
  'completed',
  'cancelled',
  'stopped',
]);

export const OUTPUT_STREAMS = exhaustiveList<OutputStream>()(['stdout', 'stderr']);

export const DEVICE_STATUSES = exhaustiveList<DeviceStatus>()(['online', 'offline', 'revoked']);

/** What `GET /api/devices` sorts by; `name` is the default. */
export const DEVICE_SORTS = exhaustiveList<DeviceSort>()([
  'name',
  'hostname',
  'status',
  'os',
  'lastSeenAt',
  'enrolledAt',
]);
