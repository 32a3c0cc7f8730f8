import * as os from 'node:os';
import * as si from 'systeminformation';
import { LIMITS, type DiskUsage, type HeartbeatBody } from '@fleetdesk/protocol';
import { clampInt, clampNumber, cleanString, withTimeout } from './sanitize';

/** Heartbeats must stay cheap and prompt; a slow probe is reported as empty, not waited on. */
const PROBE_TIMEOUT_MS = 5_000;

export function toDiskUsage(disks: readonly si.Systeminformation.FsSizeData[]): DiskUsage[] {
  const seen = new Set<string>();
  const out: DiskUsage[] = [];
  for (const disk of disks) {
    const mount = cleanString(disk.mount, 1024);
    // Pseudo and zero-sized file systems say nothing about health.
    if (!mount || seen.has(mount) || !(disk.size > 0)) continue;
    seen.add(mount);
    const totalBytes = clampInt(disk.size);
    const usage: DiskUsage = { mount, totalBytes, usedBytes: clampInt(disk.used, 0, totalBytes) };
    // df's "Avail": without it the console can only show used / size, which leaves out the
    // reserved blocks and reads far lower than df on large volumes. Left out rather than
    // guessed where the platform gives none (0 would read as a full disk).
    if (typeof disk.available === 'number' && Number.isFinite(disk.available)) {
      usage.availableBytes = clampInt(disk.available, 0, totalBytes);
    }
    out.push(usage);
    if (out.length >= LIMITS.heartbeatDisks) break;
  }
  return out;
}

export async function collectHeartbeat(): Promise<HeartbeatBody> {
  const [load, mem, disks] = await Promise.all([
    withTimeout(si.currentLoad(), PROBE_TIMEOUT_MS, null),
    withTimeout(si.mem(), PROBE_TIMEOUT_MS, null),
    withTimeout(si.fsSize(), PROBE_TIMEOUT_MS, []),
  ]);
  const totalBytes = clampInt(mem?.total ?? os.totalmem());
  // `active` excludes reclaimable cache: what users mean by "memory used".
  const usedBytes = clampInt(mem ? mem.active : totalBytes - os.freemem(), 0, totalBytes);
  const [l1, l5, l15] = os.loadavg();
  return {
    cpuPercent: clampNumber(load?.currentLoad, 0, 100),
    memory: { totalBytes, usedBytes },
    disks: toDiskUsage(disks),
    load: [clampNumber(l1, 0, 1e6), clampNumber(l5, 0, 1e6), clampNumber(l15, 0, 1e6)],
    uptimeSeconds: clampNumber(os.uptime(), 0, Number.MAX_SAFE_INTEGER),
  };
}
