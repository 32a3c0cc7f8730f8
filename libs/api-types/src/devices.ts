import type { PageQuery, SortOrder } from './common';
import type { JobTarget } from './jobs';

// The heartbeat and inventory shapes below mirror the agent protocol's (libs/protocol), which
// cannot be imported here: its source needs Node, and browsers type-check this file. The
// server checks at compile time that both stay identical (common/api-types-compat.ts).

export interface MemoryUsage {
  totalBytes: number;
  usedBytes: number;
}

export interface DiskUsage {
  mount: string;
  totalBytes: number;
  usedBytes: number;
}

/** Health figures from one agent heartbeat. */
export interface HeartbeatMetrics {
  /** 0..100, across all cores. */
  cpuPercent: number;
  memory: MemoryUsage;
  disks: DiskUsage[];
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  load: [number, number, number];
  uptimeSeconds: number;
}

export interface OsInfo {
  /** process.platform style: linux, darwin, win32, freebsd … */
  platform: string;
  /** Human name, e.g. "Ubuntu 24.04.1 LTS"; empty if unknown. */
  distro: string;
  release: string;
  kernel: string;
  /** process.arch style: x64, arm64 … */
  arch: string;
}

export interface CpuInfo {
  model: string;
  /** Logical cores; 0 when the agent could not tell. */
  cores: number;
}

export interface DiskInfo {
  device: string;
  mount: string;
  fsType: string;
  sizeBytes: number;
}

export interface NetworkInterfaceInfo {
  name: string;
  /** Lowercase, colon separated. */
  mac: string;
  ipv4: string[];
  ipv6: string[];
}

export interface LoggedInUser {
  name: string;
  tty?: string;
  /** Epoch ms (not ISO: it is the agent's report, passed through). */
  loginAt?: number;
}

/** The package manager a piece of software was found through. */
export type SoftwareSource =
  'dpkg' | 'rpm' | 'apk' | 'pacman' | 'brew' | 'winget' | 'choco' | 'snap' | 'flatpak' | 'other';

/** Whether a device's agent holds its connection right now. */
export type DeviceConnectionStatus = 'online' | 'offline';

/** What the console shows and filters by: `revoked` wins over the connection state. */
export type DeviceStatus = DeviceConnectionStatus | 'revoked';

export type DeviceSort = 'name' | 'hostname' | 'status' | 'os' | 'lastSeenAt' | 'enrolledAt';

/** The latest heartbeat and when the server received it. */
export interface DeviceMetrics extends HeartbeatMetrics {
  at: string;
}

/** A device as lists show it, and as every device write answers. */
export interface DeviceResponse {
  id: string;
  /** The technician-given name, else the hostname. */
  displayName: string;
  name: string | null;
  hostname: string;
  status: DeviceStatus;
  /** `platform` is process.platform style (linux, darwin, win32 …), `arch` process.arch style. */
  os: { platform: string; distro: string; release: string; arch: string };
  agentVersion: string;
  lastSeenAt: string | null;
  lastIp: string | null;
  ipAddresses: string[];
  tags: string[];
  group: { id: string; name: string } | null;
  metrics: DeviceMetrics | null;
  enrolledAt: string;
  revokedAt: string | null;
  /**
   * Reports from this device (heartbeats, inventory, run updates, output) that the database
   * refused and that were dropped, and when the last one was; each is in the server log.
   */
  rejectedReports: number;
  lastRejectedAt: string | null;
}

/**
 * The agent's latest inventory report. The software list itself is paged separately at
 * `GET /api/devices/:id/software`.
 */
export interface DeviceInventory {
  os: OsInfo;
  hostname: string;
  cpu: CpuInfo;
  memoryBytes: number;
  disks: DiskInfo[];
  network: NetworkInterfaceInfo[];
  users: LoggedInUser[];
  /** When the agent collected it, by the agent's clock. */
  collectedAt: string;
  softwareCount: number;
}

/** `GET /api/devices/:id`: the device plus its inventory (null until the agent has sent one). */
export interface DeviceDetail extends DeviceResponse {
  inventory: DeviceInventory | null;
}

/** One installed package, from the device's latest inventory. `version` may be empty. */
export interface DeviceSoftwareItem {
  name: string;
  version: string;
  source: SoftwareSource;
}

/** Query of `GET /api/devices`. `q` matches name, hostname and IP addresses. */
export interface DeviceListQuery extends PageQuery {
  status?: DeviceStatus;
  /** An OS platform, e.g. linux, darwin, win32. */
  os?: string;
  tag?: string;
  groupId?: string;
  q?: string;
  sort?: DeviceSort;
  order?: SortOrder;
}

/** Query of `GET /api/devices/:id/software`. `q` matches the package name. */
export interface SoftwareListQuery extends PageQuery {
  q?: string;
}

/** Body of `PATCH /api/devices/:id`: null clears the name (shows the hostname) or the group. */
export interface UpdateDeviceRequest {
  name?: string | null;
  groupId?: string | null;
}

/** Body of `POST /api/devices/:id/tags`: tags to add; unknown tags are created. */
export interface DeviceTagsRequest {
  tags: string[];
}

/**
 * The bulk routes (POST /api/devices/bulk/…) take the same target as a job: the union of
 * every part, limited to enrolled, non-revoked devices. An empty target is refused; every
 * device takes `all: true`, given explicitly.
 */
export interface BulkTargetRequest {
  target: JobTarget;
}

/** Adds every tag to every device of the target; missing tags are created. */
export interface BulkTagRequest extends BulkTargetRequest {
  tags: string[];
}

/** Removes the tags (which must exist) from every device of the target that has them. */
export interface BulkUntagRequest extends BulkTargetRequest {
  tags: string[];
}

/** Moves every device of the target into a group, or out of any group with `null`. */
export interface BulkGroupRequest extends BulkTargetRequest {
  groupId: string | null;
}

/** What one bulk action did, in one transaction. */
export interface BulkActionResponse {
  /** Devices the target resolved to. */
  matched: number;
  /** Devices the action changed; the rest already were as asked (e.g. already had the tags). */
  changed: number;
}

/** A device group (one per device, e.g. a site or a customer). */
export interface GroupResponse {
  id: string;
  name: string;
  description: string;
  deviceCount: number;
  createdAt: string;
}

/** Body of `POST /api/groups`. */
export interface CreateGroupRequest {
  name: string;
  description?: string;
}

/** Body of `PATCH /api/groups/:id`. */
export interface UpdateGroupRequest {
  name?: string;
  description?: string;
}

/** A tag (many per device). Names are lowercase. */
export interface TagResponse {
  id: string;
  name: string;
  deviceCount: number;
  createdAt: string;
}

/** Body of `POST /api/tags`. */
export interface CreateTagRequest {
  name: string;
}
