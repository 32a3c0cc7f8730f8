import type { ScheduleZoneMode } from './schedules';

/** Days of the week as JavaScript and cron number them: 0 Sunday … 6 Saturday. */
export const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export const MAINTENANCE_WINDOW_LIMITS = {
  nameLength: 200,
  /** Tags and groups a window applies to, each list. */
  targets: 100,
  /** A window lasts at most a day (it may cross midnight). */
  maxDurationMinutes: 24 * 60,
} as const;

/** `HH:MM`, 24-hour wall-clock time. */
export const WALL_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * How long a window lasts, in minutes, from its wall-clock start and end; an end at or before
 * the start crosses midnight (22:00–02:00 is four hours; 02:00–02:00 a whole day).
 */
export function windowDurationMinutes(start: string, end: string): number {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const d = minutes(end) - minutes(start);
  return d > 0 ? d : d + 24 * 60;
}

/** The devices a window covers: those in any of the groups or carrying any of the tags. */
export interface MaintenanceWindowTarget {
  tags?: string[];
  groupIds?: string[];
}

export interface CreateMaintenanceWindowRequest {
  name: string;
  target: MaintenanceWindowTarget;
  /** Days the window opens on (0 Sunday … 6 Saturday), in the window's zone(s). */
  days: Weekday[];
  /** Wall-clock opening time, `HH:MM`. */
  start: string;
  /** Wall-clock closing time, `HH:MM`; at or before `start`: the next day. */
  end: string;
  /** `device`: each device's own zone (the time zone it reports); `fixed`: `timeZone`. */
  zoneMode: ScheduleZoneMode;
  /** The fixed zone, or for `device` the zone of devices that have not reported one. */
  timeZone?: string;
}

export type UpdateMaintenanceWindowRequest = Partial<CreateMaintenanceWindowRequest>;

export interface MaintenanceWindowResponse {
  id: string;
  name: string;
  target: MaintenanceWindowTarget;
  days: Weekday[];
  start: string;
  end: string;
  durationMinutes: number;
  zoneMode: ScheduleZoneMode;
  timeZone: string;
  createdBy: { id: string | null; email: string | null };
  createdAt: string;
  updatedAt: string;
}

/** One window of one device, open at the time asked about. */
export interface ActiveWindow {
  windowId: string;
  name: string;
  /** When this opening started and ends (ISO). */
  from: string;
  until: string;
}
