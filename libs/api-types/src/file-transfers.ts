import type { RunState } from './jobs';

/**
 * File transfer (issue 13 item 5): fetch a file or folder (a tar) from devices, push an
 * uploaded file to a path on devices. Both are jobs; the admin's log path lists apply.
 */
export const FILE_TRANSFER_RULES = {
  /** Owner and group: a name or a numeric id. */
  principal: /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/,
  principalLength: 64,
  /** `0644`, `755`: octal permission bits. */
  mode: /^0?[0-7]{3,4}$/,
  fetchMaxBytes: { min: 1, max: 1024 * 1024 * 1024, default: 1024 * 1024 * 1024 },
  uploadNameLength: 255,
  timeoutSeconds: { min: 30, max: 86_400, default: 3600 },
} as const;

/** POST /api/file-transfers/uploads?name=…: the body is the file; answered with this. */
export interface FileUploadResponse {
  id: string;
  name: string;
  size: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
}

interface TransferTarget {
  name?: string;
  target: { deviceIds?: string[]; tags?: string[]; all?: boolean };
  timeoutSeconds?: number;
}

export interface FetchFileRequest extends TransferTarget {
  /** Absolute path of a file, or of a folder (fetched as a .tar). */
  path: string;
  maxBytes?: number;
}

export interface PushFileRequest extends TransferTarget {
  uploadId: string;
  /** Absolute destination path; its folder must exist on the device. */
  path: string;
  /** Octal permission bits as text (`0644`). */
  mode?: string;
  owner?: string;
  group?: string;
  /** Replace an existing file (default: refuse and leave it alone). */
  overwrite?: boolean;
}

/** GET /api/file-transfers/:jobId: one entry per device of the job. */
export interface FileTransferRunResponse {
  runId: string;
  deviceId: string;
  hostname: string;
  status: RunState;
  direction: 'fetch' | 'push';
  path: string;
  /** Bytes the whole transfer moves (null for a fetch until the device has staged it). */
  totalBytes: number | null;
  transferredBytes: number;
  sha256: string | null;
  /** A fetch's stored copy: download at /api/log-bundles/:bundleId/files/0. */
  bundleId: string | null;
  /** A folder fetch: what the lists kept out of the archive. */
  refused: { path: string; reason: string; message: string }[];
  error: string | null;
}

export interface FileTransferResponse {
  jobId: string;
  direction: 'fetch' | 'push';
  path: string;
  runs: FileTransferRunResponse[];
}
