/** Consecutive outcomes of one watched subject, as stored in `monitor_subject`. */
export interface FlapCounters {
  failures: number;
  successes: number;
}

export interface Thresholds {
  /** Consecutive failures before an alert fires. */
  fail: number;
  /** Consecutive successes before an open alert resolves. */
  success: number;
}

export type AlertStep = 'fire' | 'resolve' | 'update' | 'none';

/**
 * What one more observation does to a subject's alert. Flap protection lives here: a check
 * alternating between pass and fail never reaches either threshold above 1, so it neither
 * fires nor resolves on every flip.
 */
export function alertStep(
  counters: FlapCounters,
  ok: boolean,
  thresholds: Thresholds,
  open: boolean,
): AlertStep {
  if (ok) return open && counters.successes >= thresholds.success ? 'resolve' : 'none';
  if (open) return 'update';
  return counters.failures >= thresholds.fail ? 'fire' : 'none';
}
