import { exhaustiveList } from './exhaustive-list';

// What a package name and a version may look like for each native package manager. The agent
// refuses anything else before it runs a manager; the server and the console apply the same
// rule when a technician types a name, so all three read it from here. The rules are a subset
// of what each manager accepts: no globs, paths, provides expressions or URLs, nothing that
// starts with a dash (it would be read as an option) and no whitespace or control characters.

export type PackageManager =
  'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | 'pacman' | 'brew' | 'winget' | 'choco';

export const PACKAGE_MANAGERS = exhaustiveList<PackageManager>()([
  'apt',
  'dnf',
  'yum',
  'zypper',
  'apk',
  'pacman',
  'brew',
  'winget',
  'choco',
]);

export const isPackageManager = (value: unknown): value is PackageManager =>
  typeof value === 'string' && (PACKAGE_MANAGERS as readonly string[]).includes(value);

/** Which updates "apply updates" installs. */
export type UpdateScope = 'all' | 'security';
export const UPDATE_SCOPES = exhaustiveList<UpdateScope>()(['all', 'security']);

export const PACKAGE_NAME_MAX_LENGTH = 128;
export const PACKAGE_VERSION_MAX_LENGTH = 128;

interface Syntax {
  name: RegExp;
  nameHint: string;
  /** Null where the manager takes no version argument at all (VERSION_CHOICE says why). */
  version: { rule: RegExp; hint: string } | null;
}

// One rule for the rpm family: RPM names are letters, digits and . _ + - (not leading with
// . or -); an EVR is [epoch:]version[-release] over letters, digits and . _ + ~ ^.
const RPM: Syntax = {
  name: /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/,
  nameHint: 'letters, digits and . _ + -, starting with a letter, digit or _',
  version: {
    rule: /^(?:\d+:)?[A-Za-z0-9][A-Za-z0-9._+~^]*(?:-[A-Za-z0-9][A-Za-z0-9._+~^]*)?$/,
    hint: '[epoch:]version[-release], e.g. 1.2.3-4.el9',
  },
};

