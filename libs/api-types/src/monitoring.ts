import { exhaustiveList } from './exhaustive-list';

/** An alert's life: it fires, a technician may acknowledge it, and it resolves on recovery. */
export type AlertState = 'firing' | 'acknowledged' | 'resolved';
export const ALERT_STATES = exhaustiveList<AlertState>()(['firing', 'acknowledged', 'resolved']);
/** The states of an alert still open (at most one per subject). */
export const OPEN_ALERT_STATES = ['firing', 'acknowledged'] as const satisfies AlertState[];

export type AlertSeverity = 'info' | 'warning' | 'critical';
/** Lowest first: a routing rule's minimum severity lets through its own and every later one. */
export const ALERT_SEVERITIES = exhaustiveList<AlertSeverity>()(['info', 'warning', 'critical']);

/** Whether `severity` is at least `minimum` (routing rules, filters). */
export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(minimum);
}

/** What raised an alert. */
export type AlertSource = 'website_check' | 'device_offline' | 'agent_check';
export const ALERT_SOURCES = exhaustiveList<AlertSource>()([
  'website_check',
  'device_offline',
  'agent_check',
]);

export interface AlertResponse {
  id: string;
  source: AlertSource;
  /**
   * What the alert is about, e.g. `website_check:<id>`, `device_offline:<deviceId>` or
   * `agent_check:<checkId>:<deviceId>`.
   */
  subject: string;
  checkId: string | null;
  deviceId: string | null;
  title: string;
  message: string;
  severity: AlertSeverity;
  state: AlertState;
  /** Inside a maintenance window: recorded, but nobody is notified. */
  muted: boolean;
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: { id: string | null; email: string | null } | null;
  resolvedAt: string | null;
  /** Where the console sends a technician: the device page, or the check's history. */
  links: { device: string | null; check: string | null };
}

export interface AcknowledgeAlertsRequest {
  ids: string[];
}

export interface AcknowledgeAlertsResponse {
  /** The alerts acknowledged by this request (already acknowledged or resolved ones are not). */
  acknowledged: string[];
}

/** Resolve by hand (the site was moved, the device retired): one request for a selection. */
export interface ResolveAlertsRequest {
  ids: string[];
}

export interface ResolveAlertsResponse {
  /** The alerts resolved by this request (already resolved ones are not). */
  resolved: string[];
}

/** Open alerts by state and severity, for the overview. */
export interface AlertSummaryResponse {
  firing: number;
  acknowledged: number;
  /** Open (firing or acknowledged) alerts by severity. */
  bySeverity: Record<AlertSeverity, number>;
}

/** Open alerts of one device, for the devices list; devices without any are left out. */
export interface DeviceAlertCount {
  deviceId: string;
  open: number;
  /** The highest severity among them. */
  severity: AlertSeverity;
}

export const MONITORING_LIMITS = {
  nameLength: 200,
  urlLength: 2048,
  bodyMatchLength: 1000,
  intervalSeconds: { min: 2, max: 86_400, default: 60 },
  timeoutMs: { min: 100, max: 60_000, default: 10_000 },
  latencyLimitMs: { min: 1, max: 600_000 },
  certWarnDays: { min: 1, max: 365, default: 14 },
  maxRedirects: { min: 0, max: 10, default: 5 },
  /** Consecutive failures before an alert fires, successes before it resolves. */
  threshold: { min: 1, max: 100, failDefault: 2, successDefault: 1 },
  ackBatch: 500,
  /** Device ids one alert-count request may ask about (a page of the devices list). */
  countDevices: 200,
  digestSeconds: { min: 0, max: 3600, default: 30 },
  emailRecipients: 20,
  filterTags: 20,
  filterGroups: 20,
  /** Devices and groups a website check may name to run from (and tags, as filterTags). */
  runFromIds: 100,
  /** Locations one check's page lists (the server and this many devices). */
  locations: 200,
} as const;

/**
 * Why a website check's URL is refused, or null when it is acceptable: http(s) only, no
 * credentials in it. The server's DTO and the console's form both use this.
 */
// The WHATWG URL parser, global in browsers and Node alike; this lib is built without DOM types.
interface ParsedUrl {
  protocol: string;
  username: string;
  password: string;
}
declare const URL: new (input: string) => ParsedUrl;

export function checkUrlProblem(raw: string): string | null {
  let url: ParsedUrl;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `uses ${url.protocol.replace(/:$/, '')}; only http and https are allowed`;
  if (url.username || url.password) return 'must not carry a user name or password';
  return null;
}

type IntField =
  | 'expectedStatus'
  | 'latencyLimitMs'
  | 'maxRedirects'
  | 'certWarnDays'
  | 'intervalSeconds'
  | 'timeoutMs'
  | 'failThreshold'
  | 'successThreshold';

