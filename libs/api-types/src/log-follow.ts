/**
 * Live follow (`tail -f` of one file or one journald unit on one device): the limits, the
 * source rules and the console socket events. The agent wire messages are in libs/protocol
 * (follow.ts), which takes its limits and rules from here.
 */

export const FOLLOW_LIMITS = {
  /** "The last N lines, then new ones": N. */
  lastLines: { min: 0, max: 200, default: 50 },
  /** Characters of one line sent; a longer line is cut (and ends with "…"). */
  lineChars: 4096,
  /** Lines one agent frame carries. */
  linesPerFrame: 200,
  /** The agent's token bucket per follow: lines and bytes per second (also the burst). */
  linesPerSecond: { min: 1, max: 5_000, default: 200 },
  bytesPerSecond: { min: 1024, max: 1024 * 1024, default: 128 * 1024 },
  /** Follows one agent runs at once; the next one is refused `busy`. */
  perAgent: 4,
  /** The agent stops a follow the server has not kept alive this long. */
  keepaliveTimeoutMs: { min: 3_000, max: 3_600_000, default: 60_000 },
  /** A start is valid this long after it was issued (the agent's clock against the server's). */
  validityMs: 5 * 60_000,
  messageChars: 1024,
  pathLength: 1024,
  journalUnitLength: 256,
  /** Follow ids one keepalive names. */
  keepaliveIds: 64,
  /** Lines the console keeps on screen; older ones are dropped from the top. */
  consoleLines: 3_000,
  /** How often an open console panel tells the server it is still watched. */
  viewerHeartbeatMs: 30_000,
} as const;

export type FollowSourceType = 'file' | 'journald';

export type FollowSourceRequest =
  { type: 'file'; path: string } | { type: 'journald'; unit: string };

/** A systemd unit name as `journalctl --unit` takes it; never starting with `-` (an option). */
export const isJournalUnit = (unit: string): boolean =>
  unit.length >= 1 &&
  unit.length <= FOLLOW_LIMITS.journalUnitLength &&
  /^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/.test(unit);

const isAbsolutePath = (path: string): boolean =>
  path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');

/**
 * Why `path` cannot be followed, or null: one absolute path, no glob, no control character.
 * Whether the device lets it be read (allow/deny after realpath) only the device can tell.
 */
export function followPathProblem(path: string): string | null {
  if (path.length === 0) return 'must not be empty';
  if (path.length > FOLLOW_LIMITS.pathLength) {
    return `longer than ${FOLLOW_LIMITS.pathLength} characters`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (!isAbsolutePath(path)) return 'must be an absolute path';
  if (/[*?[\]{}]/.test(path)) return 'must name one file (no glob characters)';
  return null;
}

/** Why a follow request from a console cannot be sent, or null; never throws. */
export function followRequestProblem(input: unknown): string | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return 'expected { deviceId, source }';
  }
  const { deviceId, source, ...rest } = input as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `unknown field ${Object.keys(rest)[0]}`;
  if (typeof deviceId !== 'string' || !UUID.test(deviceId)) return 'deviceId must be a uuid';
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return 'source must be { type: "file", path } or { type: "journald", unit }';
  }
  const s = source as Record<string, unknown>;
  if (s.type === 'file') {
    if (Object.keys(s).some((k) => k !== 'type' && k !== 'path')) return 'source: unknown field';
    if (typeof s.path !== 'string') return 'source.path must be a string';
    const problem = followPathProblem(s.path);
    return problem ? `path ${problem}` : null;
  }
  if (s.type === 'journald') {
    if (Object.keys(s).some((k) => k !== 'type' && k !== 'unit')) return 'source: unknown field';
    if (typeof s.unit !== 'string' || !isJournalUnit(s.unit)) {
      return 'unit must be a systemd unit name such as nginx.service';
    }
    return null;
  }
  return 'source.type must be "file" or "journald"';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `follow.start` from a console. */
export interface FollowStartRequest {
  deviceId: string;
  source: FollowSourceRequest;
}

/** Why the server refused a `follow.start` (the ack), before anything reached the device. */
export const FOLLOW_START_ERRORS = [
  'FOLLOW_INVALID',
  'FOLLOW_FORBIDDEN',
  'FOLLOW_DEVICE_NOT_FOUND',
  'FOLLOW_DEVICE_OFFLINE',
  'FOLLOW_OTHER_NODE',
  'FOLLOW_AGENT_TOO_OLD',
  'FOLLOW_BUSY',
] as const;
export type FollowStartError = (typeof FOLLOW_START_ERRORS)[number];

export type FollowStartAck =
  { ok: true; followId: string } | { ok: false; code: FollowStartError; message: string };

/** A follow's state, pushed to its viewer. `reason` is set once it has ended. */
export interface FollowStatusEvent {
  followId: string;
  state: 'starting' | 'following' | 'ended';
  /** The agent's reason (denied, not_allowed, not_found, stopped, idle, busy, …) or the server's. */
  reason?: string;
  message: string;
  /** The path the device resolved and the policy judged. */
  realPath?: string;
}

/** Lines for a viewer; `skippedLines`/`skippedBytes` were dropped by the rate limit before them. */
export interface FollowLinesEvent {
  followId: string;
  lines: string[];
  skippedLines?: number;
  skippedBytes?: number;
  notice?: string;
}
