import { useThrottledCallback } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { DeviceListQuery, DeviceMetricsEvent } from '@fleetdesk/api-types';
import { useRef, useState } from 'react';
import { useSocketEvent } from '../../api/socket';
import { deviceKeys, fetchDevices } from '../devices/api';
import { DISK_NEARLY_FULL_PERCENT, fullestDisk } from '../devices/health';

export interface FullDisk {
  deviceId: string;
  /** Known when the device was in the seed page; otherwise looked up by id when shown. */
  displayName: string | null;
  mount: string;
  percent: number;
  freeBytes: number;
}

/** The largest page the API serves; the rest of the fleet is covered by live heartbeats. */
const SEED_QUERY: DeviceListQuery = {
  status: 'online',
  sort: 'name',
  order: 'asc',
  page: 1,
  pageSize: 200,
};

/**
 * Devices whose fullest disk is at or above the threshold. The API cannot filter by disk
 * use, so this starts from the latest metrics of the first 200 online devices, then follows
 * every `device.metrics` heartbeat (each online device reports within one interval, so after
 * that the picture covers the whole fleet). Heartbeats arrive by the hundred per second in a
 * large fleet: they are buffered and applied at most once every two seconds.
 */
export function useNearlyFullDisks(): { disks: FullDisk[]; seeded: boolean; error: unknown } {
  const seed = useQuery({
    queryKey: deviceKeys.list(SEED_QUERY),
    queryFn: () => fetchDevices(SEED_QUERY),
  });
  const [live, setLive] = useState<ReadonlyMap<string, Omit<FullDisk, 'displayName'>>>(new Map());
  const pending = useRef(new Map<string, Omit<FullDisk, 'displayName'>>());

  const flush = useThrottledCallback(() => {
    const batch = pending.current;
    if (batch.size === 0) return;
    pending.current = new Map();
    setLive((prev) => {
      const next = new Map(prev);
      batch.forEach((v, k) => next.set(k, v));
      return next;
    });
  }, 2000);

  useSocketEvent('device.metrics', (e: DeviceMetricsEvent) => {
    const disk = fullestDisk(e.metrics);
    if (!disk) return;
    pending.current.set(e.deviceId, { deviceId: e.deviceId, ...disk });
    flush();
  });

  const byId = new Map<string, FullDisk>();
  for (const d of seed.data?.items ?? []) {
    const disk = fullestDisk(d.metrics);
    if (disk) byId.set(d.id, { deviceId: d.id, displayName: d.displayName, ...disk });
  }
  live.forEach((v, id) => byId.set(id, { ...v, displayName: byId.get(id)?.displayName ?? null }));

  const disks = [...byId.values()]
    .filter((d) => d.percent >= DISK_NEARLY_FULL_PERCENT)
    .sort((a, b) => b.percent - a.percent);
  return { disks, seeded: !seed.isPending, error: seed.error };
}
