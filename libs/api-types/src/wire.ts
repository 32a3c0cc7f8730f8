// What the agent reports (heartbeats, inventory) and the script languages it runs, declared once:
// the agent protocol (libs/protocol) re-exports these and validates them on the wire, and the
// REST API passes them through to the console unchanged. Plain declarations and `as const`
// lists only, so browsers can import this file.

export const SOFTWARE_SOURCES = [
  'dpkg',
  'rpm',
  'apk',
  'pacman',
  'brew',
  'winget',
  'choco',
  'snap',
  'flatpak',
  'other',
] as const;
/** The package manager a piece of software was found through. */
export type SoftwareSource = (typeof SOFTWARE_SOURCES)[number];

/** The interpreters an agent can run a script with. */
export const SCRIPT_LANGUAGES = ['bash', 'sh', 'powershell', 'python', 'node', 'cmd'] as const;
export type ScriptLanguage = (typeof SCRIPT_LANGUAGES)[number];

export interface MemoryUsage {
  totalBytes: number;
  usedBytes: number;
}

export interface DiskUsage {
  mount: string;
  totalBytes: number;
  usedBytes: number;
  /**
   * Free to ordinary processes (`df`'s "Avail"): size minus used minus what the file system
   * reserves. Absent in reports from older agents.
   */
  availableBytes?: number;
}

/** Health figures from one agent heartbeat (the protocol's `heartbeat` body). */
export interface HeartbeatMetrics {
  /** 0..100, across all cores. */
  cpuPercent: number;
  memory: MemoryUsage;
  disks: DiskUsage[];
  /** 1, 5 and 15 minute load averages (zeros on Windows, as os.loadavg() gives). */
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
  /** Logical cores; os.cpus() can be empty in some containers, hence 0 is allowed. */
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
  /** Lowercase, colon separated (os.networkInterfaces() style). */
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

/** One installed package. */
export interface SoftwarePackage {
  name: string;
  /** May be empty: some Windows entries carry no version. */
  version: string;
  source: SoftwareSource;
}

/**
 * The machine facts of an inventory report, as the agent sends them and the API shows them.
 * The protocol's `inventory` body adds the software list and an epoch-ms `collectedAt`; the
 * API's device inventory an ISO `collectedAt` and the software count.
 */
export interface InventoryFacts {
  os: OsInfo;
  hostname: string;
  cpu: CpuInfo;
  memoryBytes: number;
  disks: DiskInfo[];
  network: NetworkInterfaceInfo[];
  users: LoggedInUser[];
  /**
   * The device's IANA time zone (e.g. Europe/Paris), as its runtime resolves it; optional
   * because older agents do not send it. Device-local schedules fire in it.
   */
  timeZone?: string;
}
