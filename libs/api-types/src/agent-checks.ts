import { exhaustiveList } from './exhaustive-list';
import { type AlertSeverity, MONITORING_LIMITS } from './monitoring';
import type { ScriptLanguage } from './wire';

/**
 * Checks the agent evaluates on its device. `cpu`, `memory` and `disk` compare the figures
 * the heartbeat already measures with a threshold; the others probe on their own interval.
 */
export type AgentCheckKind =
  'cpu' | 'memory' | 'disk' | 'service' | 'process' | 'ping' | 'tcp' | 'script';
export const AGENT_CHECK_KINDS = exhaustiveList<AgentCheckKind>()([
  'cpu',
  'memory',
  'disk',
  'service',
  'process',
  'ping',
  'tcp',
  'script',
]);
/** The kinds judged on heartbeat figures: a threshold held for a duration. */
export const THRESHOLD_CHECK_KINDS = ['cpu', 'memory', 'disk'] as const satisfies AgentCheckKind[];
export const isThresholdCheck = (k: AgentCheckKind): k is 'cpu' | 'memory' | 'disk' =>
  (THRESHOLD_CHECK_KINDS as readonly string[]).includes(k);

/**
 * A check's verdict on one device, following the Nagios plugin convention a script check
 * uses (exit 0 ok, 1 warning, 2 critical, 3 unknown).
 */
export type AgentCheckStatus = 'ok' | 'warning' | 'critical' | 'unknown';
export const AGENT_CHECK_STATUSES = exhaustiveList<AgentCheckStatus>()([
  'ok',
  'warning',
  'critical',
  'unknown',
]);
/** The status a script check's exit code stands for; any other code is `unknown`. */
export function nagiosStatus(exitCode: number | null): AgentCheckStatus {
  return exitCode === 0
    ? 'ok'
    : exitCode === 1
      ? 'warning'
      : exitCode === 2
        ? 'critical'
        : 'unknown';
}

export const AGENT_CHECK_LIMITS = {
  nameLength: 200,
  /** A service, process, host or mount name. */
  targetLength: 255,
  mountLength: 1024,
  scriptBytes: 64 * 1024,
  messageLength: 1000,
  thresholdPercent: { min: 0, max: 100 },
  /** How long a threshold must be exceeded (or a probe fail) before the device says so. */
  durationSeconds: { min: 0, max: 86_400, default: 0 },
  intervalSeconds: { min: 5, max: 86_400, default: 60 },
  timeoutSeconds: { min: 1, max: 300, default: 30 },
  port: { min: 1, max: 65_535 },
  /** Checks one device carries; the frame that pushes them must stay small. */
  perDevice: 100,
  /** Results in one `check_results` frame. */
  resultsPerFrame: 200,
  targetIds: 500,
  targetTags: 20,
} as const;

/**
 * Which devices a check applies to: the union of everything named (`all`: every device), and
 * of the devices of every automation policy that carries the check. A check naming nothing
 * runs only where a policy carries it.
 */
export interface AgentCheckTarget {
  all?: boolean;
  deviceIds?: string[];
  groupIds?: string[];
  tags?: string[];
}

/** The settings of each kind; the fields a kind does not use are absent (null in responses). */
export interface AgentCheckSettings {
  /** cpu, memory, disk: unhealthy above this percentage. */
  thresholdPercent?: number | null;
  /** disk: one mount point (as `df` prints it); absent: every mount the heartbeat reports. */
  mount?: string | null;
  /** service: a systemd unit, launchd label or Windows service name. */
  service?: string | null;
  /** process: the executable's name as `ps -e`/`tasklist` lists it. */
  process?: string | null;
  /** ping, tcp: a host name or IP address, as the device resolves it. */
  host?: string | null;
  /** tcp. */
  port?: number | null;
  /** script. */
  language?: ScriptLanguage | null;
  script?: string | null;
  /** service, process, ping, tcp, script: seconds between probes. */
  intervalSeconds?: number;
  /** service, process, ping, tcp, script: how long one probe may take (at most the interval). */
  timeoutSeconds?: number;
  /** Held this long unhealthy before the device reports it (disk > 90 % for 5 min). */
  durationSeconds?: number;
}

export interface AgentCheckRequest extends AgentCheckSettings {
  name: string;
  kind: AgentCheckKind;
  target: AgentCheckTarget;
  /** The severity a failing check fires with (a `warning` result fires as a warning). */
  severity?: AlertSeverity;
  /** Reports in a row before an alert fires, and before it resolves. */
  failThreshold?: number;
  successThreshold?: number;
  enabled?: boolean;
}

