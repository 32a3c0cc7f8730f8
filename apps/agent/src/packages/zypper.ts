import { withValidChange, withValidPackage } from './common';
import { parseRpmQuery, parseRpmVersion, rpmQueryAll, rpmQueryOne } from './rpm';
import type {
  AdapterContext,
  AvailableUpdate,
  ExitMeaning,
  PackageAdapter,
  PackageCommand,
} from './types';

// openSUSE and SLES. zypper waits for its own lock for ZYPP_LOCK_TIMEOUT seconds, and exits 7
// (ZYPPER_EXIT_ZYPP_LOCKED) when it is still held. Listings use --xmlout: the XML attributes
// are stable where the text tables are translated and re-flowed.

/** zypper's documented exit codes (man zypper, EXIT CODES) that are not plain failure. */
const EXIT_CODES: Record<number, ExitMeaning> = {
  7: 'lock-held',
  // 100/101: updates / security updates are pending (list commands report this as success).
  100: 'ok',
  101: 'ok',
  102: 'reboot-required',
  // 103: zypper updated itself (the package manager stack) and must be run again.
  103: 'again',
  // 104: a requested package was not found in any repository.
  104: 'not-found',
};

const XML_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

const decode = (value: string): string =>
  value.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e] ?? '');

/** The attributes of every `<update …>` element (zypper's XML nests nothing else by that name). */
function updateElements(xml: string): Record<string, string>[] {
  const result: Record<string, string>[] = [];
  for (const element of xml.matchAll(/<update\s([^>]*)>/g)) {
    const attributes: Record<string, string> = {};
    for (const a of (element[1] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attributes[a[1] ?? ''] = decode(a[2] ?? a[3] ?? '');
    }
    result.push(attributes);
  }
  return result;
}

/**
 * `zypper --xmlout list-updates` (packages: name, edition, edition-old) and `zypper --xmlout
 * list-patches --category security` (patches: name, edition, category, status). SUSE ships
 * security fixes as patches naming an advisory, so those are listed as patches rather than
 * flagged on packages; the packages' own security flag is unknown (null).
 */
export function parseZypperUpdates(updatesXml: string, patchesXml: string): AvailableUpdate[] {
  const packages: AvailableUpdate[] = updateElements(updatesXml)
    .filter((u) => u.kind === 'package' && u.name && u.edition)
    .map((u) => ({
      name: u.name ?? '',
      current: u['edition-old'] || null,
      available: u.edition ?? '',
      security: null,
      kind: 'package',
    }));
  const patches: AvailableUpdate[] = updateElements(patchesXml)
    .filter((u) => u.kind === 'patch' && u.name && u.category === 'security')
    // "needed" patches apply; "applied" and "not-needed" ones are listed only with --all.
    .filter((u) => !u.status || u.status === 'needed')
    .map((u) => ({
      name: u.name ?? '',
      current: null,
      available: u.edition ?? '',
      security: true,
      kind: 'patch',
    }));
  return [...packages, ...patches];
}

export function zypperAdapter(ctx: AdapterContext): PackageAdapter {
  const env = { LC_ALL: 'C', ZYPP_LOCK_TIMEOUT: String(ctx.lockWaitSeconds) };
  const zypper = (args: string[]): PackageCommand => ({
    file: 'zypper',
    args: ['--non-interactive', '--no-color', ...args],
    env,
    exitCodes: EXIT_CODES,
    nothingOutput: /^Nothing to do\.?$/m,
  });
  const change = (verb: string, args: string[]) =>
    zypper([verb, '--auto-agree-with-licenses', ...args]);

  return {
    manager: 'zypper',
    detect: () => ({ file: 'zypper', args: ['--version'], env, exitCodes: {} }),
    parseDetect: (out) => /^zypper (\S+)/m.exec(out)?.[1] ?? null,
    refresh: () => zypper(['refresh']),
    install: (name, version) =>
      withValidChange('zypper', 'install', name, version, () =>
        change('install', ['--', version === undefined ? name : `${name}=${version}`]),
      ),
    // The table refuses a version here: zypper removes whichever version is installed.
    uninstall: (name, version) =>
      withValidChange('zypper', 'uninstall', name, version, () => zypper(['remove', '--', name])),
    // `update` takes package names only; a chosen version goes through `install name=version`
    // (man zypper: install takes a capability with =version), which replaces the installed
    // package. The agent has checked it is installed and the version is not older. Neither
    // form adds --no-recommends: zypp.conf (solver.onlyRequires) decides for both alike.
    upgrade: (name, version) =>
      withValidChange('zypper', 'upgrade', name, version, () =>
        version === undefined
          ? change('update', ['--', name])
          : change('install', ['--', `${name}=${version}`]),
      ),
    listInstalled: rpmQueryAll,
    parseInstalled: parseRpmQuery,
    listUpdates: () => [
      zypper(['--xmlout', 'list-updates']),
      zypper(['--xmlout', 'list-patches', '--category', 'security']),
    ],
    parseUpdates: ([updates = '', patches = '']) => parseZypperUpdates(updates, patches),
    applyUpdates: (scope) =>
      scope === 'security' ? change('patch', ['--category', 'security']) : change('update', []),
    installedVersion: (name) => withValidPackage('zypper', name, () => rpmQueryOne(name)),
    parseInstalledVersion: parseRpmVersion,
  };
}
