import { lines, unsupported, withValidChange, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Homebrew (macOS, Linuxbrew). brew refuses to run as root, and the agent usually is root:
// commands carry `runAs`, the owner of the brew prefix (see brew-user.ts), and the executor
// starts brew as that user with its HOME. No security metadata.

const ENV = {
  // No surprise self-update, clean-up or hints in the middle of an install.
  HOMEBREW_NO_AUTO_UPDATE: '1',
  HOMEBREW_NO_INSTALL_CLEANUP: '1',
  HOMEBREW_NO_ENV_HINTS: '1',
  HOMEBREW_NO_ANALYTICS: '1',
  HOMEBREW_NO_COLOR: '1',
  NONINTERACTIVE: '1',
  LC_ALL: 'C',
};

/** brew's messages when another brew holds a formula's or the update lock. */
const LOCK = /has already locked|Another active Homebrew .* process is already in progress/i;
/** "Warning: hello 2.12.1 is already installed and up-to-date", "… 2.12.1 already installed". */
const NOTHING = /^Warning: \S+ \S+ (?:is )?already installed/m;

/** `brew list --versions`: "name v1 [v2 …]"; the last is the newest installed. */
export function parseBrewList(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const [name = '', ...versions] = line.trim().split(/\s+/);
    const version = versions.at(-1);
    if (name && version) result.push({ name, version });
  }
  return result;
}

interface OutdatedEntry {
  name?: unknown;
  installed_versions?: unknown;
  current_version?: unknown;
  pinned?: unknown;
}

/**
 * `brew outdated --json=v2`: { formulae: [...], casks: [...] }, each with name,
 * installed_versions (an array; a string for casks in older brew) and current_version.
 * Pinned formulae are left out: `brew upgrade` will not touch them.
 */
export function parseBrewOutdated(out: string): AvailableUpdate[] {
  let doc: { formulae?: unknown; casks?: unknown };
  try {
    doc = JSON.parse(out) as typeof doc;
  } catch {
    return [];
  }
  const entries = [doc.formulae, doc.casks].flatMap((list) =>
    Array.isArray(list) ? (list as OutdatedEntry[]) : [],
  );
  const result: AvailableUpdate[] = [];
  for (const e of entries) {
    if (typeof e.name !== 'string' || typeof e.current_version !== 'string' || e.pinned === true)
      continue;
    const installed = Array.isArray(e.installed_versions)
      ? (e.installed_versions as unknown[]).at(-1)
      : e.installed_versions;
    result.push({
      name: e.name,
      current: typeof installed === 'string' ? installed : null,
      available: e.current_version,
      security: null,
      kind: 'package',
    });
  }
  return result;
}

export function brewAdapter(ctx: AdapterContext): PackageAdapter {
  const file = ctx.file ?? 'brew';
  const brew = (args: string[], exitCodes: PackageCommand['exitCodes'] = {}): PackageCommand => ({
    file,
    args,
    env: ENV,
    exitCodes,
    lockOutput: LOCK,
    nothingOutput: NOTHING,
    ...(ctx.runAs ? { runAs: ctx.runAs } : {}),
  });

  return {
    manager: 'brew',
    detect: () => brew(['--version']),
    parseDetect: (out) => /^Homebrew (\S+)/m.exec(out)?.[1] ?? null,
    refresh: () => brew(['update', '--quiet']),
    // The table refuses every version for brew, so `version` never reaches these builders.
    install: (name, version) =>
      withValidChange('brew', 'install', name, version, () => brew(['install', '--', name])),
    uninstall: (name, version) =>
      withValidChange('brew', 'uninstall', name, version, () => brew(['uninstall', '--', name])),
    upgrade: (name, version) =>
      withValidChange('brew', 'upgrade', name, version, () => brew(['upgrade', '--', name])),
    listInstalled: () => brew(['list', '--versions']),
    parseInstalled: parseBrewList,
    listUpdates: () => [brew(['outdated', '--json=v2'])],
    parseUpdates: ([out = '']) => parseBrewOutdated(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('brew', 'applying security updates only')
        : brew(['upgrade']),
    // Exits 1 when the formula is not installed.
    installedVersion: (name) =>
      withValidPackage('brew', name, () =>
        brew(['list', '--versions', '--', name], { 1: 'not-found' }),
      ),
    parseInstalledVersion: (out, name) => {
      const short = name.split('/').at(-1);
      return parseBrewList(out).find((p) => p.name === short)?.version ?? null;
    },
  };
}
