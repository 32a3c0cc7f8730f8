import { lines, unsupported, withValidChange, withValidPackage } from './common';
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
      withValidChange('apk', 'install', name, version, () =>
        apk(['add', '--', version === undefined ? name : `${name}=${version}`]),
      ),
    // The table refuses a version here: apk removes whichever version is installed.
    uninstall: (name, version) =>
      withValidChange('apk', 'uninstall', name, version, () => apk(['del', '--', name])),
    // `add name=version` records that constraint in /etc/apk/world (apk-add(8), apk-world(5))
    // and the solver moves the package to it; without --upgrade, nothing else is upgraded
    // that the version does not need. The constraint stays, as an install's pin does, until
    // an upgrade without a version (`add --upgrade name`) replaces it.
    upgrade: (name, version) =>
      withValidChange('apk', 'upgrade', name, version, () =>
        version === undefined
          ? apk(['add', '--upgrade', '--', name])
          : apk(['add', '--', `${name}=${version}`]),
      ),
    listInstalled: () => read(['info', '-v']),
    parseInstalled: parseApkInfo,
    listUpdates: () => [read(['version', '-l', '<'])],
    parseUpdates: ([out = '']) => parseApkVersion(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('apk', 'applying security updates only')
        : apk(['upgrade']),
    // apk has no per-package query that exits non-zero when absent: read the list.
    installedVersion: (name) => withValidPackage('apk', name, () => read(['info', '-v'])),
    parseInstalledVersion: (out, name) =>
      parseApkInfo(out).find((p) => p.name === name)?.version ?? null,
  };
}
