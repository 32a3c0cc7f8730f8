import { createHash, type KeyObject } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageManager } from '@fleetdesk/api-types';
import { deviceHttpAuthorization, type SoftwareActionInstaller } from '@fleetdesk/protocol';
import { DEFAULT_LOCK_WAIT_SECONDS } from './adapters';
import type { Build } from './types';

// Uploaded installers: fetched from the server with the device's own signature, written under
// the agent's state directory by content hash (never by a name the server chose), and kept
// only when their size and SHA-256 are exactly the signed ones. Then one argument array runs
// them; the silent arguments are separate argv entries, never a shell string.

export const installerPath = (installerId: string): string =>
  `/api/software/installers/${encodeURIComponent(installerId)}/content`;

/** Where the installer is kept while it runs: by hash, with the extension its tool needs. */
export const installerFile = (dir: string, installer: SoftwareActionInstaller): string =>
  join(dir, `${installer.sha256}.${installer.type}`);

export class InstallerRefused extends Error {}

export interface FetchInstallerOptions {
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  installer: SoftwareActionInstaller;
  dir: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/**
 * Streams the installer to `dir`, hashing as it goes; returns its path only when the bytes
 * are the signed ones. Anything else removes the file and throws InstallerRefused, so
 * nothing runs.
 */
export async function fetchInstaller(options: FetchInstallerOptions): Promise<string> {
  const { installer } = options;
  const path = installerPath(installer.id);
  const url = new URL(path, options.serverUrl).toString();
  const authorization = deviceHttpAuthorization(options.privateKey, {
    deviceId: options.deviceId,
    method: 'GET',
    path,
    at: (options.now ?? Date.now)(),
  });
  const response = await (options.fetchImpl ?? fetch)(url, { headers: { authorization } });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    throw new Error(
      `the server answered ${response.status} to ${url}${text ? `: ${text.slice(0, 300)}` : ''}`,
    );
  }
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const dest = installerFile(options.dir, installer);
  await rm(dest, { force: true });
  const hash = createHash('sha256');
  let size = 0;
  const file = await open(dest, 'wx', 0o700);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > installer.size) {
        throw new InstallerRefused(
          `the installer is larger than its signed size of ${installer.size} bytes; refused, nothing was run`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(dest, { force: true });
    throw err;
  }
  await file.close();
  const sha256 = hash.digest('hex');
  if (size !== installer.size || sha256 !== installer.sha256) {
    await rm(dest, { force: true });
    throw new InstallerRefused(
      `the installer's bytes do not match the signed hash: SHA-256 ${sha256} (${size} bytes), expected ${installer.sha256} (${installer.size} bytes); refused, nothing was run`,
    );
  }
  return dest;
}

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a', LC_ALL: 'C' };
const APT_LOCK = /Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock/;
/** msiexec and most setup programs: 3010 done, reboot needed; 1641 done, reboot started. */
const WINDOWS_REBOOT = { 3010: 'reboot-required', 1641: 'reboot-required' } as const;
/** msiexec 1618: another installation is in progress (the Windows Installer's lock). */
const MSI_CODES = { ...WINDOWS_REBOOT, 1618: 'lock-held' } as const;

/**
 * The command that installs the file at `file` (already verified): by type, with the
 * device's managers for the Linux packages. Silent arguments go only to msiexec and setup
 * programs; packages for a manager take none (the catalogue refuses them there). Pure.
 */
export function installerCommand(
  installer: Pick<SoftwareActionInstaller, 'type' | 'silentArgs'>,
  file: string,
  managers: readonly PackageManager[],
  lockWaitSeconds = DEFAULT_LOCK_WAIT_SECONDS,
): Build {
  const extra = installer.silentArgs;
  switch (installer.type) {
    case 'deb':
      if (!managers.includes('apt'))
        return { refused: 'a .deb needs apt, which this device lacks' };
      // apt-get installs a local file given as a path, resolving its dependencies.
      return {
        file: 'apt-get',
        args: ['-y', '-q', '-o', `DPkg::Lock::Timeout=${lockWaitSeconds}`, 'install', file],
        env: APT_ENV,
        exitCodes: {},
        lockOutput: APT_LOCK,
      };
    case 'rpm': {
      const manager = (['dnf', 'yum', 'zypper'] as const).find((m) => managers.includes(m));
      if (!manager) return { refused: 'an .rpm needs dnf, yum or zypper, which this device lacks' };
      const args =
        manager === 'zypper' ? ['--non-interactive', 'install', file] : ['-y', 'install', file];
      return { file: manager, args, env: { LC_ALL: 'C' }, exitCodes: {} };
    }
    case 'msi':
      return {
        file: 'msiexec',
        args: ['/i', file, '/qn', '/norestart', ...extra],
        env: {},
        exitCodes: MSI_CODES,
      };
    case 'exe':
      return { file, args: [...extra], env: {}, exitCodes: WINDOWS_REBOOT };
    case 'pkg':
      return {
        file: 'installer',
        args: ['-pkg', file, '-target', '/'],
        env: { LC_ALL: 'C' },
        exitCodes: {},
      };
  }
}
