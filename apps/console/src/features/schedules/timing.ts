import type { ScheduleResponse } from '@fleetdesk/api-types';

/** Ready-made timings for the form; anything else is typed as cron. */
export const CRON_PRESETS = [
  { value: '0 2 * * *', label: 'Every night at 02:00' },
  { value: '0 3 * * 0', label: 'Sundays at 03:00' },
  { value: '0 * * * *', label: 'Every hour' },
  { value: '0 12 * * 1-5', label: 'Weekdays at noon' },
] as const;

/** The browser's own zone: the likely default for a technician's fixed-zone schedule. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** "0 2 * * * · each device's local time" and the like, for the list. */
export function describeWhen(
  s: Pick<ScheduleResponse, 'cron' | 'runAt' | 'zoneMode' | 'timeZone'>,
) {
  const when = s.cron
    ? (CRON_PRESETS.find((p) => p.value === s.cron)?.label ?? `cron ${s.cron}`)
    : `once, ${s.runAt?.replace('T', ' ')}`;
  const zone = s.zoneMode === 'device' ? "each device's local time" : s.timeZone;
  return `${when} · ${zone}`;
}
