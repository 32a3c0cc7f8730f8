import { lines, withValidChange, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Debian and Ubuntu. Changes go through apt-get (the stable interface); the installed list
// and one package's version through dpkg-query; pending updates through `apt list
// --upgradable`, whose suite names the security pocket (bookworm-security, jammy-security).

const ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  // Ubuntu's needrestart and apt-listchanges would otherwise stop to ask.
  NEEDRESTART_MODE: 'a',
  APT_LISTCHANGES_FRONTEND: 'none',
  LC_ALL: 'C',
};

/** apt-get and dpkg print this when another process holds /var/lib/dpkg/lock-frontend etc. */
const LOCK = /Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock/;
/** apt-get's summary when nothing is installed, upgraded or removed. */
const NOTHING = /^0 upgraded, 0 newly installed, 0 to remove\b/m;

/** `-o X=Y` options: wait for dpkg's lock instead of failing, and keep changed config files. */
const aptGetOptions = (ctx: AdapterContext): string[] => [
  '-y',
  '-q',
  '-o',
  `DPkg::Lock::Timeout=${ctx.lockWaitSeconds}`,
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];

const DPKG_QUERY_FORMAT = '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n';

/** `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n'`: only "ii" counts. */
export function parseDpkgQuery(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const [name = '', version = '', status = ''] = line.split('\t');
    // "ii": wanted install, installed. "rc" (removed, config left) and half-states are not.
    if (name && status.startsWith('ii')) result.push({ name, version });
  }
  return result;
}

/**
 * `apt list --upgradable`: "name/suite[,suite…] version arch [upgradable from: old]" after a
 * "Listing..." line. An update is a security one when one of its suites is a -security pocket.
 */
export function parseAptUpgradable(out: string): AvailableUpdate[] {
  const result: AvailableUpdate[] = [];
  const row = /^([^/\s]+)\/(\S+)\s+(\S+)\s+\S+\s+\[upgradable from: ([^\]]+)\]/;
  for (const line of lines(out)) {
    const match = row.exec(line);
    if (!match) continue;
    const [, name = '', suites = '', available = '', current = ''] = match;
    result.push({
      name,
      current,
      available,
      security: suites.split(',').some((s) => s.endsWith('-security')),
      kind: 'package',
    });
  }
  return result;
}

export function aptAdapter(ctx: AdapterContext): PackageAdapter {
  const aptGet = (args: string[]): PackageCommand => ({
    file: 'apt-get',
    args: [...aptGetOptions(ctx), ...args],
    env: ENV,
    // apt-get exits 100 on any error, the lock among them: the output tells them apart.
    exitCodes: {},
    lockOutput: LOCK,
    nothingOutput: NOTHING,
  });
  const query = (args: string[]): PackageCommand => ({
    file: 'dpkg-query',
    args,
    env: ENV,
    // 1: no such package known to dpkg.
    exitCodes: { 1: 'not-found' },
  });

  return {
    manager: 'apt',
    detect: () => ({ file: 'apt-get', args: ['--version'], env: ENV, exitCodes: {} }),
    parseDetect: (out) => /^apt (\S+)/m.exec(out)?.[1] ?? null,
    refresh: () => ({
      file: 'apt-get',
      args: ['-q', '-o', `DPkg::Lock::Timeout=${ctx.lockWaitSeconds}`, 'update'],
      env: ENV,
      exitCodes: {},
      lockOutput: LOCK,
    }),
    install: (name, version) =>
      withValidChange('apt', 'install', name, version, () =>
        version === undefined
          ? aptGet(['install', '--', name])
          : // A chosen version may be older than the installed one; -y alone refuses that.
            aptGet(['install', '--allow-downgrades', '--', `${name}=${version}`]),
      ),
    // The table refuses a version here: apt removes whichever version is installed.
    uninstall: (name, version) =>
      withValidChange('apt', 'uninstall', name, version, () => aptGet(['remove', '--', name])),
    // --only-upgrade: never installs a package that is missing. Without --allow-downgrades,
    // apt-get -y refuses a pkg=version older than the installed one (the agent has already
    // refused it by then), so an upgrade to a version only goes up.
    upgrade: (name, version) =>
      withValidChange('apt', 'upgrade', name, version, () =>
        aptGet([
          'install',
          '--only-upgrade',
          '--',
          version === undefined ? name : `${name}=${version}`,
        ]),
      ),
    listInstalled: () => query(['-W', '-f', DPKG_QUERY_FORMAT]),
    parseInstalled: parseDpkgQuery,
    listUpdates: () => [
      { file: 'apt', args: ['list', '--upgradable'], env: ENV, exitCodes: {}, lockOutput: LOCK },
    ],
    parseUpdates: ([out = '']) => parseAptUpgradable(out),
    applyUpdates: (scope, pending) => {
      // --with-new-pkgs: an update that needs a new dependency is installed, not kept back.
      if (scope === 'all') return aptGet(['--with-new-pkgs', 'upgrade']);
      const names = pending.filter((u) => u.security === true).map((u) => u.name);
      if (names.length === 0) return 'nothing-to-do';
      // The names came from apt's own listing; checked all the same before they become argv.
      for (const name of names) {
        const refused = withValidPackage('apt', name, () => aptGet([]));
        if ('refused' in refused) return refused;
      }
      return aptGet(['install', '--only-upgrade', '--', ...names]);
    },
    installedVersion: (name) =>
      withValidPackage('apt', name, () => query(['-W', '-f', DPKG_QUERY_FORMAT, '--', name])),
    parseInstalledVersion: (out, name) => {
      const bare = name.split(':')[0];
      return parseDpkgQuery(out).find((p) => p.name === bare)?.version ?? null;
    },
  };
}