export interface AgentCheckResponse {
  id: string;
  name: string;
  kind: AgentCheckKind;
  target: Required<AgentCheckTarget>;
  thresholdPercent: number | null;
  mount: string | null;
  service: string | null;
  process: string | null;
  host: string | null;
  port: number | null;
  language: ScriptLanguage | null;
  script: string | null;
  intervalSeconds: number;
  timeoutSeconds: number;
  durationSeconds: number;
  severity: AlertSeverity;
  failThreshold: number;
  successThreshold: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A check as another feature lists it (an automation policy's checks). */
export interface AgentCheckSummary {
  id: string;
  name: string;
  kind: AgentCheckKind;
  enabled: boolean;
}

/** The last result of a check on one device. */
export interface AgentCheckStateResponse {
  checkId: string;
  checkName: string;
  checkKind: AgentCheckKind;
  deviceId: string;
  /** The device's display name (null: the device is gone). */
  deviceName: string | null;
  status: AgentCheckStatus;
  message: string;
  /** The measured figure where there is one: a percentage, a latency in ms. */
  value: number | null;
  /** When the device evaluated it. */
  at: string;
}

/** The whole-number settings of a check and their bounds. */
export const AGENT_CHECK_BOUNDS = {
  intervalSeconds: AGENT_CHECK_LIMITS.intervalSeconds,
  timeoutSeconds: AGENT_CHECK_LIMITS.timeoutSeconds,
  durationSeconds: AGENT_CHECK_LIMITS.durationSeconds,
  port: AGENT_CHECK_LIMITS.port,
  failThreshold: MONITORING_LIMITS.threshold,
  successThreshold: MONITORING_LIMITS.threshold,
} as const;
type AgentCheckIntField = keyof typeof AGENT_CHECK_BOUNDS;

/** The settings each kind uses; the others are cleared when a check is stored. */
export const AGENT_CHECK_KIND_FIELDS = {
  cpu: ['thresholdPercent'],
  memory: ['thresholdPercent'],
  disk: ['thresholdPercent', 'mount'],
  service: ['service'],
  process: ['process'],
  ping: ['host'],
  tcp: ['host', 'port'],
  script: ['language', 'script'],
} as const satisfies Record<AgentCheckKind, readonly (keyof AgentCheckSettings)[]>;

/**
 * Every rule a check's settings must meet beyond their types, by field: what the kind needs,
 * the bounds, names the agent may pass to a program, a timeout within the interval. One rule
 * set for the console's form and the server (which answers the first problem with a 400).
 */
export function agentCheckProblems(
  c: AgentCheckRequest | AgentCheckResponse,
): Partial<Record<string, string>> {
  const p: Partial<Record<string, string>> = {};
  const L = AGENT_CHECK_LIMITS;
  const name = c.name.trim();
  if (!name) p.name = 'Give the check a name';
  else if (name.length > L.nameLength) p.name = `At most ${L.nameLength} characters`;
  const uses = new Set<string>(AGENT_CHECK_KIND_FIELDS[c.kind]);
  const need = (field: keyof AgentCheckSettings, ok: boolean) => {
    if (!ok && !p[field]) p[field] = `a ${c.kind} check needs ${field}`;
  };
  if (uses.has('thresholdPercent')) {
    const t = c.thresholdPercent;
    if (typeof t === 'number' && !(t >= L.thresholdPercent.min && t <= L.thresholdPercent.max))
      p.thresholdPercent = `thresholdPercent must be from ${L.thresholdPercent.min} to ${L.thresholdPercent.max}`;
    need('thresholdPercent', typeof t === 'number');
  }
  for (const field of ['mount', 'service', 'process'] as const) {
    const v = c[field];
    if (!uses.has(field) || !v) continue;
    const max = field === 'mount' ? L.mountLength : L.targetLength;
    if (v.length > max) p[field] = `${field} must be at most ${max} characters`;
    else if (!isProbeName(v))
      p[field] = `${field} must not start with "-" or hold control characters`;
  }
  if (c.kind === 'service') need('service', Boolean(c.service));
  if (c.kind === 'process') need('process', Boolean(c.process));
  if (uses.has('host')) {
    if (c.host && (c.host.length > L.targetLength || !isCheckHost(c.host)))
      p.host = 'host must be a host name or IP address';
    need('host', Boolean(c.host));
  }
  if (c.kind === 'script') {
    need('language', Boolean(c.language));
    if (c.script && c.script.length > L.scriptBytes)
      p.script = `script must be at most ${L.scriptBytes} characters`;
    need('script', Boolean(c.script));
  }
  for (const [field, b] of Object.entries(AGENT_CHECK_BOUNDS) as [
    AgentCheckIntField,
    { min: number; max: number },
  ][]) {
    if (field === 'port' && !uses.has('port')) continue;
    const v = c[field];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v) || v < b.min || v > b.max)
      p[field] = `${field} must be a whole number from ${b.min} to ${b.max}`;
  }
  if (c.kind === 'tcp') need('port', typeof c.port === 'number');
  const interval = c.intervalSeconds ?? L.intervalSeconds.default;
  const timeout = c.timeoutSeconds ?? L.timeoutSeconds.default;
  if (!isThresholdCheck(c.kind) && !p.timeoutSeconds && !p.intervalSeconds && timeout > interval)
    p.timeoutSeconds = 'timeoutSeconds must not exceed intervalSeconds';
  return p;
}

/** The first of `agentCheckProblems`, or null: what the server answers a bad check with. */
export function agentCheckProblem(c: AgentCheckRequest | AgentCheckResponse): string | null {
  return Object.values(agentCheckProblems(c))[0] ?? null;
}

/**
 * A service, process or mount name the agent hands to a program as an argument: nothing it
 * could take for an option (a leading '-'), no control characters.
 */
export const isProbeName = (s: string): boolean =>
  s.trim() === s &&
  !s.startsWith('-') &&
  ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** A host name or IP address (v4, v6, with a zone), never an option to ping. */
export const isCheckHost = (s: string): boolean =>
  /^[A-Za-z0-9._:%-]+$/.test(s) && !s.startsWith('-');
