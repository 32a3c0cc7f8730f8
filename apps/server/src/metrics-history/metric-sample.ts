import { diskUsedPercent, type HeartbeatMetrics } from '@fleetdesk/api-types';

/** A bucket's running totals: sums and peaks, so two partial buckets merge exactly. */
export interface BucketTotals {
  samples: number;
  cpuSum: number;
  cpuMax: number;
  memSum: number;
  memMax: number;
  diskMax: number | null;
  loadSum: number;
}

/** The figures one heartbeat adds to its bucket. */
export function sampleOf(m: HeartbeatMetrics): BucketTotals {
  const mem = m.memory.totalBytes > 0 ? (m.memory.usedBytes * 100) / m.memory.totalBytes : 0;
  let disk: number | null = null;
  for (const d of m.disks) {
    const used = diskUsedPercent(d);
    if (used !== null && (disk === null || used > disk)) disk = used;
  }
  return {
    samples: 1,
    cpuSum: m.cpuPercent,
    cpuMax: m.cpuPercent,
    memSum: mem,
    memMax: mem,
    diskMax: disk,
    loadSum: m.load[0],
  };
}

export function merge(a: BucketTotals, b: BucketTotals): BucketTotals {
  return {
    samples: a.samples + b.samples,
    cpuSum: a.cpuSum + b.cpuSum,
    cpuMax: Math.max(a.cpuMax, b.cpuMax),
    memSum: a.memSum + b.memSum,
    memMax: Math.max(a.memMax, b.memMax),
    diskMax:
      a.diskMax === null
        ? b.diskMax
        : b.diskMax === null
          ? a.diskMax
          : Math.max(a.diskMax, b.diskMax),
    loadSum: a.loadSum + b.loadSum,
  };
}

/** The start of the bucket of `ms` (epoch ms), `size` ms wide. */
export const bucketOf = (ms: number, size: number) => Math.floor(ms / size) * size;
