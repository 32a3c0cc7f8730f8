import { compareVersions, type PackageManager, type SoftwareSource } from '@fleetdesk/api-types';

// How the agent compares an installed version with the one a technician asked for: in the
// order the manager itself uses (api-types software-versions.ts, keyed by the inventory
// source each manager's packages are reported under).

const SOURCE: { readonly [M in PackageManager]: SoftwareSource } = {
  apt: 'dpkg',
  dnf: 'rpm',
  yum: 'rpm',
  zypper: 'rpm',
  apk: 'apk',
  pacman: 'pacman',
  brew: 'brew',
  winget: 'winget',
  choco: 'choco',
};

/**
 * Orders `installed` against `wanted` (negative: installed is older). An rpm version asked
 * without an epoch or a release matches any (dnf's name-version, zypper's name=version), so
 * those parts of the installed one do not count then; the release rule is already rpm's.
 */
export function compareWithWanted(
  manager: PackageManager,
  installed: string,
  wanted: string,
): -1 | 0 | 1 {
  const source = SOURCE[manager];
  const have =
    source === 'rpm' && !/^\d+:/.test(wanted) ? installed.replace(/^\d+:/, '') : installed;
  return compareVersions(source, have, wanted);
}
