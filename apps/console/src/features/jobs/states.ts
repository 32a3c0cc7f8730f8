import {
  isOpenRunState,
  type JobOutcome,
  type JobResponse,
  type JobStatus,
  jobOutcome,
  OPEN_RUN_STATES,
  type RunCounts,
  type RunState,
  UNSUCCESSFUL_RUN_STATES,
  unsuccessfulRuns,
} from '@fleetdesk/api-types';

export interface StateLook {
  label: string;
  color: string;
  /** One sentence for tooltips and the output panel: what the state means for the technician. */
  meaning: string;
}

/** Every run state in words and a colour; failures are never only a colour. */
export const RUN_STATE: Record<RunState, StateLook> = {
  pending: {
    label: 'Pending',
    color: 'gray',
    meaning: 'Waiting to be sent: the device is offline or the job is at its concurrency limit.',
  },
  dispatched: {
    label: 'Sent',
    color: 'cyan',
    meaning: 'Sent to the device; waiting for the agent to start it.',
  },
  running: { label: 'Running', color: 'blue', meaning: 'Running on the device now.' },
  succeeded: { label: 'Succeeded', color: 'green', meaning: 'Finished with exit code 0.' },
  failed: {
    label: 'Failed',
    color: 'red',
    meaning: 'Finished with a non-zero exit code, or the agent could not run it.',
  },
  timed_out: {
    label: 'Timed out',
    color: 'orange',
    meaning: 'Ran longer than the job’s timeout and was stopped by the agent.',
  },
  expired: {
    label: 'Expired (device offline)',
    color: 'yellow',
    meaning: 'The device did not come online before the run expired; it never ran.',
  },
  cancelled: {
    label: 'Cancelled',
    color: 'gray',
    meaning: 'Cancelled before it finished.',
  },
  lost: {
    label: 'Lost',
    color: 'grape',
    meaning: 'No result from the device long after the deadline; unknown whether it ran.',
  },
};

export { JOB_STATUSES, OPEN_RUN_STATES, RUN_STATES } from '@fleetdesk/api-types';
/** What "Re-run failed" picks up (the server's rerun scope `failed`). */
export const RERUNNABLE_STATES: readonly RunState[] = UNSUCCESSFUL_RUN_STATES;

export const isOpenRun = isOpenRunState;

export const JOB_STATUS: Record<JobStatus, StateLook> = {
  running: { label: 'Running', color: 'blue', meaning: 'Some runs are still open.' },
  completed: { label: 'Completed', color: 'green', meaning: 'Every run has finished.' },
  cancelled: { label: 'Cancelled', color: 'gray', meaning: 'A technician cancelled the job.' },
  stopped: {
    label: 'Stopped',
    color: 'orange',
    meaning: 'Stopped because too many runs failed (failure threshold).',
  },
};

/** A finished job's outcome in words: what its label says instead of "completed". */
export const JOB_OUTCOME: Record<JobOutcome, StateLook> = {
  succeeded: { label: 'Succeeded', color: 'green', meaning: 'Every run succeeded.' },
  partly_failed: {
    label: 'Partly failed',
    color: 'orange',
    meaning: 'Some runs succeeded; others failed, timed out, were lost or expired.',
  },
  failed: {
    label: 'Failed',
    color: 'red',
    meaning: 'No run succeeded: they failed, timed out, were lost or expired.',
  },
};

/**
 * How a job's label reads: running and cancelled as such; a completed job by its outcome; a
 * job stopped by its failure threshold as stopped, with the outcome beside it.
 */
export function jobLook(job: Pick<JobResponse, 'status' | 'counts'>): StateLook & {
  outcome: JobOutcome | null;
} {
  const outcome = jobOutcome(job);
  if (job.status === 'completed' && outcome) return { ...JOB_OUTCOME[outcome], outcome };
  if (job.status === 'stopped' && outcome) {
    const o = JOB_OUTCOME[outcome];
    return {
      label: `Stopped · ${o.label.toLowerCase()}`,
      color: outcome === 'failed' ? 'red' : 'orange',
      meaning: `${JOB_STATUS.stopped.meaning} ${o.meaning}`,
      outcome,
    };
  }
  return { ...JOB_STATUS[job.status], outcome };
}

export function failedCount(counts: RunCounts): number {
  return unsuccessfulRuns(counts);
}

export function finishedCount(counts: RunCounts): number {
  return counts.total - OPEN_RUN_STATES.reduce((n, s) => n + counts[s], 0);
}

/** Who started a job, for lists: the user's email, else the system. */
export function startedBy(job: JobResponse): string {
  return job.createdBy.email ?? (job.createdBy.id ? 'unknown user' : 'system');
}

/** Duration of a run so far (running) or in total (finished), in ms; null before it started. */
export function runDurationMs(
  run: { startedAt: string | null; finishedAt: string | null },
  now = Date.now(),
): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? new Date(run.finishedAt).getTime() : now;
  return Math.max(0, end - new Date(run.startedAt).getTime());
}
