import { createHash } from 'node:crypto';
import { nextOccurrence, type ScheduleWhen } from './schedule-times';

export interface ZonedSchedule extends ScheduleWhen {
  zoneMode: 'fixed' | 'device';
  timeZone: string;
}

/** The zones a schedule is evaluated in: its own, plus for `device` every zone devices report. */
export function zonesOf(s: ZonedSchedule, deviceZones: readonly string[]): string[] {
  if (s.zoneMode === 'fixed') return [s.timeZone];
  return [...new Set([s.timeZone, ...deviceZones])].sort();
}

/** Identifies a set of device zones, so a schedule computed for another set is seen as stale. */
export function zoneSetKey(deviceZones: readonly string[]): string {
  return createHash('sha256')
    .update([...deviceZones].sort().join('\n'))
    .digest('hex');
}

/** The earliest occurrence after `after` in any of the schedule's zones. */
export function nextDue(s: ZonedSchedule, zones: readonly string[], after: Date): Date | null {
  let best: Date | null = null;
  for (const zone of zones) {
    const t = nextOccurrence(s, zone, after);
    if (t && (!best || t < best)) best = t;
  }
  return best;
}
