import { Cron } from 'croner';

/** When a schedule fires: a cron expression, or a one-off local wall-clock time. */
export interface ScheduleWhen {
  cron: string | null;
  runAt: string | null;
}

/**
 * Occurrences up to this far behind the clock still fire as on time (a busy or briefly
 * stopped process); older ones were missed and follow the schedule's catch-up policy.
 */
export const ON_TIME_GRACE_MS = 5 * 60_000;

/** A cap on occurrences fired in one pass, so a per-minute cron cannot run away. */
const MAX_ON_TIME = 100;

/**
 * croner reads both: a cron pattern, or an ISO local date-time (no offset) as a one-off in
 * `zone`. DST follows croner: a time that does not exist that day (02:30 when clocks jump
 * 02:00→03:00) fires once, an hour later by the wall clock (03:30); a time that happens
 * twice (01:30 when clocks fall back) fires once, at its first instance.
 */
function cronOf(when: ScheduleWhen, zone: string): Cron {
  return new Cron(when.cron ?? (when.runAt as string), { timezone: zone, paused: true });
}

/** Throws croner's message when the expression or the zone is unusable. */
export function checkWhen(when: ScheduleWhen, zone: string): void {
  cronOf(when, zone).nextRun(new Date(0));
}

export function nextOccurrence(when: ScheduleWhen, zone: string, after: Date): Date | null {
  return cronOf(when, zone).nextRun(after);
}

export function nextOccurrences(
  when: ScheduleWhen,
  zone: string,
  after: Date,
  count: number,
): Date[] {
  return cronOf(when, zone).nextRuns(count, after);
}

export interface DueOccurrences {
  /** Occurrences in the window within the grace: each fires. */
  onTime: Date[];
  /** The latest occurrence in the window older than the grace, if any. */
  latestMissed: Date | null;
  /** How many occurrences were missed (up to a cap: only used for the record). */
  missedCount: number;
}

/** The occurrences in (after, until], split into on-time ones and the missed ones. */
export function dueBetween(
  when: ScheduleWhen,
  zone: string,
  after: Date,
  until: Date,
): DueOccurrences {
  const cron = cronOf(when, zone);
  const graceStart = new Date(Math.max(after.getTime(), until.getTime() - ON_TIME_GRACE_MS));
  const onTime: Date[] = [];
  for (let t = cron.nextRun(graceStart); t && t <= until && onTime.length < MAX_ON_TIME;) {
    onTime.push(t);
    t = cron.nextRun(t);
  }
  let latestMissed: Date | null = null;
  let missedCount = 0;
  if (graceStart > after) {
    // The first occurrence after `after` tells whether anything was missed at all, without
    // walking a long outage minute by minute.
    const first = cron.nextRun(after);
    if (first && first <= graceStart) {
      latestMissed = latestAtOrBefore(cron, when, graceStart) ?? first;
      missedCount = 1;
      for (let t = cron.nextRun(first); t && t <= graceStart && missedCount < 10_000;) {
        missedCount += 1;
        t = cron.nextRun(t);
      }
    }
  }
  return { onTime, latestMissed, missedCount };
}

function latestAtOrBefore(cron: Cron, when: ScheduleWhen, at: Date): Date | null {
  if (!when.cron) return null;
  const [prev] = cron.previousRuns(1, new Date(at.getTime() + 1));
  return prev ?? null;
}
