import type { JobResponse, RunCounts, RunState } from './jobs';
import { FAILED_RUN_STATES } from './states';

/**
 * Run states that count against a job's outcome: the run did not do its work. The failed
 * ones plus `expired` (the device never ran it); `cancelled` does not (a technician chose
 * that). "Re-run failed" re-runs these.
 */
export const UNSUCCESSFUL_RUN_STATES = [
  ...FAILED_RUN_STATES,
  'expired',
] as const satisfies readonly RunState[];

/** How a finished job went, from its runs: what its label says instead of "completed". */
export const JOB_OUTCOMES = ['succeeded', 'partly_failed', 'failed'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export function unsuccessfulRuns(counts: RunCounts): number {
  return UNSUCCESSFUL_RUN_STATES.reduce((n, s) => n + counts[s], 0);
}

/**
 * A finished job's outcome, or null while it runs (or when none of its runs ended either
 * way, e.g. every one was cancelled). Pure, so the server and the console say the same.
 */
export function jobOutcome(job: Pick<JobResponse, 'status' | 'counts'>): JobOutcome | null {
  if (job.status === 'running') return null;
  const bad = unsuccessfulRuns(job.counts);
  const good = job.counts.succeeded;
  if (bad === 0) return good > 0 ? 'succeeded' : null;
  return good === 0 ? 'failed' : 'partly_failed';
}
