import {
  LOG_COLLECTION_RULES,
  type LogSourceRequest,
  logPatternProblem,
  logSourceProblem,
  logWindowProblem,
} from '@fleetdesk/api-types';

export type SourceType = LogSourceRequest['type'];

/** One source as typed in the form: every field a string (or '' for "not given"). */
export interface SourceDraft {
  type: SourceType;
  path: string;
  unit: string;
  priority: string;
  log: string;
  level: string;
}

export const emptySource = (type: SourceType = 'file'): SourceDraft => ({
  type,
  path: '',
  unit: '',
  priority: '',
  log: type === 'eventlog' ? 'System' : '',
  level: '',
});

export function toSourceRequest(d: SourceDraft): LogSourceRequest {
  switch (d.type) {
    case 'file':
      return { type: 'file', path: d.path.trim() };
    case 'journald':
      return {
        type: 'journald',
        ...(d.unit.trim() ? { unit: d.unit.trim() } : {}),
        ...(d.priority !== '' ? { priority: Number(d.priority) } : {}),
      };
    case 'eventlog':
      return {
        type: 'eventlog',
        log: d.log.trim(),
        ...(d.level !== '' ? { level: Number(d.level) } : {}),
      };
  }
}

export type SourceErrors = Partial<Record<keyof SourceDraft, string>>;

/** Each source's problems by field, with the rules the server applies (libs/api-types). */
export function sourceProblems(drafts: SourceDraft[]): SourceErrors[] {
  return drafts.map((d) => {
    const problem = logSourceProblem(toSourceRequest(d));
    return problem ? { [problem.field]: `${fieldWords(problem.field)} ${problem.reason}` } : {};
  });
}

const FIELD_WORDS: Record<string, string> = {
  path: 'The path',
  unit: 'The unit',
  priority: 'The priority',
  log: 'The log name',
  level: 'The level',
};
const fieldWords = (field: string) => FIELD_WORDS[field] ?? field;

/** A `datetime-local` value (the browser's local time) as ISO 8601, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

export interface WindowDraft {
  since: string;
  until: string;
}

export function windowProblems(w: WindowDraft): Partial<Record<keyof WindowDraft, string>> {
  const out: Partial<Record<keyof WindowDraft, string>> = {};
  const since = localToIso(w.since);
  const until = localToIso(w.until);
  if (w.since && !since) out.since = 'Not a date and time';
  if (w.until && !until) out.until = 'Not a date and time';
  const order = logWindowProblem(
    since ? Date.parse(since) : undefined,
    until ? Date.parse(until) : undefined,
  );
  if (order) out.until = `Until ${order}`;
  return out;
}

export interface PatternDraft {
  mode: 'substring' | 'regex';
  pattern: string;
  ignoreCase: boolean;
}

export function patternProblem(p: PatternDraft): string | undefined {
  const problem = logPatternProblem(p);
  return problem ? `The pattern ${problem}` : undefined;
}

/** Empty, or a whole number in [min, max]. */
export function wholeProblem(
  v: number | string,
  r: { min: number; max: number },
  what: string,
): string | undefined {
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= r.min && n <= r.max
    ? undefined
    : `${what}: a whole number from ${r.min.toLocaleString()} to ${r.max.toLocaleString()}`;
}

/** The per-source byte cap is typed in MB; the rule is in bytes. */
export const MB = 1024 * 1024;
export function maxMbProblem(v: number | string): string | undefined {
  if (v === '') return undefined;
  const bytes = Math.round(Number(v) * MB);
  const r = LOG_COLLECTION_RULES.maxBytesPerSource;
  return Number.isFinite(bytes) && bytes >= r.min && bytes <= r.max
    ? undefined
    : `Up to ${r.max / MB} MB per source`;
}
