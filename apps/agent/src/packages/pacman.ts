import { lines, unsupported, withValidChange, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Arch Linux. pacman does not wait for its lock (/var/lib/pacman/db.lck): the executor
// retries on its "unable to lock database" message with backoff. There is no security flag.
//
// No metadata refresh before listing: `pacman -Sy` alone leaves a partly upgraded system the
// moment anything is installed from the fresher database, which Arch does not support. The
// updates listed are those known since the last full `-Syu` (applying updates does one).

const ENV = { LC_ALL: 'C' };
const LOCK = /unable to lock database/i;
const NOTHING = /^ there is nothing to do$/m;

/** `pacman -Q`: "name version". */
export function parsePacmanQuery(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const [name = '', version = '', extra] = line.trim().split(/\s+/);
    if (name && version && extra === undefined) result.push({ name, version });
  }
  return result;
}

/** `pacman -Qu`: "name old -> new", with " [ignored]" for packages held by IgnorePkg. */
export function parsePacmanUpdates(out: string): AvailableUpdate[] {
  const result: AvailableUpdate[] = [];
  for (const line of lines(out)) {
    const match = /^(\S+) (\S+) -> (\S+)(?: \[ignored\])?$/.exec(line.trim());
    if (!match || line.includes('[ignored]')) continue;
    result.push({
      name: match[1] ?? '',
      current: match[2] ?? '',
      available: match[3] ?? '',
      security: null,
      kind: 'package',
    });
  }
  return result;
}

export function pacmanAdapter(_ctx: AdapterContext): PackageAdapter {
  // --noconfirm goes before "--": after it, pacman would take it for a package name.
  const change = (operation: string[], targets: string[] = []): PackageCommand => ({
    file: 'pacman',
    args: [...operation, '--noconfirm', ...(targets.length ? ['--', ...targets] : [])],
    env: ENV,
    exitCodes: {},
    lockOutput: LOCK,
    nothingOutput: NOTHING,
  });
  const query = (args: string[]): PackageCommand => ({
    file: 'pacman',
    args,
    env: ENV,
    // -Q of an unknown package, and -Qu with nothing to upgrade, both exit 1.
    exitCodes: { 1: 'not-found' },
  });

  return {
    manager: 'pacman',
    detect: () => ({ file: 'pacman', args: ['--version'], env: ENV, exitCodes: {} }),
    parseDetect: (out) => /Pacman v(\S+)/.exec(out)?.[1] ?? null,
    refresh: () => null,
    // --needed: an installed, current package is left alone ("there is nothing to do").
    // The table refuses every version for pacman, so `version` never reaches these builders.
    install: (name, version) =>
      withValidChange('pacman', 'install', name, version, () => change(['-S', '--needed'], [name])),
    uninstall: (name, version) =>
      withValidChange('pacman', 'uninstall', name, version, () => change(['-R'], [name])),
    upgrade: (name, version) =>
      withValidChange('pacman', 'upgrade', name, version, () => change(['-S', '--needed'], [name])),
    listInstalled: () => ({ file: 'pacman', args: ['-Q'], env: ENV, exitCodes: {} }),
    parseInstalled: parsePacmanQuery,
    // An exit of 1 with no output is "no updates"; the runner treats not-found as an empty list.
    listUpdates: () => [query(['-Qu'])],
    parseUpdates: ([out = '']) => parsePacmanUpdates(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('pacman', 'applying security updates only')
        : change(['-Syu']),
    installedVersion: (name) => withValidPackage('pacman', name, () => query(['-Q', '--', name])),
    parseInstalledVersion: (out, name) =>
      parsePacmanQuery(out).find((p) => p.name === name)?.version ?? null,
  };
}