const SYNTAX: { readonly [M in PackageManager]: Syntax } = {
  // Debian policy 5.6.1 / 5.6.12; an optional :architecture qualifier (libc6:i386).
  apt: {
    name: /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?$/,
    nameHint:
      'lower-case letters, digits and + . -, at least two, starting with a letter or digit, optionally :arch',
    version: {
      rule: /^(?:\d+:)?[0-9][A-Za-z0-9.+~-]*$/,
      hint: '[epoch:]upstream[-revision] starting with a digit, e.g. 1:2.38.1-5+deb12u1',
    },
  },
  dnf: RPM,
  yum: RPM,
  zypper: RPM,
  // Alpine's apk: name, then version-rN with letters only as the documented suffixes.
  apk: {
    name: /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/,
    nameHint: 'letters, digits and . _ + -, starting with a letter, digit or _',
    version: { rule: /^[0-9][A-Za-z0-9._]*(?:-r\d+)?$/, hint: 'version[-rN], e.g. 1.36.1-r2' },
  },
  // makepkg: alphanumerics and @ . _ + -, not starting with a hyphen or a dot. Repositories
  // hold one version of each package, so pacman takes no version (VERSION_CHOICE says why).
  pacman: {
    name: /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/,
    nameHint: 'letters, digits and @ . _ + -, not starting with . or -',
    version: null,
  },
  // Formulae (node@20), optionally tap-qualified (user/tap/name). Versions come as separate
  // formulae (node@20), so brew takes no version argument.
  brew: {
    name: /^(?:[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*\/)?[a-z0-9][a-z0-9@._+-]*$/,
    nameHint: 'a formula name (lower-case letters, digits and @ . _ + -), optionally user/tap/name',
    version: null,
  },
  // Package identifiers: Publisher.Name[.More] or a Store id (9NBLGGH4NNS1); the manifest
  // schema allows more punctuation than this, which no catalogue entry we know of uses.
  winget: {
    name: /^[A-Za-z0-9][A-Za-z0-9_+-]*(?:\.[A-Za-z0-9_+-]+)*$/,
    nameHint: 'a package id such as 7zip.7zip: letters, digits and _ + -, in dot-separated parts',
    version: {
      rule: /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
      hint: 'letters, digits and . _ + -, e.g. 23.01',
    },
  },
  // NuGet ids and versions (choco packages are NuGet packages).
  choco: {
    name: /^[A-Za-z0-9_]+(?:[._-][A-Za-z0-9_]+)*$/,
    nameHint: 'a package id: letters, digits and _, joined by . or -',
    version: {
      rule: /^\d+(?:\.\d+){0,3}(?:-[A-Za-z0-9][A-Za-z0-9.-]*)?(?:\+[A-Za-z0-9.-]+)?$/,
      hint: 'a NuGet version such as 1.2.3 or 1.2.3-beta1',
    },
  },
};

/** Why `name` cannot be a package name for `manager`, or null when it can. */
export function packageNameProblem(manager: PackageManager, name: string): string | null {
  const rule = SYNTAX[manager];
  if (typeof name !== 'string' || name === '') return 'a package name is required';
  if (name.length > PACKAGE_NAME_MAX_LENGTH)
    return `a package name is at most ${PACKAGE_NAME_MAX_LENGTH} characters`;
  if (name.startsWith('-'))
    return `package names cannot start with "-" (it would be read as an option)`;
  if (!rule.name.test(name)) return `not a valid ${manager} package name: ${rule.nameHint}`;
  return null;
}

/** The operations that act on one named package (apply_updates names none). */
export type PackageChange = 'install' | 'uninstall' | 'upgrade';
export const PACKAGE_CHANGES = exhaustiveList<PackageChange>()(['install', 'uninstall', 'upgrade']);

// Whether a version can be chosen, per manager and operation: null where the manager really
// does it, else the one sentence a technician reads for why not. The protocol validator, the
// server, the console's deploy form and the agent (again, before it runs anything) all read
// this one table; the agent's adapters build a version argument only where it says null.
//
// - install: the manager's own "name=version" / "name-version" / --version form. apt passes
//   --allow-downgrades, so an install may go back to an older version.
// - upgrade: the same forms through the manager's upgrade path. An upgrade never goes back:
//   the agent compares the installed version first and refuses an older one (apt-get also
//   refuses, -y without --allow-downgrades; choco without --allow-downgrade).
// - uninstall: only winget and choco can keep several versions of one package side by side
//   and remove one of them by --version. apt, dnf, yum, zypper and apk remove the one
//   installed version by name (rpm's install-only packages, kernels, are not offered), so a
//   version there would only be a check against what is installed, which the technician
//   cannot see per device; it is refused instead of half-honoured.
const VERSION_CHOICE: {
  readonly [M in PackageManager]: { readonly [O in PackageChange]: string | null };
} = {
  apt: {
    install: null,
    upgrade: null,
    uninstall: 'apt removes the installed version; a version cannot be chosen',
  },
  dnf: {
    install: null,
    upgrade: null,
    uninstall: 'dnf removes the installed version; a version cannot be chosen',
  },
  yum: {
    install: null,
    upgrade: null,
    uninstall: 'yum removes the installed version; a version cannot be chosen',
  },
  zypper: {
    install: null,
    upgrade: null,
    uninstall: 'zypper removes the installed version; a version cannot be chosen',
  },
  apk: {
    install: null,
    upgrade: null,
    uninstall: 'apk removes the installed version; a version cannot be chosen',
  },
  pacman: {
    install: 'pacman installs the version its repositories hold; a version cannot be chosen',
    upgrade: 'pacman upgrades to the version its repositories hold; a version cannot be chosen',
    uninstall: 'pacman removes the installed version; a version cannot be chosen',
  },
  brew: {
    install: 'brew installs one version per formula; choose a versioned formula such as node@20',
    upgrade:
      'brew upgrades a formula to its current version; choose a versioned formula such as node@20',
    uninstall: 'brew uninstalls a formula, not one version of it; a version cannot be chosen',
  },
  winget: { install: null, upgrade: null, uninstall: null },
  choco: { install: null, upgrade: null, uninstall: null },
};

/** Why a version cannot be chosen for `operation` with `manager`, or null when it can. */
export const packageVersionRefusal = (
  manager: PackageManager,
  operation: PackageChange,
): string | null => VERSION_CHOICE[manager][operation];

/** Whether `manager` can be given a version for `operation`. */
export const packageVersionChoosable = (
  manager: PackageManager,
  operation: PackageChange,
): boolean => VERSION_CHOICE[manager][operation] === null;

/** The managers that take a version for `operation`, in PACKAGE_MANAGERS order. */
export const managersChoosingVersion = (operation: PackageChange): PackageManager[] =>
  PACKAGE_MANAGERS.filter((m) => packageVersionChoosable(m, operation));

/** "install: apt, dnf, …; upgrade: …; uninstall: winget, choco", for API and form help. */
export const versionChoiceSummary = (): string =>
  PACKAGE_CHANGES.map((o) => `${o}: ${managersChoosingVersion(o).join(', ')}`).join('; ');

/**
 * Why `version` cannot be asked of `manager` for `operation`, or null when it can: first
 * whether the manager can choose a version for it at all, then the version's syntax.
 */
export function packageVersionProblem(
  manager: PackageManager,
  version: string,
  operation: PackageChange,
): string | null {
  const refusal = VERSION_CHOICE[manager][operation];
  if (refusal !== null) return refusal;
  const rule = SYNTAX[manager];
  // Unreachable while the table and SYNTAX agree, which packages.spec holds them to.
  if (rule.version === null) return `${manager} takes no version`;
  if (typeof version !== 'string' || version === '') return 'the version is empty';
  if (version.length > PACKAGE_VERSION_MAX_LENGTH)
    return `a version is at most ${PACKAGE_VERSION_MAX_LENGTH} characters`;
  if (version.startsWith('-'))
    return `versions cannot start with "-" (it would be read as an option)`;
  if (!rule.version.rule.test(version))
    return `not a valid ${manager} version: ${rule.version.hint}`;
  return null;
}

/** Whether `manager` has a version syntax at all (the table may still refuse an operation). */
export const packageVersionSyntaxKnown = (manager: PackageManager): boolean =>
  SYNTAX[manager].version !== null;
