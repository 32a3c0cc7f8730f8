import { FOLLOW_LIMITS, followPathProblem, isJournalUnit } from '@fleetdesk/api-types';
import { LOG_LIMITS, LOG_REFUSALS } from './logs';
import {
  array,
  base64Bytes,
  type Check,
  int,
  object,
  oneOf,
  optional,
  string,
  type Validator,
} from './validate';

/**
 * Live follow (`tail -f`) of one file or one journald unit on one device, for the console.
 * Not a job: nothing is stored, the lines go from the agent to the viewers and are gone.
 *
 * server → agent `follow_start` (signed: the agent reads a file only on the server key's word,
 * judged by the same allow/deny policy as a collection), `follow_keepalive` (signed; a follow
 * that hears none for `keepaliveTimeoutMs` stops by itself, so a lost server or a lost stop
 * never leaves a reader running) and `follow_stop` (signed, like a run's cancel).
 * agent → server `follow_status` (following, or ended and why) and `follow_lines` (batches
 * of lines, rate-limited on the agent; what the limit dropped is counted, never queued).
 */
export { FOLLOW_LIMITS, followPathProblem, isJournalUnit } from '@fleetdesk/api-types';

export interface FileFollowSource {
  type: 'file';
  /** One path (no glob): the device resolves it and the policy judges the real path. */
  path: string;
}
export interface JournaldFollowSource {
  type: 'journald';
  unit: string;
}
export type FollowSource = FileFollowSource | JournaldFollowSource;
export const FOLLOW_SOURCE_TYPES = ['file', 'journald'] as const;

/** server → agent: start following. `signature` covers `followStartSigningPayload(body)`. */
export interface FollowStartBody {
  followId: string;
  deviceId: string;
  source: FollowSource;
  lastLines: number;
  linesPerSecond: number;
  bytesPerSecond: number;
  keepaliveTimeoutMs: number;
  /** The admin's path globs now: a file must match one allow and no deny (after realpath). */
  allow: string[];
  deny: string[];
  issuedAt: number;
  /** Epoch ms: past this the agent refuses to start it. */
  expiresAt: number;
  nonce: string;
  signature: string;
}

/** server → agent: stop this follow (nobody watches it any more). Signed like a cancel. */
export interface FollowStopBody {
  followId: string;
  deviceId: string;
  signature: string;
}

/**
 * server → agent: these follows still have viewers. `issuedAt` only grows, so a replayed
 * keepalive is refused; a follow not named for `keepaliveTimeoutMs` stops.
 */
export interface FollowKeepaliveBody {
  deviceId: string;
  followIds: string[];
  issuedAt: number;
  signature: string;
}

/** Why a follow ended (or never started): the log refusals, then the follow's own. */
export const FOLLOW_END_REASONS = [
  ...LOG_REFUSALS,
  /** The server asked (the last viewer left). */
  'stopped',
  /** No keepalive within keepaliveTimeoutMs. */
  'idle',
  /** The agent already runs FOLLOW_LIMITS.perAgent follows. */
  'busy',
  /** journald (or journalctl) is not on this device. */
  'unavailable',
  /** Bad signature, another device's, expired or replayed. */
  'rejected',
  /** The agent is stopping. */
  'shutdown',
] as const;
export type FollowEndReason = (typeof FOLLOW_END_REASONS)[number];

/** agent → server: the follow started (with the path the policy judged) or ended, and why. */
export interface FollowStatusBody {
  followId: string;
  state: 'following' | 'ended';
  /** Set exactly when `state` is `ended`. */
  reason?: FollowEndReason;
  message: string;
  /** The resolved path that was judged and is read (file sources). */
  realPath?: string;
}

/**
 * agent → server: lines in order (without their line ending). `seq` counts frames from 0
 * per follow. `skippedLines`/`skippedBytes`: what the rate limit dropped just before these
 * lines (bytes only when the agent jumped over a backlog without reading it). `notice`:
 * something the viewer should see in place, e.g. the file was truncated or replaced.
 */
export interface FollowLinesBody {
  followId: string;
  seq: number;
  lines: string[];
  skippedLines?: number;
  skippedBytes?: number;
  notice?: string;
}

const uuidV = string({
  max: 36,
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  expected: 'a lowercase uuid',
});
const epoch = int({ min: 0, max: 8.64e15 });
const glob = string({ min: 1, max: LOG_LIMITS.pathLength });
const signature = base64Bytes(64);
const count = int({ min: 0, max: Number.MAX_SAFE_INTEGER });