/** The integer bounds of a website check's numeric fields, as the server enforces them. */
export const WEBSITE_CHECK_BOUNDS: Record<IntField, { min: number; max: number }> = {
  expectedStatus: { min: 100, max: 599 },
  latencyLimitMs: MONITORING_LIMITS.latencyLimitMs,
  maxRedirects: MONITORING_LIMITS.maxRedirects,
  certWarnDays: MONITORING_LIMITS.certWarnDays,
  intervalSeconds: MONITORING_LIMITS.intervalSeconds,
  timeoutMs: MONITORING_LIMITS.timeoutMs,
  failThreshold: MONITORING_LIMITS.threshold,
  successThreshold: MONITORING_LIMITS.threshold,
};

/**
 * What is wrong with a website check as a form holds it, field by field (empty: nothing).
 * The same rules as the server's DTO, so the form says it before the server does.
 */
export function websiteCheckProblems(r: WebsiteCheckRequest): Partial<Record<string, string>> {
  const p: Partial<Record<string, string>> = {};
  const name = r.name.trim();
  if (!name) p.name = 'Give the check a name';
  else if (name.length > MONITORING_LIMITS.nameLength)
    p.name = `At most ${MONITORING_LIMITS.nameLength} characters`;
  const url = r.url.trim();
  const urlProblem = url ? checkUrlProblem(url) : 'is required';
  if (urlProblem) p.url = `The URL ${urlProblem}`;
  else if (url.length > MONITORING_LIMITS.urlLength)
    p.url = `At most ${MONITORING_LIMITS.urlLength} characters`;
  for (const [field, b] of Object.entries(WEBSITE_CHECK_BOUNDS) as [
    IntField,
    { min: number; max: number },
  ][]) {
    const v = r[field];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v) || v < b.min || v > b.max)
      p[field] = `A whole number from ${b.min} to ${b.max}`;
  }
  for (const field of ['bodyContains', 'bodyNotContains'] as const) {
    const v = r[field];
    if (v && v.length > MONITORING_LIMITS.bodyMatchLength)
      p[field] = `At most ${MONITORING_LIMITS.bodyMatchLength} characters`;
  }
  const from = r.runFrom;
  if ((from?.deviceIds?.length ?? 0) > MONITORING_LIMITS.runFromIds)
    p.runFrom = `At most ${MONITORING_LIMITS.runFromIds} devices`;
  else if ((from?.groupIds?.length ?? 0) > MONITORING_LIMITS.runFromIds)
    p.runFrom = `At most ${MONITORING_LIMITS.runFromIds} groups`;
  else if ((from?.tags?.length ?? 0) > MONITORING_LIMITS.filterTags)
    p.runFrom = `At most ${MONITORING_LIMITS.filterTags} tags`;
  return p;
}

/** `follow`: up to maxRedirects hops; `error`: any redirect fails the check. */
export type RedirectPolicy = 'follow' | 'error';
export const REDIRECT_POLICIES = exhaustiveList<RedirectPolicy>()(['follow', 'error']);

/** One probe's verdict: `warning` passes the check but raises a warning (certificate expiry). */
export type CheckOutcome = 'ok' | 'warning' | 'critical';
export const CHECK_OUTCOMES = exhaustiveList<CheckOutcome>()(['ok', 'warning', 'critical']);

export interface WebsiteCheckRequest {
  name: string;
  url: string;
  expectedStatus?: number;
  latencyLimitMs?: number | null;
  bodyContains?: string | null;
  bodyNotContains?: string | null;
  redirectPolicy?: RedirectPolicy;
  maxRedirects?: number;
  /** Warn when the certificate expires within this many days (https only). */
  certWarnDays?: number;
  intervalSeconds?: number;
  timeoutMs?: number;
  failThreshold?: number;
  successThreshold?: number;
  severity?: AlertSeverity;
  tags?: string[];
  enabled?: boolean;
  /** Devices that also run the check (the server always does); null or empty: none. */
  runFrom?: Partial<WebsiteCheckRunFrom> | null;
}

/**
 * The devices a website check also runs from, to see a site from inside their network:
 * the union of the devices named, those in the groups and those carrying the tags (the
 * way agent checks choose devices). Only agents of protocol 6 and later run it.
 */
export interface WebsiteCheckRunFrom {
  deviceIds: string[];
  groupIds: string[];
  tags: string[];
}

/** Where a result was seen from: the server (`deviceId` null) or one device. */
export interface WebsiteCheckLocation {
  deviceId: string | null;
  /** "Server", or the device's name. */
  name: string;
  lastOutcome: CheckOutcome | null;
  lastCheckedAt: string | null;
  statusCode: number | null;
  latencyMs: number | null;
  message: string | null;
}

export interface WebsiteCheckLocationsResponse {
  /** The server first, then each device the check runs from (by name). */
  items: WebsiteCheckLocation[];
  /** Devices the check runs from, listed or not (at most MONITORING_LIMITS.locations are). */
  devices: number;
}

/** The `location` filter of a check's results: the server, or a device id. */
export const SERVER_LOCATION = 'server';

/** What one probe of a website check asks for: the same on the server and on an agent. */
export interface HttpProbeSpec {
  url: string;
  expectedStatus: number;
  latencyLimitMs: number | null;
  bodyContains: string | null;
  bodyNotContains: string | null;
  redirectPolicy: RedirectPolicy;
  maxRedirects: number;
  certWarnDays: number;
  timeoutMs: number;
}

