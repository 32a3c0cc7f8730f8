import { lines, majorVersion, unsupported, withValidChange, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  ExitMeaning,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Chocolatey. `-y` answers every prompt, `--no-progress` keeps download bars out of the log,
// `--limit-output` (-r) gives "name|version" rows. Chocolatey 2 made `list` local-only and
// dropped --local-only, which 1.x needs: detection's version decides.

const EXIT_CODES: Record<number, ExitMeaning> = {
  // Passed through from the package's installer (usePackageExitCodes, on by default).
  1641: 'reboot-required',
  3010: 'reboot-required',
  // ERROR_INSTALL_ALREADY_RUNNING from Windows Installer.
  1618: 'lock-held',
};
const LOCK = /Unable to obtain lock file access|another installation is (?:already )?in progress/i;

/** `choco list -r` (2.x) / `choco list -lo -r` (1.x): "name|version". */
export function parseChocoList(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const [name = '', version = '', ...rest] = line.trim().split('|');
    if (name && version && rest.length === 0) result.push({ name, version });
  }
  return result;
}

/** `choco outdated -r`: "name|current|available|pinned"; pinned packages are not upgraded. */
export function parseChocoOutdated(out: string): AvailableUpdate[] {
  const result: AvailableUpdate[] = [];
  for (const line of lines(out)) {
    const [name = '', current = '', available = '', pinned = ''] = line.trim().split('|');
    if (!name || !available || pinned.toLowerCase() === 'true') continue;
    result.push({ name, current: current || null, available, security: null, kind: 'package' });
  }
  return result;
}

export function chocoAdapter(ctx: AdapterContext): PackageAdapter {
  const file = ctx.file ?? 'choco';
  const localOnly = majorVersion(ctx.managerVersion) >= 2 ? [] : ['--local-only'];
  const choco = (args: string[]): PackageCommand => ({
    file,
    args,
    env: {},
    exitCodes: EXIT_CODES,
    lockOutput: LOCK,
  });
  // choco's option parser has no `--`; the validated id cannot start with a dash.
  const change = (verb: string, id: string, extra: string[] = []) =>
    choco([verb, id, '-y', '--no-progress', ...extra]);
  const versionArgs = (version: string | undefined) =>
    version === undefined ? [] : ['--version', version];

  return {
    manager: 'choco',
    detect: () => choco(['--version']),
    parseDetect: (out) => /^(\d+(?:\.\d+)+\S*)/m.exec(out.trim())?.[1] ?? null,
    refresh: () => null,
    install: (id, version) =>
      withValidChange('choco', 'install', id, version, () =>
        change('install', id, versionArgs(version)),
      ),
    // --version: the one of several side-by-side versions to remove.
    uninstall: (id, version) =>
      withValidChange('choco', 'uninstall', id, version, () =>
        change('uninstall', id, versionArgs(version)),
      ),
    // Without --fail-on-not-installed, `upgrade` installs a package that is missing. Without
    // --allow-downgrade, choco refuses a --version older than the installed one.
    upgrade: (id, version) =>
      withValidChange('choco', 'upgrade', id, version, () =>
        change('upgrade', id, [...versionArgs(version), '--fail-on-not-installed']),
      ),
    listInstalled: () => choco(['list', ...localOnly, '--limit-output']),
    parseInstalled: parseChocoList,
    listUpdates: () => [choco(['outdated', '--limit-output'])],
    parseUpdates: ([out = '']) => parseChocoOutdated(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('choco', 'applying security updates only')
        : choco(['upgrade', 'all', '-y', '--no-progress']),
    installedVersion: (id) =>
      withValidPackage('choco', id, () => ({
        ...choco(['list', id, ...localOnly, '--exact', '--limit-output']),
        // 2: no results, where the useEnhancedExitCodes feature is on.
        exitCodes: { ...EXIT_CODES, 2: 'not-found' },
      })),
    parseInstalledVersion: (out, id) =>
      parseChocoList(out).find((p) => p.name.toLowerCase() === id.toLowerCase())?.version ?? null,
  };
}
