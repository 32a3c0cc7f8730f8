import { ABSOLUTE_PATH } from './paths';
import type { LogSourceRequest } from './log-collections';

/**
 * The rules a log source and a line pattern must pass, for a collection and a fleet search
 * alike. The console's forms check them as the technician types; the server checks them again
 * before it signs anything; the agent protocol's validators use the same patterns. One copy,
 * here, so the three never disagree about what a valid unit name or path is.
 */
export const LOG_SOURCE_RULES = {
  pathLength: 1024,
  journalUnitLength: 256,
  eventLogNameLength: 256,
  patternLength: 1024,
  /** journalctl priorities: 0 emerg … 7 debug (the most verbose kept). */
  journaldPriority: { min: 0, max: 7 },
  /** Event Log levels: 1 critical, 2 error, 3 warning, 4 information, 5 verbose. */
  eventLogLevel: { min: 1, max: 5 },
} as const;

/** A systemd unit name (`nginx.service`, `getty@tty1.service`): passed to journalctl as is. */
export const JOURNALD_UNIT_PATTERN = /^[A-Za-z0-9:_.@\\-]+$/;
/** An Event Log channel (`System`, `Microsoft-Windows-Sysmon/Operational`), put in a query. */
export const EVENT_LOG_NAME_PATTERN = /^[A-Za-z0-9 _./-]+$/;

export const JOURNALD_PRIORITY_NAMES = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
] as const;
export const EVENT_LOG_LEVEL_NAMES: Record<number, string> = {
  1: 'critical',
  2: 'error',
  3: 'warning',
  4: 'information',
  5: 'verbose',
};

const inRange = (v: number, r: { min: number; max: number }) =>
  Number.isInteger(v) && v >= r.min && v <= r.max;

/**
 * What is wrong with one source, as `field: reason` (the field relative to the source:
 * `path`, `unit`, `priority`, `log`, `level`), or null.
 */
export function logSourceProblem(s: LogSourceRequest): { field: string; reason: string } | null {
  const R = LOG_SOURCE_RULES;
  switch (s.type) {
    case 'file':
      if (s.path.length === 0) return { field: 'path', reason: 'is required' };
      if (s.path.length > R.pathLength)
        return { field: 'path', reason: `must be at most ${R.pathLength} characters` };
      if (!ABSOLUTE_PATH.test(s.path))
        return {
          field: 'path',
          reason: `must be absolute (/var/log/syslog, C:/Logs/app.log), got ${JSON.stringify(s.path)}`,
        };
      return null;
    case 'journald':
      if (s.unit !== undefined) {
        if (s.unit.length === 0 || s.unit.length > R.journalUnitLength)
          return { field: 'unit', reason: `must be 1 to ${R.journalUnitLength} characters` };
        if (!JOURNALD_UNIT_PATTERN.test(s.unit))
          return { field: 'unit', reason: 'must be a systemd unit name such as nginx.service' };
      }
      if (s.priority !== undefined && !inRange(s.priority, R.journaldPriority))
        return { field: 'priority', reason: 'must be 0 (emerg) to 7 (debug)' };
      return null;
    case 'eventlog':
      if (s.log.length === 0 || s.log.length > R.eventLogNameLength)
        return { field: 'log', reason: `must be 1 to ${R.eventLogNameLength} characters` };
      if (!EVENT_LOG_NAME_PATTERN.test(s.log))
        return {
          field: 'log',
          reason:
            'must be an event log name such as System or Microsoft-Windows-Sysmon/Operational',
        };
      if (s.level !== undefined && !inRange(s.level, R.eventLogLevel))
        return { field: 'level', reason: 'must be 1 (critical) to 5 (verbose)' };
      return null;
  }
}

/**
 * What is wrong with a line pattern (a collection's filter, a search's query), or null. A
 * regular expression is compiled with the flags the matchers use (`i` or none), so a pattern
 * the form accepts is one the agent and the server can run.
 */
export function logPatternProblem(q: {
  mode: 'substring' | 'regex';
  pattern: string;
  ignoreCase?: boolean;
}): string | null {
  if (q.pattern.length === 0) return 'is required';
  if (q.pattern.length > LOG_SOURCE_RULES.patternLength)
    return `must be at most ${LOG_SOURCE_RULES.patternLength} characters`;
  if (q.mode !== 'regex') return null;
  try {
    new RegExp(q.pattern, q.ignoreCase ? 'i' : '');
    return null;
  } catch (err) {
    return `is not a regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** A time window's order: `until` must not be before `since` (epoch ms, either may be absent). */
export function logWindowProblem(since?: number, until?: number): string | null {
  return since !== undefined && until !== undefined && until < since
    ? 'must not be before since'
    : null;
}
