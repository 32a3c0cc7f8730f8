import { exhaustiveList } from './exhaustive-list';
import type { AlertSeverity } from './monitoring';
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

/** Which devices a check applies to: the union of everything named (`all`: every device). */
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
  /** ping, tcp, script. */
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

/** The last result of a check on one device. */
export interface AgentCheckStateResponse {
  checkId: string;
  deviceId: string;
  status: AgentCheckStatus;
  message: string;
  /** The measured figure where there is one: a percentage, a latency in ms. */
  value: number | null;
  /** When the device evaluated it. */
  at: string;
}

/** What a `cpu`/`memory`/`disk` setting looks like missing or extra: one rule for both sides. */
export function agentCheckProblem(c: AgentCheckRequest | AgentCheckResponse): string | null {
  const need = (field: keyof AgentCheckSettings, ok: boolean) =>
    ok ? null : `a ${c.kind} check needs ${field}`;
  switch (c.kind) {
    case 'cpu':
    case 'memory':
    case 'disk':
      return need('thresholdPercent', typeof c.thresholdPercent === 'number');
    case 'service':
      return need('service', Boolean(c.service));
    case 'process':
      return need('process', Boolean(c.process));
    case 'ping':
      return need('host', Boolean(c.host));
    case 'tcp':
      return need('host', Boolean(c.host)) ?? need('port', typeof c.port === 'number');
    case 'script':
      return need('language', Boolean(c.language)) ?? need('script', Boolean(c.script));
  }
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
