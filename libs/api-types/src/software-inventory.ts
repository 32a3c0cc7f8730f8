import type { PageQuery } from './common';
import { exhaustiveList } from './exhaustive-list';
import type { DeviceStatus } from './devices';
import type { SoftwareSource } from './wire';

// The fleet software inventory (`/api/software-inventory`): which devices have a package,
// which lack it, which run an older version than the newest one seen in the fleet.

/** installed: has it; missing: has reported inventory without it; outdated: has it, but
 * none of its versions is the newest the fleet runs (per source, by that manager's order). */
export type SoftwarePresence = 'installed' | 'missing' | 'outdated';
export const SOFTWARE_PRESENCES = exhaustiveList<SoftwarePresence>()([
  'installed',
  'missing',
  'outdated',
]);

/** exact: the name, ignoring case; prefix: names starting with it ("7-zip" finds "7-Zip 23.01 (x64)"). */
export type SoftwareNameMatch = 'exact' | 'prefix';
export const SOFTWARE_NAME_MATCHES = exhaustiveList<SoftwareNameMatch>()(['exact', 'prefix']);

/** One title often has a different package name per manager (7zip.7zip, p7zip-full …). */
export const SOFTWARE_NAMES_MAX = 16;
export const SOFTWARE_NAME_MAX_LENGTH = 255;

/** Query of `GET /api/software-inventory/devices` (and its `.csv`). */
export interface SoftwareDevicesQuery extends PageQuery {
  /** Comma-separated package names, each one of the names the title goes by. */
  name: string;
  match?: SoftwareNameMatch;
  presence?: SoftwarePresence;
  /** Only devices running exactly this version (installed, outdated). */
  version?: string;
  /** An OS platform (linux, darwin, win32). */
  os?: string;
  source?: SoftwareSource;
}

export interface SoftwareDeviceRow {
  deviceId: string;
  /** The display name, else the hostname. */
  name: string;
  hostname: string;
  status: DeviceStatus;
  osPlatform: string | null;
  osDistro: string | null;
  /** The versions the device reports (none for a missing package), oldest first. */
  versions: string[];
  sources: SoftwareSource[];
}

/** The newest version of the package seen in the fleet, per source. */
export interface SoftwareNewest {
  source: SoftwareSource;
  version: string;
}

export interface SoftwareDevicesPage {
  items: SoftwareDeviceRow[];
  total: number;
  page: number;
  pageSize: number;
  newest: SoftwareNewest[];
}

/** Query of `GET /api/software-inventory/versions`. */
export interface SoftwareVersionsQuery {
  name: string;
  match?: SoftwareNameMatch;
  os?: string;
}

export interface SoftwareVersionCount {
  source: SoftwareSource;
  version: string;
  devices: number;
  /** The newest version of its source in the fleet. */
  newest: boolean;
}

/** `GET /api/software-inventory/versions`: every version seen, newest first per source. */
export interface SoftwareVersionsResponse {
  versions: SoftwareVersionCount[];
  /** Devices that have it, that lack it (of those that reported inventory). */
  installed: number;
  missing: number;
}

/** `GET /api/software-inventory/names?prefix=`: package names seen in the fleet, for search. */
export interface SoftwareNamesResponse {
  names: string[];
}
export const SOFTWARE_NAME_SUGGESTIONS = 20;

/** The CSV export's columns, in order. */
export const SOFTWARE_CSV_COLUMNS = [
  'device_id',
  'name',
  'hostname',
  'status',
  'os_platform',
  'os_distro',
  'versions',
  'sources',
] as const;

/** Splits the `name` parameter: trimmed, lower-cased, empty parts dropped, duplicates once. */
export function softwareNames(param: string): string[] {
  return [
    ...new Set(
      param
        .split(',')
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Why `param` is not a usable `name` parameter, or null. */
export function softwareNamesProblem(param: string): string | null {
  const names = softwareNames(param);
  if (names.length === 0) return 'name must list at least one package name';
  if (names.length > SOFTWARE_NAMES_MAX) return `name lists at most ${SOFTWARE_NAMES_MAX} names`;
  const long = names.find((n) => n.length > SOFTWARE_NAME_MAX_LENGTH);
  if (long) return `a package name is at most ${SOFTWARE_NAME_MAX_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (names.some((n) => /[\u0000-\u001f\u007f]/.test(n)))
    return 'package names cannot contain control characters';
  return null;
}
