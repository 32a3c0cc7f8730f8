import type { DiskUsage } from './wire';

/**
 * The share of a disk in use, as `df` prints it in "Use%": used / (used + available), rounded
 * up. Not used / size: the blocks reserved for root (5 % on ext4 by default) and the space a
 * file system keeps for itself belong to neither, and on large or thin-provisioned volumes
 * used / size under-reports a disk that is full for every ordinary process. Reports from
 * agents before `availableBytes` existed fall back to used / size.
 */
export function diskUsedPercent(disk: DiskUsage): number | null {
  const avail = disk.availableBytes;
  if (avail !== undefined) {
    const usable = disk.usedBytes + avail;
    if (usable <= 0) return disk.totalBytes > 0 ? 100 : null;
    return Math.min(100, Math.ceil((disk.usedBytes * 100) / usable));
  }
  return disk.totalBytes > 0 ? Math.min(100, (disk.usedBytes / disk.totalBytes) * 100) : null;
}

/** Bytes an ordinary process can still write: what `df` calls "Avail". */
export function diskFreeBytes(disk: DiskUsage): number {
  return disk.availableBytes ?? Math.max(0, disk.totalBytes - disk.usedBytes);
}
