import type {
  DeviceDetail,
  DeviceListQuery,
  DeviceMetricsQuery,
  DeviceMetricsResponse,
  DeviceResponse,
  DeviceRunListQuery,
  DeviceRunResponse,
  DeviceSoftwareItem,
  DeviceStatus,
  DeviceStatusEvent,
  GroupResponse,
  Page,
  TagResponse,
} from '@fleetdesk/api-types';
import type { QueryClient } from '@tanstack/react-query';
import { get } from '../../api/client';

/**
 * Query keys of everything device-shaped. Lists and details live under one root so a
 * live event can reach every cached copy of a device in one call.
 */
export const deviceKeys = {
  all: ['devices'] as const,
  lists: () => ['devices', 'list'] as const,
  list: (q: DeviceListQuery) => ['devices', 'list', q] as const,
  counts: () => ['devices', 'count'] as const,
  count: (status: DeviceStatus | 'all') => ['devices', 'count', status] as const,
  detail: (id: string) => ['devices', 'detail', id] as const,
  software: (id: string) => ['devices', 'software', id] as const,
  runs: (id: string) => ['devices', 'runs', id] as const,
  runPage: (q: DeviceRunListQuery) => ['devices', 'runs', q.deviceId, q] as const,
  metrics: (id: string, range: string) => ['devices', 'metrics', id, range] as const,
};

export const groupsKey = ['groups'] as const;
export const tagsKey = ['tags'] as const;

export const fetchDevices = (q: DeviceListQuery) => get<Page<DeviceResponse>>('/devices', { ...q });

export const fetchDevice = (id: string) => get<DeviceDetail>(`/devices/${id}`);

export const fetchDeviceMetrics = (id: string, q: DeviceMetricsQuery) =>
  get<DeviceMetricsResponse>(`/devices/${id}/metrics`, { ...q });

export const fetchSoftware = (id: string, q: { q?: string; page: number; pageSize: number }) =>
  get<Page<DeviceSoftwareItem>>(`/devices/${id}/software`, q);

/** One device's runs across every job, newest first. */
export const fetchDeviceRuns = (q: DeviceRunListQuery) =>
  get<Page<DeviceRunResponse>>('/runs', { ...q });

export const fetchGroups = () => get<GroupResponse[]>('/groups');
export const fetchTags = () => get<TagResponse[]>('/tags');

/** Counts cost one cheap request each: the server answers `total` even for a page of one. */
export async function fetchDeviceCount(status: DeviceStatus | 'all'): Promise<number> {
  const page = await fetchDevices({ pageSize: 1, ...(status === 'all' ? {} : { status }) });
  return page.total;
}

/** A revoked device stays revoked whatever its socket did last. */
function applyStatus<T extends DeviceResponse>(device: T, e: DeviceStatusEvent): T {
  if (device.status === 'revoked') return device;
  return {
    ...device,
    status: e.status,
    lastSeenAt: e.status === 'online' ? e.at : device.lastSeenAt,
  };
}

/**
 * Applies a `device.status` event to every cached list page and the cached detail, without a
 * refetch: a 10k-device fleet flaps too often to refetch per event.
 * Returns whether any cached list page held the device.
 */
export function patchDeviceStatus(client: QueryClient, e: DeviceStatusEvent): boolean {
  let found = false;
  client.setQueriesData<Page<DeviceResponse>>({ queryKey: deviceKeys.lists() }, (page) => {
    if (!page || !page.items.some((d) => d.id === e.deviceId)) return page;
    found = true;
    return {
      ...page,
      items: page.items.map((d) => (d.id === e.deviceId ? applyStatus(d, e) : d)),
    };
  });
  client.setQueryData<DeviceDetail>(deviceKeys.detail(e.deviceId), (d) =>
    d ? applyStatus(d, e) : d,
  );
  return found;
}

/** Puts a device the server just returned (after a write) into every cached copy. */
export function storeDevice(client: QueryClient, device: DeviceResponse): void {
  client.setQueriesData<Page<DeviceResponse>>({ queryKey: deviceKeys.lists() }, (page) =>
    page
      ? { ...page, items: page.items.map((d) => (d.id === device.id ? { ...d, ...device } : d)) }
      : page,
  );
  client.setQueryData<DeviceDetail>(deviceKeys.detail(device.id), (d) =>
    d ? { ...d, ...device } : d,
  );
}
