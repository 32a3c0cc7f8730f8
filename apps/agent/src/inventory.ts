import { readFileSync, readlinkSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import * as os from 'node:os';
import * as si from 'systeminformation';
import {
  isTimeZoneName,
  LIMITS,
  type DiskInfo,
  type InventoryBody,
  type LoggedInUser,
  type NetworkInterfaceInfo,
} from '@fleetdesk/protocol';
import { errorMessage, type Logger } from './log';
import { clampInt, cleanString, withTimeout } from './sanitize';
import { collectUpdates } from './pending-updates';
import { collectSoftware, execRunner } from './software';

const PROBE_TIMEOUT_MS = 30_000;

export function toDiskInfo(disks: readonly si.Systeminformation.FsSizeData[]): DiskInfo[] {
  const out: DiskInfo[] = [];
  for (const disk of disks) {
    const mount = cleanString(disk.mount, 1024);
    if (!mount) continue;
    out.push({
      device: cleanString(disk.fs, 256),
      mount,
      fsType: cleanString(disk.type, 64),
      sizeBytes: clampInt(disk.size),
    });
    if (out.length >= LIMITS.inventoryDisks) break;
  }
  return out;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5,19}$/;
/** Interfaces without a hardware address (tun, wireguard) report zeros, like loopback does. */
const NO_MAC = '00:00:00:00:00:00';

export function normalizeMac(mac: unknown): string {
  const m = typeof mac === 'string' ? mac.trim().toLowerCase().replace(/-/g, ':') : '';
  return MAC.test(m) ? m : NO_MAC;
}

/**
 * systeminformation gives one address per family per interface; os.networkInterfaces()
 * has them all. Both are merged so a host with several addresses reports every one.
 */
export function toNetwork(
  sysInterfaces: readonly si.Systeminformation.NetworkInterfacesData[],
  osInterfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>,
): NetworkInterfaceInfo[] {
  const names = new Set([...sysInterfaces.map((i) => i.iface), ...Object.keys(osInterfaces)]);
  const out: NetworkInterfaceInfo[] = [];
  for (const rawName of names) {
    const name = cleanString(rawName, 256);
    if (!name) continue;
    const sys = sysInterfaces.find((i) => i.iface === rawName);
    const addrs = osInterfaces[rawName] ?? [];
    // Zone ids ("fe80::1%eth0") are local detail and not part of an IPv6 address proper.
    const v6 = (a: string) => a.split('%')[0] ?? '';
    const ipv4 = unique([
      sys?.ip4 ?? '',
      ...addrs.map((a) => (a.family === 'IPv4' ? a.address : '')),
    ]);
    const ipv6 = unique([
      v6(sys?.ip6 ?? ''),
      ...addrs.map((a) => (a.family === 'IPv6' ? v6(a.address) : '')),
    ]);
    out.push({
      name,
      mac: normalizeMac(sys?.mac || addrs[0]?.mac),
      ipv4: ipv4.filter((a) => isIPv4(a)).slice(0, LIMITS.addressesPerInterface),
      ipv6: ipv6.filter((a) => a.length <= 64 && isIPv6(a)).slice(0, LIMITS.addressesPerInterface),
    });
    if (out.length >= LIMITS.networkInterfaces) break;
  }
  return out;
}

const unique = (items: string[]) => [...new Set(items.filter(Boolean))];

export function toUsers(users: readonly si.Systeminformation.UserData[]): LoggedInUser[] {
  const out: LoggedInUser[] = [];
  for (const u of users) {
    const name = cleanString(u.user, 256);
    if (!name) continue;
    const user: LoggedInUser = { name };
    const tty = cleanString(u.tty, 64);
    if (tty) user.tty = tty;
    const loginAt = Date.parse(`${u.date}T${u.time}`);
    if (Number.isFinite(loginAt) && loginAt > 0) user.loginAt = loginAt;
    out.push(user);
    if (out.length >= LIMITS.users) break;
  }
  return out;
}

/** One full inventory. Each probe that fails or hangs yields an empty part, not an error. */
export async function collectInventory(log: Logger, signal?: AbortSignal): Promise<InventoryBody> {
  const probe = <T>(what: string, p: Promise<T>, fallback: T): Promise<T> =>
    withTimeout(
      p.catch((err: unknown) => {
        log.warn(`inventory: ${what} failed: ${errorMessage(err)}`);
        return fallback;
      }),
      PROBE_TIMEOUT_MS,
      fallback,
    );
  const [osInfo, cpu, mem, disks, network, users, software, updates] = await Promise.all([
    probe('osInfo', si.osInfo(), null),
    probe('cpu', si.cpu(), null),
    probe('mem', si.mem(), null),
    probe('fsSize', si.fsSize(), []),
    probe('networkInterfaces', si.networkInterfaces(), []),
    probe('users', si.users(), []),
    collectSoftware(process.platform, log, execRunner(signal)),
    // Listing updates can be slow (winget, dnf): it gets the package timeout, not the probes'.
    collectUpdates(log, { signal }).catch((err: unknown) => {
      log.warn(`inventory: pending updates failed: ${errorMessage(err)}`);
      return undefined;
    }),
  ]);
  const brand = cpu ? `${cpu.manufacturer} ${cpu.brand}` : '';
  return {
    os: {
      platform: process.platform,
      distro: cleanString(osInfo?.distro, 256),
      release: cleanString(osInfo?.release ?? os.release(), 128),
      kernel: cleanString(osInfo?.kernel ?? os.release(), 256),
      arch: process.arch,
    },
    hostname: cleanString(os.hostname(), 255, 'unknown'),
    // os.cpus() has the full marketing name ("AMD EPYC 7763 64-Core Processor").
    cpu: {
      model: cleanString(os.cpus()[0]?.model ?? brand, 256, cleanString(brand, 256)),
      cores: clampInt(cpu?.cores ?? os.availableParallelism(), 0, 65_536),
    },
    memoryBytes: clampInt(mem?.total ?? os.totalmem()),
    disks: toDiskInfo(disks),
    network: toNetwork(Array.isArray(network) ? network : [], os.networkInterfaces()),
    users: toUsers(users),
    ...deviceTimeZone(),
    software,
    ...(updates ? { updates } : {}),
    collectedAt: Date.now(),
  };
}

/**
 * The zone device-local schedules fire in; left out when it cannot be told. On Linux and macOS
 * it is read where the system keeps it (TZ, the /etc/localtime link, /etc/timezone) rather than
 * from Intl, whose time-zone data would stay resident: about 6 MiB of the idle agent.
 */
export function deviceTimeZone(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  fs: { readlink(path: string): string; read(path: string): string } = systemFiles,
): { timeZone?: string } {
  const zone = platform === 'win32' ? runtimeZone() : unixZone(env, fs);
  return zone && isTimeZoneName(zone) ? { timeZone: zone } : {};
}

const systemFiles = {
  readlink: (path: string) => readlinkSync(path),
  read: (path: string) => readFileSync(path, 'utf8'),
};

const runtimeZone = (): string | undefined => Intl.DateTimeFormat().resolvedOptions().timeZone;

function unixZone(
  env: NodeJS.ProcessEnv,
  fs: { readlink(path: string): string; read(path: string): string },
): string | undefined {
  // TZ=":Europe/Paris" and TZ="Europe/Paris" name a zone file; TZ="CET-1CEST" is a POSIX rule
  // with no IANA name, which the shape check below refuses.
  const tz = env.TZ?.replace(/^:/, '');
  if (tz) return tz.startsWith('/') ? zoneFromPath(tz) : tz;
  try {
    const fromLink = zoneFromPath(fs.readlink('/etc/localtime'));
    if (fromLink) return fromLink;
  } catch {
    // Not a link (a copied zone file), or absent: Debian also writes the name down.
  }
  try {
    return fs.read('/etc/timezone').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `/usr/share/zoneinfo/Europe/Paris` (or `…/zoneinfo/posix/Europe/Paris`) → Europe/Paris. */
export function zoneFromPath(path: string): string | undefined {
  const match = /zoneinfo\/(?:posix\/|right\/)?(.+)$/.exec(path);
  return match?.[1];
}

/**
 * Inventory for the real agent: collected at most once per `maxAgeMs` however often the
 * connection comes back, since a package list can take seconds to read. `close()` kills
 * any package-manager process still running.
 */
export class InventorySource {
  private cached: { body: InventoryBody; at: number } | null = null;
  private pending: Promise<InventoryBody> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly log: Logger,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly collect = collectInventory,
  ) {}

  get = (): Promise<InventoryBody> => {
    if (this.cached && Date.now() - this.cached.at < this.maxAgeMs) {
      return Promise.resolve({ ...this.cached.body });
    }
    this.pending ??= this.collect(this.log, this.abort.signal)
      .then((body) => {
        this.cached = { body, at: Date.now() };
        return body;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  };

  /** The next `get` collects afresh (a package was installed or removed). */
  invalidate(): void {
    this.cached = null;
  }

  close(): void {
    this.abort.abort();
  }
}
