import { JOB_OUTCOMES, jobOutcome, type JobOutcome } from './job-outcome';
import type { JobStatus, RunCounts, RunState } from './jobs';

const counts = (c: Partial<Record<RunState, number>>): RunCounts => {
  const all: Record<RunState, number> = {
    pending: 0,
    dispatched: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timed_out: 0,
    expired: 0,
    cancelled: 0,
    lost: 0,
    ...c,
  };
  return { ...all, total: Object.values(all).reduce((a, b) => a + b, 0) };
};

describe('jobOutcome', () => {
  const cases: [string, JobStatus, Partial<Record<RunState, number>>, JobOutcome | null][] = [
    ['its only run failed', 'completed', { failed: 1 }, 'failed'],
    ['every run succeeded', 'completed', { succeeded: 3 }, 'succeeded'],
    ['some failed, some succeeded', 'completed', { succeeded: 2, failed: 1 }, 'partly_failed'],
    ['a run timed out', 'completed', { succeeded: 1, timed_out: 1 }, 'partly_failed'],
    ['the device stayed offline', 'completed', { expired: 1 }, 'failed'],
    ['its run was lost', 'completed', { lost: 1 }, 'failed'],
    ['stopped by the threshold', 'stopped', { failed: 2, cancelled: 5 }, 'failed'],
    ['cancelled after a success', 'cancelled', { succeeded: 1, cancelled: 2 }, 'succeeded'],
    ['cancelled before anything ran', 'cancelled', { cancelled: 3 }, null],
    ['still running', 'running', { failed: 1, running: 1 }, null],
  ];
  it.each(cases)('%s', (_, status, c, expected) => {
    expect(jobOutcome({ status, counts: counts(c) })).toBe(expected);
  });

  it('names only outcomes it can return', () => {
    const seen = new Set(cases.map(([, , , o]) => o).filter(Boolean));
    expect([...seen].sort()).toEqual([...JOB_OUTCOMES].sort());
  });
});
