import { windowDurationMinutes } from '@fleetdesk/api-types';
import { nextOccurrence } from '../schedules/schedule-times';

/** When a window opens: weekdays and a wall-clock start and end, read in one zone. */
export interface WindowShape {
  days: readonly number[];
  start: string;
  end: string;
}

export interface Opening {
  from: Date;
  until: Date;
}

/**
 * The window's openings as a cron in its zone, so DST follows the schedules' rules (a 02:30
 * start that does not exist that day opens at 03:30, one that happens twice opens once). A
 * window lasts its length in real minutes: on a DST night 02:00–04:00 is still two hours.
 */
function opensAt(w: WindowShape): { cron: string; runAt: null } {
  const [hh, mm] = w.start.split(':').map(Number);
  return { cron: `${mm} ${hh} * * ${[...w.days].sort().join(',')}`, runAt: null };
}

const lengthMs = (w: WindowShape) => windowDurationMinutes(w.start, w.end) * 60_000;

/** The opening that contains `at` (from ≤ at < until), if the window is open then. */
export function openingAt(w: WindowShape, zone: string, at: Date): Opening | null {
  if (w.days.length === 0) return null;
  const len = lengthMs(w);
  // The first opening after `at - length` is the one still open at `at`, if it began by then.
  const from = nextOccurrence(opensAt(w), zone, new Date(at.getTime() - len));
  return from && from <= at ? { from, until: new Date(from.getTime() + len) } : null;
}

/** The opening that contains `at`, else the next one that starts no later than `horizon`. */
export function nextOpening(w: WindowShape, zone: string, at: Date, horizon: Date): Opening | null {
  const open = openingAt(w, zone, at);
  if (open) return open;
  if (w.days.length === 0) return null;
  const from = nextOccurrence(opensAt(w), zone, at);
  return from && from <= horizon ? { from, until: new Date(from.getTime() + lengthMs(w)) } : null;
}
