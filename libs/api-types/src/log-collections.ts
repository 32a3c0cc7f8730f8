import type { JobTarget } from './jobs';

/**
 * Log collection: the rules the console and the server share, and the REST shapes. The wire
 * shape of the action itself is in libs/protocol (logs.ts).
 */

/**
 * What may never be collected unless an admin removes it from the deny-list: key material,
 * password stores, shadow files, browser profiles. Globs match the path the agent resolved
 * (symlinks, `..` and Windows short names followed), with `/` as separator on every OS and
 * case-insensitively on Windows. The agent also always refuses its own state directory, which
 * is not on this list because only the agent knows where it is.
 */
export const DEFAULT_LOG_DENY_GLOBS: readonly string[] = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/master.passwd',
  '/etc/security/opasswd',
  '/etc/sudoers',
  '/etc/sudoers.d/**',
  '/etc/ssh/ssh_host_*',
  '/etc/ssl/private/**',
  '/etc/pki/tls/private/**',
  '/var/lib/sss/**',
  '**/.ssh/**',
  '**/.gnupg/**',
  '**/.password-store/**',
  '**/.aws/**',
  '**/.kube/config',
  '**/.docker/config.json',
  '**/.netrc',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/*.kdbx',
  '**/*.keychain',
  '**/*.keychain-db',
  '**/id_rsa*',
  '**/id_dsa*',
  '**/id_ecdsa*',
  '**/id_ed25519*',
  '**/.local/share/keyrings/**',
  '**/Library/Keychains/**',
  '**/.mozilla/**',
  '**/.config/google-chrome/**',
  '**/.config/chromium/**',
  '**/.config/BraveSoftware/**',
  '**/.config/microsoft-edge/**',
  '**/snap/firefox/**',
  '**/Library/Application Support/Google/Chrome/**',
  '**/Library/Application Support/Firefox/**',
  '**/Library/Safari/**',
  '**/AppData/Local/Google/Chrome/User Data/**',
  '**/AppData/Local/Microsoft/Edge/User Data/**',
  '**/AppData/Roaming/Mozilla/Firefox/**',
  '**/AppData/Roaming/Microsoft/Credentials/**',
  '**/AppData/Roaming/Microsoft/Protect/**',
  '**/Windows/System32/config/**',
  '**/Windows/NTDS/**',
];

/** Where logs usually live; an admin widens or narrows it. */
export const DEFAULT_LOG_ALLOW_GLOBS: readonly string[] = [
  '/var/log/**',
  '/Library/Logs/**',
  '/Users/*/Library/Logs/**',
  'C:/ProgramData/**/*.log',
  'C:/Windows/Logs/**',
  '**/*.log',
];

export const LOG_COLLECTION_RULES = {
  maxBytesPerSource: { min: 1, max: 1024 * 1024 * 1024, default: 10 * 1024 * 1024 },
  /** One device's bundle. */
  maxBundleBytes: { min: 1, max: 8 * 1024 * 1024 * 1024, default: 100 * 1024 * 1024 },
  /** Everything stored, all bundles together. */
  maxTotalBytes: { min: 1, max: Number.MAX_SAFE_INTEGER, default: 10 * 1024 * 1024 * 1024 },
  retentionDays: { min: 1, max: 3650, default: 30 },
  lastLines: { min: 1, max: 1_000_000 },
  filterTimeoutSeconds: { min: 1, max: 600, default: 10 },
  timeoutSeconds: { min: 30, max: 86_400, default: 900 },
  globs: 256,
  sources: 32,
  /** Bundles one `.tar.gz` download may hold (GET /api/log-bundles/archive?ids=…). */
  archiveBundles: 50,
} as const;

export type LogSourceRequest =
  | { type: 'file'; path: string }
  | { type: 'journald'; unit?: string; priority?: number }
  | { type: 'eventlog'; log: string; level?: number };

/** The rollout fields every job request takes (see CreateJobRequest). */
export interface LogJobRollout {
  offlineExpirySeconds?: number;
  maxConcurrency?: number;
  failureThresholdPercent?: number;
}

export interface CreateLogCollectionRequest extends LogJobRollout {
  name?: string;
  target: JobTarget;
  sources: LogSourceRequest[];
  since?: string;
  until?: string;
  lastLines?: number;
  maxBytesPerSource?: number;
  filter?: {
    mode: 'substring' | 'regex';
    pattern: string;
    ignoreCase?: boolean;
    timeoutSeconds?: number;
  };
  timeoutSeconds?: number;
}

export interface LogCollectionSettings {
  allow: string[];
  deny: string[];
  maxBundleBytes: number;
  maxTotalBytes: number;
  retentionDays: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

export type UpdateLogCollectionSettingsRequest = Partial<
  Pick<
    LogCollectionSettings,
    'allow' | 'deny' | 'maxBundleBytes' | 'maxTotalBytes' | 'retentionDays'
  >
>;

export const LOG_BUNDLE_STATUSES = ['uploading', 'complete', 'failed'] as const;
export type LogBundleStatus = (typeof LOG_BUNDLE_STATUSES)[number];

export interface LogBundleFileResponse {
  index: number;
  source: number;
  path: string;
  realPath: string;
  size: number;
  sha256: string;
  truncated: boolean;
  receivedBytes: number;
  complete: boolean;
}

export interface LogBundleRefusalResponse {
  source: number;
  path: string;
  realPath?: string;
  reason: string;
  message: string;
}

export interface LogBundleResponse {
  id: string;
  jobId: string;
  runId: string;
  deviceId: string;
  /** The device's name (or hostname); null once the device was removed or revoked. */
  deviceName: string | null;
  status: LogBundleStatus;
  totalBytes: number;
  receivedBytes: number;
  files: LogBundleFileResponse[];
  refused: LogBundleRefusalResponse[];
  error: string | null;
  collectedAt: string;
  /** Every byte stored (the device is done); the files are then checked against the manifest. */
  receivedAt: string | null;
  /** Every file checked: the bundle is `complete`. */
  completedAt: string | null;
  expiresAt: string;
  createdAt: string;
}
