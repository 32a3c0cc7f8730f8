import { createHash } from 'node:crypto';
import type { HeartbeatBody, InventoryBody, SoftwarePackage } from '@fleetdesk/protocol';
import type { EnrollFacts } from './facts';
import { AGENT_VERSION } from './version';

/**
 * Plausible, cheap, per-device-stable fake data for `simulate`. Nothing here touches the
 * real machine: ten thousand agents calling systeminformation would measure the simulator.
 */

const DISTROS = [
  { distro: 'Ubuntu 24.04.1 LTS', release: '24.04', kernel: '6.8.0-49-generic' },
  { distro: 'Ubuntu 22.04.5 LTS', release: '22.04', kernel: '5.15.0-125-generic' },
  { distro: 'Debian GNU/Linux 12 (bookworm)', release: '12', kernel: '6.1.0-27-amd64' },
  { distro: 'Rocky Linux 9.4 (Blue Onyx)', release: '9.4', kernel: '5.14.0-427.13.1.el9_4' },
] as const;
const CPUS = ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 'AMD EPYC 7763 64-Core Processor'];
const SOFTWARE: [string, string][] = [
  ['bash', '5.2.21-2ubuntu4'],
  ['coreutils', '9.4-3ubuntu6'],
  ['curl', '8.5.0-2ubuntu10.5'],
  ['openssh-server', '1:9.6p1-3ubuntu13.5'],
  ['openssl', '3.0.13-0ubuntu3.4'],
  ['python3', '3.12.3-0ubuntu2'],
  ['systemd', '255.4-1ubuntu8.4'],
  ['tzdata', '2024a-3ubuntu1.1'],
];
const GIB = 1024 ** 3;

/** Deterministic small integers from the device id, so a device looks the same every run. */
function seedOf(deviceId: string): number[] {
  return [...createHash('sha256').update(deviceId).digest().subarray(0, 8)];
}

export function fakeFacts(hostname: string): EnrollFacts {
  return {
    hostname,
    os: { platform: 'linux', distro: DISTROS[0].distro, release: DISTROS[0].release, arch: 'x64' },
    agentVersion: AGENT_VERSION,
  };
}

export function fakeInventory(deviceId: string, hostname: string): InventoryBody {
  const s = seedOf(deviceId);
  const b = (i: number) => s[i] ?? 0;
  const os = DISTROS[b(0) % DISTROS.length] ?? DISTROS[0];
  const mac = ['02', ...s.slice(1, 6).map((x) => x.toString(16).padStart(2, '0'))].join(':');
  const software: SoftwarePackage[] = SOFTWARE.map(([name, version]) => ({
    name,
    version,
    source: 'dpkg',
  }));
  return {
    os: { platform: 'linux', ...os, arch: 'x64' },
    hostname,
    cpu: { model: CPUS[b(1) % CPUS.length] ?? '', cores: 2 ** (1 + (b(2) % 4)) },
    memoryBytes: 2 ** (2 + (b(3) % 4)) * GIB,
    disks: [
      { device: '/dev/sda1', mount: '/', fsType: 'ext4', sizeBytes: 64 * (1 + (b(4) % 8)) * GIB },
    ],
    network: [
      { name: 'lo', mac: '00:00:00:00:00:00', ipv4: ['127.0.0.1'], ipv6: ['::1'] },
      { name: 'eth0', mac, ipv4: [`10.${b(5)}.${b(6)}.${1 + (b(7) % 254)}`], ipv6: [] },
    ],
    users: [],
    software,
    collectedAt: Date.now(),
  };
}

/**
 * A gently drifting load per agent: a few numbers of state, so the console's charts show
 * something alive without the simulator spending memory on it.
 */
export function fakeMetrics(inventory: InventoryBody, random = Math.random): () => HeartbeatBody {
  // Copied out so the closure does not keep the whole inventory alive.
  const { memoryBytes } = inventory;
  const cores = inventory.cpu.cores;
  const diskBytes = inventory.disks[0]?.sizeBytes ?? 0;
  const bootedAt = Date.now() - random() * 30 * 24 * 3600_000;
  let cpu = 5 + random() * 30;
  let memFraction = 0.2 + random() * 0.5;
  return () => {
    cpu = Math.min(100, Math.max(0, cpu + (random() - 0.5) * 10));
    memFraction = Math.min(0.95, Math.max(0.05, memFraction + (random() - 0.5) * 0.04));
    const load = (cpu / 100) * cores;
    return {
      cpuPercent: Math.round(cpu * 10) / 10,
      memory: { totalBytes: memoryBytes, usedBytes: Math.round(memoryBytes * memFraction) },
      disks: [
        {
          mount: '/',
          totalBytes: diskBytes,
          usedBytes: Math.round(diskBytes * 0.4),
          // ext4 keeps 5 % for root by default.
          availableBytes: Math.round(diskBytes * 0.55),
        },
      ],
      load: [load, load * 0.9, load * 0.8].map((l) => Math.round(l * 100) / 100) as [
        number,
        number,
        number,
      ],
      uptimeSeconds: Math.round((Date.now() - bootedAt) / 1000),
    };
  };
}
