import {
  AUDIT_ACTION_PATTERN,
  AUDIT_FILTER_LIMITS as MAX,
  type AuditListQuery,
  PAGE_SIZE_CHOICES,
  PAGE_SIZE_DEFAULT,
} from '@fleetdesk/api-types';

/** The filters kept in the URL, so a filtered view can be bookmarked and shared. */
export const FILTER_KEYS = [
  'actorId',
  'action',
  'targetType',
  'targetId',
  'since',
  'until',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const PAGE_SIZES = PAGE_SIZE_CHOICES.map(String);
export const DEFAULT_PAGE_SIZE = PAGE_SIZE_DEFAULT;

export const ACTION_PATTERN = AUDIT_ACTION_PATTERN;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The actions and target types the server records today (grep `audit.record` in apps/server).
 * Only suggestions: the filters accept anything the API does.
 */
export const KNOWN_ACTIONS = [
  'agent.auth_failed',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'devices.bulk_delete',
  'devices.bulk_group',
  'devices.bulk_revoke',
  'devices.bulk_tag',
  'devices.bulk_untag',
  'devices.delete',
  'devices.enroll',
  'devices.revoke',
  'devices.tag',
  'devices.untag',
  'devices.update',
  'enrollment_tokens.create',
  'enrollment_tokens.revoke',
  'groups.create',
  'groups.delete',
  'groups.update',
  'jobs.cancel',
  'jobs.create',
  'jobs.rerun',
  'scripts.archive',
  'scripts.builtin_install',
  'scripts.builtin_update',
  'scripts.create',
  'scripts.update',
  'tags.create',
  'tags.delete',
  'tokens.create',
  'tokens.revoke',
  'users.create',
  'users.create_first_admin',
  'users.delete',
  'users.update',
];

export const KNOWN_PREFIXES = [...new Set(KNOWN_ACTIONS.map((a) => a.split('.')[0]))].map(
  (p) => `${p}.*`,
);

export const KNOWN_TARGET_TYPES = [
  'api_token',
  'device',
  'enrollment_token',
  'group',
  'job',
  'script',
  'session',
  'tag',
  'user',
];

export interface AuditView {
  filters: Record<FilterKey, string>;
  page: number;
  pageSize: number;
}

export function readView(params: URLSearchParams): AuditView {
  const filters = Object.fromEntries(
    FILTER_KEYS.map((key) => [key, params.get(key)?.trim() ?? '']),
  ) as Record<FilterKey, string>;
  const page = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  const size = Number(params.get('pageSize'));
  const pageSize = PAGE_SIZES.includes(String(size)) ? size : DEFAULT_PAGE_SIZE;
  return { filters, page, pageSize };
}

export function hasFilters(view: AuditView): boolean {
  return FILTER_KEYS.some((key) => view.filters[key] !== '');
}

/**
 * What is sent to GET /audit. Values the server would refuse with a 400 (a half-typed action,
 * a malformed actor id or date) are left out and reported by `filterProblems` instead, so one
 * bad field does not blank the whole table.
 */
export function toQuery(view: AuditView): AuditListQuery {
  const f = view.filters;
  const problems = filterProblems(view);
  const ok = (key: FilterKey) => (f[key] && !problems[key] ? f[key] : undefined);
  return {
    page: view.page,
    pageSize: view.pageSize,
    actorId: ok('actorId'),
    action: ok('action'),
    targetType: ok('targetType'),
    targetId: ok('targetId'),
    since: ok('since'),
    until: ok('until'),
  };
}

export function filterProblems(view: AuditView): Partial<Record<FilterKey, string>> {
  const f = view.filters;
  const problems: Partial<Record<FilterKey, string>> = {};
  if (f.actorId && !UUID_PATTERN.test(f.actorId)) problems.actorId = 'Not a user id';
  if (f.action && !ACTION_PATTERN.test(f.action))
    problems.action = 'Use an action such as users.create, or users.* for all user actions';
  if (f.action.length > MAX.actionLength)
    problems.action = `At most ${MAX.actionLength} characters`;
  if (f.targetType.length > MAX.targetTypeLength)
    problems.targetType = `At most ${MAX.targetTypeLength} characters`;
  if (f.targetId.length > MAX.targetIdLength)
    problems.targetId = `At most ${MAX.targetIdLength} characters`;
  if (f.since && Number.isNaN(Date.parse(f.since))) problems.since = 'Not a date';
  if (f.until && Number.isNaN(Date.parse(f.until))) problems.until = 'Not a date';
  if (!problems.since && !problems.until && f.since && f.until) {
    // `until` is exclusive on the server, so an equal pair matches nothing.
    if (Date.parse(f.since) >= Date.parse(f.until)) problems.until = 'Must be after “From”';
  }
  return problems;
}

/** ISO 8601 → the value of an <input type="datetime-local"> in the browser's time zone. */
export function isoToLocalInput(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  // Four-digit year even for year 2 or 300: anything else is not a valid input value and clears
  // the field while someone is still typing a year digit by digit.
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The inverse: a datetime-local value (no offset, so read as local time) → ISO 8601. */
export function localInputToIso(value: string): string {
  if (!value) return '';
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

export type QuickRange = 'hour' | 'today' | 'yesterday' | 'week';

export const QUICK_RANGES: { value: QuickRange; label: string }[] = [
  { value: 'hour', label: 'Last hour' },
  { value: 'today', label: 'Today' },
  { value: 'yesterday', label: 'Yesterday' },
  { value: 'week', label: 'Last 7 days' },
];

/**
 * A quick range as ISO `since` and `until` (empty: open-ended), in the browser's time zone:
 * "today" starts at local midnight. `until` is exclusive, as on the server.
 */
export function quickRange(range: QuickRange, now = new Date()): { since: string; until: string } {
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  switch (range) {
    case 'hour':
      return { since: new Date(now.getTime() - 3_600_000).toISOString(), until: '' };
    case 'today':
      return { since: midnight.toISOString(), until: '' };
    case 'yesterday': {
      const start = new Date(midnight);
      start.setDate(start.getDate() - 1);
      return { since: start.toISOString(), until: midnight.toISOString() };
    }
    case 'week': {
      const start = new Date(midnight);
      start.setDate(start.getDate() - 6);
      return { since: start.toISOString(), until: '' };
    }
  }
}
