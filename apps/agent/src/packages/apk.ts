import { lines, unsupported, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Alpine. `--wait N` makes apk wait for the database lock itself; the message it prints when
// the wait runs out is also retried with backoff. apk has no security metadata.

const ENV = { LC_ALL: 'C' };
const LOCK = /Unable to lock database|Failed to open apk database/i;

/** "name-1.2.3-r0" → name and version: the version is the last two dash-separated parts. */
function splitNameVersion(token: string): InstalledPackage | null {
  const match = /^(.+)-([^-]+-r\d+)$/.exec(token);
  return match ? { name: match[1] ?? '', version: match[2] ?? '' } : null;
}

/** `apk info -v`: one "name-version-rN" a line. */
export function parseApkInfo(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const found = splitNameVersion(line.trim().split(/\s+/)[0] ?? '');
    if (found) result.push(found);
  }
  return result;
}

/**
 * `apk version -l '<'`: an "Installed: Available:" header, then "name-old-rN  <  new-rN" for
 * each package with a newer version available.
 */
export function parseApkVersion(out: string): AvailableUpdate[] {
  const result: AvailableUpdate[] = [];
  for (const line of lines(out)) {
    const [installed = '', op, available = ''] = line.trim().split(/\s+/);
    if (op !== '<' || !available) continue;
    const found = splitNameVersion(installed);
    if (found) {
      result.push({
        name: found.name,
        current: found.version,
        available,
        security: null,
        kind: 'package',
      });
    }
  }
  return result;
}

export function apkAdapter(ctx: AdapterContext): PackageAdapter {
  const apk = (args: string[]): PackageCommand => ({
    file: 'apk',
    args: ['--no-progress', '--wait', String(ctx.lockWaitSeconds), ...args],
    env: ENV,
    exitCodes: {},
    lockOutput: LOCK,
  });
  const read = (args: string[]): PackageCommand => ({ file: 'apk', args, env: ENV, exitCodes: {} });

  return {
    manager: 'apk',
    detect: () => read(['--version']),
    parseDetect: (out) => /^apk-tools (\S+?),?(?:\s|$)/m.exec(out)?.[1] ?? null,
    refresh: () => apk(['update']),
    // `name=version` pins the version.
    install: (name, version) =>
      withValidPackage('apk', name, version, () =>
        apk(['add', '--', version === undefined ? name : `${name}=${version}`]),
      ),
    uninstall: (name) => withValidPackage('apk', name, undefined, () => apk(['del', '--', name])),
    upgrade: (name) =>
      withValidPackage('apk', name, undefined, () => apk(['add', '--upgrade', '--', name])),
    listInstalled: () => read(['info', '-v']),
    parseInstalled: parseApkInfo,
    listUpdates: () => [read(['version', '-l', '<'])],
    parseUpdates: ([out = '']) => parseApkVersion(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('apk', 'applying security updates only')
        : apk(['upgrade']),
    // apk has no per-package query that exits non-zero when absent: read the list.
    installedVersion: (name) =>
      withValidPackage('apk', name, undefined, () => read(['info', '-v'])),
    parseInstalledVersion: (out, name) =>
      parseApkInfo(out).find((p) => p.name === name)?.version ?? null,
  };
}
