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

/**
 * croner finds an occurrence that a DST gap moved (02:30 → 03:30) only when it searches from
 * before the gap; from inside it, it skips to the next day. So every search starts this far
 * back (more than any DST shift) and walks forward: the same sequence whatever the start.
 */
const LOOKBACK_MS = 3 * 3_600_000;
/** Past this many occurrences in a window, the walk jumps instead (a long outage). */
const MAX_WALK = 10_000;

function* occurrencesAfter(cron: Cron, after: Date): Generator<Date, void> {
  let t = cron.nextRun(new Date(after.getTime() - LOOKBACK_MS));
  for (let i = 0; t && t <= after; i += 1) {
    t = i < MAX_WALK ? cron.nextRun(t) : cron.nextRun(after);
  }
  while (t) {
    yield t;
    t = cron.nextRun(t);
  }
}

export function nextOccurrence(when: ScheduleWhen, zone: string, after: Date): Date | null {
  const first = occurrencesAfter(cronOf(when, zone), after).next();
  return first.done ? null : first.value;
}

export function nextOccurrences(
  when: ScheduleWhen,
  zone: string,
  after: Date,
  count: number,
): Date[] {
  const out: Date[] = [];
  for (const t of occurrencesAfter(cronOf(when, zone), after)) {
    if (out.length >= count) break;
    out.push(t);
  }
  return out;
}

export interface DueOccurrences {
  /** Occurrences in the window within the grace: each fires. */
  onTime: Date[];
  /** The latest occurrence in the window older than the grace, if any. */
  latestMissed: Date | null;
  /** How many occurrences were missed (counted up to a cap: only used for the record). */
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
  // Missed: older than the grace when this pass runs. On time: anything newer.
  const missedBefore = new Date(until.getTime() - ON_TIME_GRACE_MS);
  let latestMissed: Date | null = null;
  let missedCount = 0;
  for (const t of occurrencesAfter(cron, after)) {
    if (t >= missedBefore) break;
    latestMissed = t;
    missedCount += 1;
    if (missedCount >= MAX_WALK) {
      // A long outage of a frequent schedule: jump to the last one rather than walk it all.
      latestMissed = cron.previousRuns(1, missedBefore)[0] ?? t;
      break;
    }
  }
  const onTime: Date[] = [];
  const from = new Date(Math.max(after.getTime(), missedBefore.getTime() - 1));
  for (const t of occurrencesAfter(cron, from)) {
    if (t > until || onTime.length >= MAX_ON_TIME) break;
    onTime.push(t);
  }
  return { onTime, latestMissed, missedCount };
}
