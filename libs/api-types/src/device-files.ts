/**
 * The device page's file browser (issue 13 item 6): list one folder of an online device,
 * within the admin's log path lists (`/api/log-collections/settings`). Downloading and
 * uploading are file transfers (`/api/file-transfers`).
 */
export const DEVICE_FILE_TYPES = ['file', 'dir', 'symlink', 'other'] as const;
export type DeviceFileType = (typeof DEVICE_FILE_TYPES)[number];

/** Why a path is refused by the path lists: a deny glob (or the agent's own state), or no allow glob. */
export const DEVICE_FILE_REFUSALS = ['denied', 'not_allowed'] as const;
export type DeviceFileRefusal = (typeof DEVICE_FILE_REFUSALS)[number];

export const DEVICE_FILES_RULES = {
  /** Entries one listing returns; the rest are counted. */
  maxEntries: { min: 1, max: 2000, default: 1000 },
  pathLength: 1024,
  /** How long the server waits for the device's answer before 504. */
  timeoutMs: 15_000,
  /** Listings one device may have under way at once (429 beyond). */
  perDevice: 4,
} as const;

/**
 * One entry of a folder, never followed: a symlink is listed as one. An entry the path lists
 * refuse (a symlink judged by where it leads) carries its name, type and `refused`, nothing
 * else.
 */
export interface DeviceFileEntry {
  name: string;
  type: DeviceFileType;
  size?: number;
  /** ISO 8601. */
  modifiedAt?: string;
  /** Permission bits, octal text (`0644`). */
  mode?: string;
  refused?: DeviceFileRefusal;
}

/** GET /api/devices/:id/files?path=…&maxEntries=… */
export interface DeviceFilesResponse {
  deviceId: string;
  /** The folder as resolved on the device (symlinks and `..` resolved). */
  path: string;
  /** `/` on POSIX devices, `\` on Windows ones (as the device writes its paths). */
  separator: '/' | '\\';
  entries: DeviceFileEntry[];
  /** Entries the folder holds (listed or not). */
  total: number;
  truncated: boolean;
}

/**
 * Where browsing can start: each folder an allow glob opens whole (`/var/log/**` → `/var/log`,
 * `C:/**` → `C:/`). A glob that allows only some files (`C:/ProgramData/**\/*.log`) or only
 * deeper folders (`/Users/*\/Library/Logs/**`) gives none: its head could not be listed.
 */
export function browseRoots(allow: readonly string[]): string[] {
  const roots = new Set<string>();
  for (const glob of allow) {
    if (!glob.endsWith('/**')) continue;
    const head = glob.slice(0, -3);
    if (/[*?[\]{}()!+@]/.test(head)) continue;
    if (head === '') roots.add('/');
    else roots.add(/^[A-Za-z]:$/.test(head) ? `${head}/` : head);
  }
  return [...roots].sort();
}

/** A path's folders from the root down, for a breadcrumb: `/var/log` → `/`, `/var`, `/var/log`. */
export function pathCrumbs(path: string): { name: string; path: string }[] {
  const drive = /^([A-Za-z]:)(?:[\\/]|$)/.exec(path);
  const sep = drive && path.includes('\\') ? '\\' : '/';
  const rest = drive ? path.slice(drive[0].length) : path;
  let at = drive ? `${drive[1]}${sep}` : '/';
  const crumbs = [{ name: drive ? drive[1] : '/', path: at }];
  for (const part of rest.split(/[\\/]/).filter((p) => p !== '')) {
    at = at.endsWith(sep) ? `${at}${part}` : `${at}${sep}${part}`;
    crumbs.push({ name: part, path: at });
  }
  return crumbs;
}

/** The separator a device's path uses: `\` for a Windows drive or share path, else `/`. */
export const pathSeparatorOf = (path: string): '/' | '\\' =>
  /^([A-Za-z]:\\|\\\\)/.test(path) ? '\\' : '/';

/** A child's path: the folder and the name joined with the device's separator. */
export function childPath(folder: string, name: string, separator: '/' | '\\'): string {
  return folder.endsWith('/') || folder.endsWith('\\')
    ? `${folder}${name}`
    : `${folder}${separator}${name}`;
}
