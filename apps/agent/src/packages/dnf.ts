import { lines, majorVersion, withValidChange, withValidPackage } from './common';
import { nevraName, parseRpmQuery, parseRpmVersion, rpmQueryAll, rpmQueryOne } from './rpm';
import type {
  AdapterContext,
  AvailableUpdate,
  ExitMeaning,
  PackageAdapter,
  PackageCommand,
} from './types';

// Fedora, RHEL 8+ and their rebuilds (dnf), and RHEL/CentOS 7 (yum 3). On RHEL 8+ `yum` is
// dnf under another name, which detection tells by its version (4 and up).

const ENV = { LC_ALL: 'C' };

/**
 * dnf prints these while another process holds the rpm transaction lock (dnf 4 waits itself,
 * dnf 5 fails); yum 3 with exit_on_lock exits 200 instead.
 */
const LOCK =
  /Waiting for process with pid|Failed to obtain the transaction lock|another copy is running|holding the yum lock|Unable to acquire.*lock/i;
const NOTHING = /^Nothing to do\.?$/m;

/** check-update exits 100 when updates exist, 0 when there are none, 1 on error. */
const CHECK_UPDATE_CODES: Record<number, ExitMeaning> = { 100: 'ok' };

const ARCHES = /\.(x86_64|noarch|aarch64|i686|i586|i386|ppc64le|ppc64|s390x|armv7hl|src)$/;

/**
 * `dnf check-update` / `yum check-update`: "name.arch  version  repo" rows after a metadata
 * line and a blank one. A name too long for its column wraps: the version and repo come on the
 * next line. The "Obsoleting Packages" section that may follow repeats packages and ends the
 * list. Security is filled in from the advisory listing.
 */
export function parseCheckUpdate(out: string, security: ReadonlySet<string>): AvailableUpdate[] {
  const result: AvailableUpdate[] = [];
  const rows = lines(out);
  for (let i = 0; i < rows.length; i++) {
    const line = rows[i] ?? '';
    if (/^Obsoleting Packages/.test(line) || /^Security:/.test(line)) break;
    let tokens = line.trim().split(/\s+/);
    if (tokens.length === 1 && ARCHES.test(tokens[0] ?? '') && /^\s/.test(rows[i + 1] ?? '')) {
      tokens = [...tokens, ...(rows[++i] ?? '').trim().split(/\s+/)];
    }
    const [nameArch = '', available = '', repo] = tokens;
    if (tokens.length !== 3 || !repo || !ARCHES.test(nameArch)) continue;
    const name = nameArch.replace(ARCHES, '');
    result.push({ name, current: null, available, security: security.has(name), kind: 'package' });
  }
  return result;
}

/**
 * The package names with a pending security advisory, from `dnf updateinfo list --security`
 * ("RLSA-2023:7549 Important/Sec. kernel-5.14.0-362.13.1.el9_3.x86_64"), `yum updateinfo list
 * security` (same shape) or dnf 5's table ("FEDORA-2024-… security Moderate curl-8.6.0-7.fc40.x86_64 …").
 */
export function parseSecurityAdvisories(out: string): Set<string> {
  const names = new Set<string>();
  for (const line of lines(out)) {
    const tokens = line.trim().split(/\s+/);
    if (!tokens.some((t) => /\/Sec\.$/.test(t) || t === 'security')) continue;
    const nevra = tokens.find((t) => ARCHES.test(t) && t.split('-').length >= 3);
    const name = nevra ? nevraName(nevra) : null;
    if (name) names.add(name);
  }
  return names;
}

function rpmFamilyAdapter(manager: 'dnf' | 'yum', ctx: AdapterContext): PackageAdapter {
  // Real yum (3.x) waits for its lock forever unless told to exit; it then exits 200 and the
  // executor tries again with backoff. dnf (and yum 4, which is dnf) waits by itself.
  const yum3 = manager === 'yum' && !(majorVersion(ctx.managerVersion) >= 4);
  const lockOptions = yum3 ? ['--setopt=exit_on_lock=True'] : [];
  const run = (args: string[], exitCodes: Record<number, ExitMeaning> = {}): PackageCommand => ({
    file: manager,
    args: ['-y', ...lockOptions, ...args],
    env: ENV,
    exitCodes: yum3 ? { ...exitCodes, 200: 'lock-held' } : exitCodes,
    lockOutput: LOCK,
    nothingOutput: NOTHING,
  });
  // `name-version` is how dnf and yum take a chosen version ("curl-7.76.1-26.el9_3.2").
  const spec = (name: string, version?: string) =>
    version === undefined ? name : `${name}-${version}`;

  return {
    manager,
    detect: () => ({ file: manager, args: ['--version'], env: ENV, exitCodes: {} }),
    // dnf 4 and yum print the bare version first; dnf 5 "dnf5 version 5.1.15".
    parseDetect: (out) => /^(?:dnf5 version )?(\d+(?:\.\d+)+)/m.exec(out)?.[1] ?? null,
    refresh: () => run(['makecache']),
    install: (name, version) =>
      withValidChange(manager, 'install', name, version, () =>
        run(['install', '--', spec(name, version)]),
      ),
    // The table refuses a version here: dnf and yum remove whichever version is installed.
    uninstall: (name, version) =>
      withValidChange(manager, 'uninstall', name, version, () => run(['remove', '--', name])),
    // `upgrade name-version` (yum 3: `update`) upgrades to that version; neither goes down
    // (that is `downgrade`), and the agent refuses an older version before this runs.
    upgrade: (name, version) =>
      withValidChange(manager, 'upgrade', name, version, () =>
        run([yum3 ? 'update' : 'upgrade', '--', spec(name, version)]),
      ),
    listInstalled: rpmQueryAll,
    parseInstalled: parseRpmQuery,
    listUpdates: () => [
      { ...run(['check-update'], CHECK_UPDATE_CODES), nothingOutput: undefined },
      {
        ...run(yum3 ? ['updateinfo', 'list', 'security'] : ['updateinfo', 'list', '--security']),
        nothingOutput: undefined,
      },
    ],
    parseUpdates: ([updates = '', advisories = '']) =>
      parseCheckUpdate(updates, parseSecurityAdvisories(advisories)),
    applyUpdates: (scope) => {
      const verb = yum3 ? 'update' : 'upgrade';
      return run(scope === 'security' ? [verb, '--security'] : [verb]);
    },
    installedVersion: (name) => withValidPackage(manager, name, () => rpmQueryOne(name)),
    parseInstalledVersion: parseRpmVersion,
  };
}

export const dnfAdapter = (ctx: AdapterContext) => rpmFamilyAdapter('dnf', ctx);
export const yumAdapter = (ctx: AdapterContext) => rpmFamilyAdapter('yum', ctx);
