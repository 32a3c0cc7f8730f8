import type { PageQuery } from './common';
import type { DeviceStatus } from './devices';
import type { PackageManager } from './packages';

// Patch compliance: what each device says is waiting to be installed, and the fleet sorted by
// exposure. The first two shapes travel in the agent's inventory frame (libs/protocol
// validates them); the rest are the REST answers the console reads.

/** One update a device's package manager offers. */
export interface PendingUpdate {
  manager: PackageManager;
  name: string;
  /** The installed version, where the manager says. */
  current?: string;
  available: string;
  /** Absent where the manager does not tell security fixes apart (pacman, apk, brew, winget, choco). */
  security?: boolean;
}

/** Sent with inventory by agents that can list updates; older agents leave it out. */
export interface UpdatesReport {
  /** The managers whose update list was read; a manager that failed is not listed. */
  managers: PackageManager[];
  pending: PendingUpdate[];
  /** Absent when no probe could tell. */
  rebootRequired?: boolean;
}

/** One device in the fleet view (`GET /api/patch-compliance`). Counts are null until reported. */
export interface PatchComplianceRow {
  deviceId: string;
  name: string;
  hostname: string;
  status: DeviceStatus;
  osPlatform: string | null;
  securityCount: number | null;
  otherCount: number | null;
  rebootRequired: boolean | null;
  /** When the last update run (apply updates, upgrade) on this device succeeded. */
  lastUpdateRunAt: string | null;
  reportedAt: string | null;
}

export interface PatchComplianceQuery extends PageQuery {
  os?: string;
  /** Only devices with at least one pending update (security or other). */
  pendingOnly?: boolean;
}

export interface PatchComplianceSummary {
  /** Devices that reported their updates. */
  reporting: number;
  withSecurity: number;
  withPending: number;
  rebootRequired: number;
}

export interface PatchCompliancePage {
  items: PatchComplianceRow[];
  total: number;
  page: number;
  pageSize: number;
  summary: PatchComplianceSummary;
}

/** `GET /api/patch-compliance/devices/:id`: the device's row and its pending list. */
export interface DevicePatchStatus extends PatchComplianceRow {
  managers: PackageManager[];
  /** Security updates first, then by name. */
  pending: PendingUpdate[];
}
