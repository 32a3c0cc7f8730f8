import {
  diskFreeBytes,
  diskUsedPercent,
  type DeviceMetrics,
  type DeviceResponse,
} from '@fleetdesk/api-types';

/** A disk at or above this share used needs a technician's attention. */
export const DISK_NEARLY_FULL_PERCENT = 90;

export const percentOf = (used: number, total: number): number | null =>
  total > 0 ? Math.min(100, (used / total) * 100) : null;

/** The fullest disk of a heartbeat, which is the one that will cause trouble first. */
export function fullestDisk(
  metrics: Pick<DeviceMetrics, 'disks'> | null | undefined,
): { mount: string; percent: number; freeBytes: number } | null {
  let worst: { mount: string; percent: number; freeBytes: number } | null = null;
  for (const disk of metrics?.disks ?? []) {
    const percent = diskUsedPercent(disk);
    if (percent === null) continue;
    if (!worst || percent > worst.percent) {
      worst = { mount: disk.mount, percent, freeBytes: diskFreeBytes(disk) };
    }
  }
  return worst;
}

export const memoryPercent = (m: Pick<DeviceMetrics, 'memory'> | null | undefined) =>
  m ? percentOf(m.memory.usedBytes, m.memory.totalBytes) : null;

/** Progress colour for a usage share: calm until it matters. */
export function usageColor(percent: number | null): string {
  if (percent === null) return 'gray';
  if (percent >= DISK_NEARLY_FULL_PERCENT) return 'red';
  if (percent >= 75) return 'orange';
  return 'blue';
}

const PLATFORM_LABEL: Record<string, string> = {
  linux: 'Linux',
  darwin: 'macOS',
  win32: 'Windows',
  freebsd: 'FreeBSD',
  openbsd: 'OpenBSD',
  aix: 'AIX',
  sunos: 'SunOS',
};

export const platformLabel = (platform: string): string => PLATFORM_LABEL[platform] ?? platform;

/** "Ubuntu 24.04.1 LTS", else "Linux 6.8.0"; the distro already names the release. */
export function osLabel(os: DeviceResponse['os']): string {
  if (os.distro) return os.distro;
  return [platformLabel(os.platform), os.release].filter(Boolean).join(' ');
}

/** Platforms the OS filter offers; the API has no list of the fleet's distinct platforms. */
export const OS_FILTER_OPTIONS = [
  { value: 'linux', label: 'Linux' },
  { value: 'darwin', label: 'macOS' },
  { value: 'win32', label: 'Windows' },
  { value: 'freebsd', label: 'FreeBSD' },
];

export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min`;
}