export interface WebsiteCheckResponse extends HttpProbeSpec {
  id: string;
  name: string;
  intervalSeconds: number;
  failThreshold: number;
  successThreshold: number;
  severity: AlertSeverity;
  tags: string[];
  enabled: boolean;
  runFrom: WebsiteCheckRunFrom;
  /** The server's own last result. */
  lastOutcome: CheckOutcome | null;
  lastCheckedAt: string | null;
  nextRunAt: string;
  createdAt: string;
}

export interface WebsiteCheckResult {
  at: string;
  /** Where it was seen from: null for the server, else the device. */
  deviceId: string | null;
  outcome: CheckOutcome;
  statusCode: number | null;
  latencyMs: number | null;
  certExpiresAt: string | null;
  /** Why it failed or warned; null when ok. */
  message: string | null;
}

export type ChannelKind = 'webhook' | 'slack' | 'teams' | 'email';
/** `webhook`: Fleetdesk's JSON; `slack`/`teams`: a payload their incoming webhooks accept. */
export const CHANNEL_KINDS = exhaustiveList<ChannelKind>()(['webhook', 'slack', 'teams', 'email']);

/** Which alerts a channel hears: at least this severity, and (when given) in a group or tag. */
export interface ChannelRouting {
  minSeverity: AlertSeverity;
  /** Empty: any; else the alert's device must be in one of these groups. */
  groupIds: string[];
  /** Empty: any; else the alert's device or check must carry one of these tags. */
  tags: string[];
}

export interface ChannelRequest {
  name: string;
  kind: ChannelKind;
  /** webhook, slack, teams: where to POST (http or https). */
  url?: string;
  /** email: the recipients. */
  emailTo?: string[];
  routing?: Partial<ChannelRouting>;
  /** Alerts arriving within this many seconds of the first go out as one message. */
  digestSeconds?: number;
  enabled?: boolean;
}

export interface ChannelResponse {
  id: string;
  name: string;
  kind: ChannelKind;
  url: string | null;
  emailTo: string[];
  routing: ChannelRouting;
  digestSeconds: number;
  enabled: boolean;
  createdAt: string;
}

/**
 * What is wrong with a channel as a form holds it, field by field (empty: nothing): the
 * server's rules for name, target (url for webhook/Slack/Teams, recipients for email) and
 * digest window. The server also refuses email channels when it has no SMTP server.
 */
export function channelProblems(r: ChannelRequest): Partial<Record<string, string>> {
  const p: Partial<Record<string, string>> = {};
  const name = r.name.trim();
  if (!name) p.name = 'Give the channel a name';
  else if (name.length > MONITORING_LIMITS.nameLength)
    p.name = `At most ${MONITORING_LIMITS.nameLength} characters`;
  if (r.kind === 'email') {
    const to = r.emailTo ?? [];
    if (to.length === 0) p.emailTo = 'Give at least one address';
    else if (to.length > MONITORING_LIMITS.emailRecipients)
      p.emailTo = `At most ${MONITORING_LIMITS.emailRecipients} addresses`;
    else {
      const bad = to.find((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a));
      if (bad) p.emailTo = `${bad} is not an email address`;
    }
  } else {
    const url = (r.url ?? '').trim();
    const problem = url ? checkUrlProblem(url) : 'is required';
    if (problem) p.url = `The URL ${problem}`;
    else if (url.length > MONITORING_LIMITS.urlLength)
      p.url = `At most ${MONITORING_LIMITS.urlLength} characters`;
  }
  const d = r.digestSeconds;
  if (
    d !== undefined &&
    (!Number.isInteger(d) ||
      d < MONITORING_LIMITS.digestSeconds.min ||
      d > MONITORING_LIMITS.digestSeconds.max)
  )
    p.digestSeconds = `A whole number from ${MONITORING_LIMITS.digestSeconds.min} to ${MONITORING_LIMITS.digestSeconds.max}`;
  return p;
}

/** Returned once, when a webhook channel is created: the key its HMAC signatures use. */
export interface CreatedChannelResponse extends ChannelResponse {
  signingSecret: string | null;
}

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES = exhaustiveList<DeliveryStatus>()([
  'pending',
  'sending',
  'delivered',
  'failed',
]);

export interface DeliveryAttempt {
  at: string;
  ok: boolean;
  /** The HTTP status or SMTP reply code, when there was one. */
  code: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryResponse {
  id: string;
  channelId: string;
  status: DeliveryStatus;
  /** How many alert changes this message carries (more than one: a digest). */
  events: number;
  test: boolean;
  summary: string;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attempts: DeliveryAttempt[];
}

/** Signature header of webhook deliveries: `sha256=<hex HMAC of "<timestamp>.<body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-fleetdesk-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-fleetdesk-timestamp';

export interface AlertListQuery {
  page?: number;
  pageSize?: number;
  /** Comma-separated, e.g. `firing,acknowledged` for the open ones. */
  state?: AlertState[];
  /** Comma-separated. */
  severity?: AlertSeverity[];
  source?: AlertSource;
  deviceId?: string;
  checkId?: string;
}
