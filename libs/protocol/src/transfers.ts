import { LOG_LIMITS } from './logs';
import {
  array,
  type Check,
  int,
  object,
  oneOf,
  optional,
  string,
  type Validator,
} from './validate';

/**
 * File transfer, as two job actions. `fetch_file` stages one file, or a folder as a tar, and
 * sends it up exactly like a log bundle (manifest, gzip chunks with SHA-256, resumable);
 * `push_file` fetches an uploaded file from the server in numbered chunks, each with its
 * SHA-256, checks the whole against the signed hash and size, and only then places it. Both
 * carry the admin's path lists, judged on the device after resolving symlinks and `..`.
 */
export const TRANSFER_LIMITS = {
  /** What one fetch may send: the bundle file limit of the upload it rides on. */
  fetchBytes: { min: 1, max: LOG_LIMITS.maxBytesPerSource.max },
  /** Files a folder archive may hold. */
  archiveEntries: 10_000,
  pushBytes: { min: 0, max: 4 * 1024 * 1024 * 1024 },
  /** Raw bytes per pushed chunk; the last one is shorter. */
  pushChunkBytes: 1024 * 1024,
  ownerLength: 64,
} as const;

export interface FetchFileAction {
  kind: 'fetch_file';
  /** Absolute path of a file, or of a folder (sent as a tar archive). */
  path: string;
  maxBytes: number;
  allow: string[];
  deny: string[];
}

export interface PushFileAction {
  kind: 'push_file';
  /** Absolute destination path; its folder must exist. */
  path: string;
  /** The uploaded file on the server: fetched by id, kept only if it hashes to sha256. */
  upload: { id: string; sha256: string; size: number };
  /** Permission bits (0o644); absent: 0o644 for a new file, unchanged on overwrite. */
  mode?: number;
  /** A user and group name or numeric id (POSIX only). */
  owner?: string;
  group?: string;
  /** Replace an existing file; without it an existing path is refused and left alone. */
  overwrite: boolean;
  allow: string[];
  deny: string[];
}

const path = string({ min: 1, max: LOG_LIMITS.pathLength });
const glob = string({ min: 1, max: LOG_LIMITS.pathLength });
const sha256Hex = string({
  min: 64,
  max: 64,
  pattern: /^[0-9a-f]{64}$/,
  expected: 'a hex SHA-256',
});
const uuid = string({
  min: 36,
  max: 36,
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  expected: 'a UUID',
});
const principal = string({
  min: 1,
  max: TRANSFER_LIMITS.ownerLength,
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/,
  expected: 'a user or group name, or a numeric id',
});
const trueOrFalse = (input: unknown): Check<boolean> =>
  typeof input === 'boolean'
    ? { ok: true, value: input }
    : { ok: false, path: [], reason: 'expected a boolean' };

export const fetchFile: Validator<FetchFileAction> = object<FetchFileAction>({
  kind: oneOf(['fetch_file'] as const),
  path,
  maxBytes: int(TRANSFER_LIMITS.fetchBytes),
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
});

export const pushFile: Validator<PushFileAction> = object<PushFileAction>({
  kind: oneOf(['push_file'] as const),
  path,
  upload: object<PushFileAction['upload']>({
    id: uuid,
    sha256: sha256Hex,
    size: int(TRANSFER_LIMITS.pushBytes),
  }),
  mode: optional(int({ min: 0, max: 0o7777 })),
  owner: optional(principal),
  group: optional(principal),
  overwrite: trueOrFalse,
  allow: array(glob, { max: LOG_LIMITS.policyGlobs }),
  deny: array(glob, { max: LOG_LIMITS.policyGlobs }),
});

const opt = (value: number | string | undefined): string =>
  value === undefined ? '-' : `=${String(value)}`;

export const fetchFileSigningFields = (a: FetchFileAction): string[] => [
  a.path,
  String(a.maxBytes),
  String(a.allow.length),
  ...a.allow,
  String(a.deny.length),
  ...a.deny,
];

export const pushFileSigningFields = (a: PushFileAction): string[] => [
  a.path,
  a.upload.id,
  a.upload.sha256,
  String(a.upload.size),
  opt(a.mode),
  opt(a.owner),
  opt(a.group),
  String(a.overwrite),
  String(a.allow.length),
  ...a.allow,
  String(a.deny.length),
  ...a.deny,
];

/** Chunks a pushed file of `size` bytes travels in (at least 1: an empty file is one empty chunk). */
export const pushChunkCount = (size: number): number =>
  Math.max(1, Math.ceil(size / TRANSFER_LIMITS.pushChunkBytes));

/** Header carrying a pushed chunk's SHA-256 (hex, of the bytes as sent). */
export const TRANSFER_CHUNK_SHA256_HEADER = 'x-fleetdesk-chunk-sha256';

export const transferPaths = {
  /** GET, signed by the device: chunk `seq` of an uploaded file its push run names. */
  pushChunk: (runId: string, seq: number) => `/api/file-transfers/pushes/${runId}/chunks/${seq}`,
};
