import {
  DEVICE_FILE_REFUSALS,
  DEVICE_FILE_TYPES,
  DEVICE_FILES_RULES,
  type DeviceFileRefusal,
  type DeviceFileType,
} from '@fleetdesk/api-types';
import { LOG_LIMITS } from './logs';
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
 * The device page's file browser (protocol 5): a short, read-only request to one online
 * device. The server sends `list_dir`, signed with its key like every command it gives an
 * agent (the admin's allow/deny lists travel in it, and must not be widened on the way); the
 * agent resolves the path (realpath), judges it with the same path policy as a log
 * collection, and answers `dir_listing` with the same request id. Nothing is journaled: a
 * listing that is lost is simply asked again.
 */
export const DIR_LIMITS = {
  /** Entries one listing returns at most; the rest are counted (`total`) and flagged `truncated`. */
  entries: DEVICE_FILES_RULES.maxEntries,
  /** A file name as the file system gives it (255 bytes on Linux, 255 UTF-16 units on Windows). */
  nameLength: 1024,
  /** How long a signed request stays valid on the device (its clock may be a little off). */
  validityMs: 60_000,
  /** Entries a directory may hold and still be counted exactly (past it readdir stops). */
  countLimit: 100_000,
} as const;

// The entry types and per-entry refusals are the REST API's too (api-types), declared once there.
export const DIR_ENTRY_TYPES = DEVICE_FILE_TYPES;
export type DirEntryType = DeviceFileType;

/**
 * Why a listing, or one entry of it, is refused: `denied` (a deny glob, or the agent's own
 * state directory), `not_allowed` (no allow glob matches), or, for the listing as a whole,
 * `not_found`, `not_a_dir` and `failed` (the file system said no).
 */
export const DIR_REFUSALS = ['denied', 'not_allowed', 'not_found', 'not_a_dir', 'failed'] as const;
export type DirRefusal = (typeof DIR_REFUSALS)[number];
export type DirEntryRefusal = DeviceFileRefusal;

/** server → agent (protocol 5). `signature` covers `listDirSigningPayload(body)`. */
export interface ListDirBody {
  /** Chosen by the server; the answer carries it back. */
  requestId: string;
  deviceId: string;
  /** Absolute path of the directory to list. */
  path: string;
  maxEntries: number;
  allow: string[];
  deny: string[];
  issuedAt: number;
  /** Epoch ms: past it the agent refuses the request. */
  expiresAt: number;
  signature: string;
}

/**
 * One entry, never followed: a symlink is listed as `symlink` (its own lstat). An entry the
 * path policy refuses (judged by its real path, so a symlink by where it leads) is listed
 * with `refused` and nothing but its name and type: the technician sees why a name they
 * expected cannot be opened, and learns nothing of a refused file's size, time or mode.
 */
export interface DirEntry {
  name: string;
  type: DirEntryType;
  size?: number;
  /** Epoch ms of the last modification. */
  mtime?: number;
  /** Permission and type bits as lstat gives them (`mode & 0o7777` are the permissions). */
  mode?: number;
  refused?: DirEntryRefusal;
}

/** agent → server (protocol 5): the answer to `list_dir`, or why there is none (`error`). */
export interface DirListingBody {
  requestId: string;
  /** The directory listed, as resolved on the device (realpath); the asked path if it was not resolved. */
  path: string;
  /** Sorted by name (code units), at most the request's `maxEntries`. */
  entries: DirEntry[];
  /** Entries the directory holds (listed or not). */
  total: number;
  /** Some entries were left out: past `maxEntries`, or to keep the frame within its limit. */
  truncated: boolean;
  error?: { reason: DirRefusal; message: string };
}

const uuid = string({
  min: 36,
  max: 36,
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  expected: 'a lowercase uuid',
});
const epoch = int({ min: 0, max: 8_640_000_000_000_000 });
const path = string({ min: 1, max: LOG_LIMITS.pathLength });
const glob = string({ min: 1, max: LOG_LIMITS.pathLength });
/** An Ed25519 signature: 64 bytes, canonical base64. */
const signature = base64Bytes(64);
const trueOrFalse = (input: unknown): Check<boolean> =>
  typeof input === 'boolean'
    ? { ok: true, value: input }
    : { ok: false, path: [], reason: 'expected a boolean' };

const listDirShape = object<ListDirBody>({
  requestId: uuid,
  deviceId: uuid,
  path,
  maxEntries: int(DIR_LIMITS.entries),
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
  issuedAt: epoch,
  expiresAt: epoch,
  signature,
});

export const listDir: Validator<ListDirBody> = (input) => {
  const check = listDirShape(input);
  if (!check.ok) return check;
  const { issuedAt, expiresAt } = check.value;
  if (expiresAt < issuedAt || expiresAt - issuedAt > DIR_LIMITS.validityMs) {
    return {
      ok: false,
      path: ['expiresAt'],
      reason: `must be within ${DIR_LIMITS.validityMs} ms after issuedAt`,
    };
  }
  return check;
};

const entryName = string({
  min: 1,
  max: DIR_LIMITS.nameLength,
  // A name is one path segment: a separator would let an entry pose as a deeper path.
  test: (name) => !name.includes('/') && name !== '.' && name !== '..',
  expected: 'one file name (no "/", not "." or "..")',
});

const dirEntryShape = object<DirEntry>({
  name: entryName,
  type: oneOf(DIR_ENTRY_TYPES),
  size: optional(int({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  mtime: optional(int({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 })),
  mode: optional(int({ min: 0, max: 0o177777 })),
  refused: optional(oneOf(DEVICE_FILE_REFUSALS)),
});

const dirEntry: Validator<DirEntry> = (input) => {
  const check = dirEntryShape(input);
  if (!check.ok) return check;
  const e = check.value;
  if (e.refused && (e.size !== undefined || e.mtime !== undefined || e.mode !== undefined)) {
    return {
      ok: false,
      path: ['refused'],
      reason: 'a refused entry carries only its name and type',
    };
  }
  return check;
};

const dirListingShape = object<DirListingBody>({
  requestId: uuid,
  path,
  entries: array(dirEntry, { max: DIR_LIMITS.entries.max }),
  total: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  truncated: trueOrFalse,
  error: optional(
    object<NonNullable<DirListingBody['error']>>({
      reason: oneOf(DIR_REFUSALS),
      message: string({ max: 1024 }),
    }),
  ),
});

export const dirListing: Validator<DirListingBody> = (input) => {
  const check = dirListingShape(input);
  if (!check.ok) return check;
  const b = check.value;
  if (b.error && (b.entries.length > 0 || b.total > 0 || b.truncated)) {
    return { ok: false, path: ['error'], reason: 'a refused listing carries no entries' };
  }
  if (b.total < b.entries.length) {
    return { ok: false, path: ['total'], reason: 'fewer than the entries listed' };
  }
  if (b.truncated !== b.total > b.entries.length) {
    return {
      ok: false,
      path: ['truncated'],
      reason: 'must be true exactly when total exceeds the entries listed',
    };
  }
  return check;
};
