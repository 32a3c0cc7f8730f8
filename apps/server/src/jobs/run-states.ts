import { type RunCounts, RUN_STATES, type RunState } from '@fleetdesk/api-types';

// The state lists themselves (RUN_STATES, OPEN_RUN_STATES, TERMINAL_RUN_STATES,
// FAILED_RUN_STATES, UNSUCCESSFUL_RUN_STATES) are the shared contract's, so the console counts
// and labels runs as the server does.

/** SQL list literal, e.g. for `status IN (…)`; the values are constants, never input. */
export const sqlList = (states: readonly RunState[]) => states.map((s) => `'${s}'`).join(', ');

/** How long the server waits past a run's deadline before calling it lost. Always longer than the agent's kill. */
export const LOST_GRACE_MS = 60_000;

export function emptyCounts(): RunCounts {
  return Object.fromEntries([...RUN_STATES.map((s) => [s, 0]), ['total', 0]]) as RunCounts;
}
