import type { RunCounts, RunState } from '@fleetdesk/api-types';
import { exhaustiveList } from '../common/exhaustive-list';

export const RUN_STATES = exhaustiveList<RunState>()([
  'pending',
  'dispatched',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'expired',
  'cancelled',
  'lost',
]);

export const OPEN_STATES: readonly RunState[] = ['pending', 'dispatched', 'running'];
export const TERMINAL_STATES: readonly RunState[] = [
  'succeeded',
  'failed',
  'timed_out',
  'expired',
  'cancelled',
  'lost',
];
/** Finished runs that count against a job's failure threshold. */
export const FAILED_STATES: readonly RunState[] = ['failed', 'timed_out', 'lost'];

/** SQL list literal, e.g. for `status IN (…)`; the values are constants, never input. */
export const sqlList = (states: readonly RunState[]) => states.map((s) => `'${s}'`).join(', ');

/** How long the server waits past a run's deadline before calling it lost. Always longer than the agent's kill. */
export const LOST_GRACE_MS = 60_000;

export function emptyCounts(): RunCounts {
  return Object.fromEntries([...RUN_STATES.map((s) => [s, 0]), ['total', 0]]) as RunCounts;
}
