import type { PageQuery, SortOrder } from './common';
import type { JobTarget } from './jobs';
import type { HeartbeatMetrics, InventoryFacts, SoftwareSource } from './wire';

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
  /** The server offers a newer agent version than this one (see isAgentOutdated). */
  outdated: boolean;
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
  /** The IANA zone the agent reported (device-local schedules fire in it); null until then. */
  timeZone: string | null;
}

/**
 * The agent's latest inventory report. The software list itself is paged separately at
 * `GET /api/devices/:id/software`.
 */
export interface DeviceInventory extends InventoryFacts {
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