const fileSource = object<FileFollowSource>({
  type: oneOf(['file'] as const),
  path: string({
    min: 1,
    max: LOG_LIMITS.pathLength,
    test: (p) => followPathProblem(p) === null,
    expected: 'an absolute file path without glob or control characters',
  }),
});
const journaldSource = object<JournaldFollowSource>({
  type: oneOf(['journald'] as const),
  unit: string({
    min: 1,
    max: FOLLOW_LIMITS.journalUnitLength,
    test: isJournalUnit,
    expected: 'a systemd unit name such as nginx.service',
  }),
});

export const followSource: Validator<FollowSource> = (input) => {
  const type = (input as { type?: unknown } | null)?.type;
  if (type === 'file') return fileSource(input);
  if (type === 'journald') return journaldSource(input);
  return {
    ok: false,
    path: ['type'],
    reason: `expected one of: ${FOLLOW_SOURCE_TYPES.join(', ')}`,
  };
};

const followStartShape = object<FollowStartBody>({
  followId: uuidV,
  deviceId: uuidV,
  source: followSource,
  lastLines: int(FOLLOW_LIMITS.lastLines),
  linesPerSecond: int(FOLLOW_LIMITS.linesPerSecond),
  bytesPerSecond: int(FOLLOW_LIMITS.bytesPerSecond),
  keepaliveTimeoutMs: int(FOLLOW_LIMITS.keepaliveTimeoutMs),
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
  issuedAt: epoch,
  expiresAt: epoch,
  nonce: base64Bytes(32),
  signature,
});

export const followStart: Validator<FollowStartBody> = (input) => {
  const check = followStartShape(input);
  if (!check.ok) return check;
  const { issuedAt, expiresAt } = check.value;
  if (expiresAt < issuedAt) {
    return { ok: false, path: ['expiresAt'], reason: 'must not be before issuedAt' };
  }
  if (expiresAt - issuedAt > FOLLOW_LIMITS.validityMs) {
    return {
      ok: false,
      path: ['expiresAt'],
      reason: `must be within ${FOLLOW_LIMITS.validityMs} ms of issuedAt`,
    };
  }
  return check;
};

export const followStop = object<FollowStopBody>({
  followId: uuidV,
  deviceId: uuidV,
  signature,
});

export const followKeepalive = object<FollowKeepaliveBody>({
  deviceId: uuidV,
  followIds: array(uuidV, { min: 1, max: FOLLOW_LIMITS.keepaliveIds }),
  issuedAt: epoch,
  signature,
});

const followStatusShape = object<FollowStatusBody>({
  followId: uuidV,
  state: oneOf(['following', 'ended'] as const),
  reason: optional(oneOf(FOLLOW_END_REASONS)),
  message: string({ max: FOLLOW_LIMITS.messageChars }),
  realPath: optional(string({ min: 1, max: LOG_LIMITS.pathLength })),
});

export const followStatus: Validator<FollowStatusBody> = (input): Check<FollowStatusBody> => {
  const check = followStatusShape(input);
  if (!check.ok) return check;
  const { state, reason } = check.value;
  if (state === 'ended' && reason === undefined) {
    return { ok: false, path: ['reason'], reason: 'an ended follow says why' };
  }
  if (state === 'following' && reason !== undefined) {
    return { ok: false, path: ['reason'], reason: 'only an ended follow has a reason' };
  }
  return check;
};

const followLinesShape = object<FollowLinesBody>({
  followId: uuidV,
  seq: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  // +1: a cut line ends with "…".
  lines: array(string({ max: FOLLOW_LIMITS.lineChars + 1 }), {
    max: FOLLOW_LIMITS.linesPerFrame,
  }),
  skippedLines: optional(count),
  skippedBytes: optional(count),
  notice: optional(string({ min: 1, max: FOLLOW_LIMITS.messageChars })),
});

export const followLines: Validator<FollowLinesBody> = (input) => {
  const check = followLinesShape(input);
  if (!check.ok) return check;
  const b = check.value;
  if (b.lines.length === 0 && !b.skippedLines && !b.skippedBytes && b.notice === undefined) {
    return {
      ok: false,
      path: ['lines'],
      reason: 'an empty frame must carry a skip count or notice',
    };
  }
  return check;
};

/** How a source reads to a person (audit, console, agent log). */
export const describeFollowSource = (source: FollowSource): string =>
  source.type === 'file' ? source.path : `journald:${source.unit}`;
