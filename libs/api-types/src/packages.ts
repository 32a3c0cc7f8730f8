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
  /** Null where the manager cannot install a chosen version at all. */
  version: RegExp | null;
  versionHint: string;
}

// One rule for the rpm family: RPM names are letters, digits and . _ + - (not leading with
// . or -); an EVR is [epoch:]version[-release] over letters, digits and . _ + ~ ^.
const RPM: Syntax = {
  name: /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/,
  nameHint: 'letters, digits and . _ + -, starting with a letter, digit or _',
  version: /^(?:\d+:)?[A-Za-z0-9][A-Za-z0-9._+~^]*(?:-[A-Za-z0-9][A-Za-z0-9._+~^]*)?$/,
  versionHint: '[epoch:]version[-release], e.g. 1.2.3-4.el9',
};

const SYNTAX: { readonly [M in PackageManager]: Syntax } = {
  // Debian policy 5.6.1 / 5.6.12; an optional :architecture qualifier (libc6:i386).
  apt: {
    name: /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?$/,
    nameHint:
      'lower-case letters, digits and + . -, at least two, starting with a letter or digit, optionally :arch',
    version: /^(?:\d+:)?[0-9][A-Za-z0-9.+~-]*$/,
    versionHint: '[epoch:]upstream[-revision] starting with a digit, e.g. 1:2.38.1-5+deb12u1',
  },
  dnf: RPM,
  yum: RPM,
  zypper: RPM,
  // Alpine's apk: name, then version-rN with letters only as the documented suffixes.
  apk: {
    name: /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/,
    nameHint: 'letters, digits and . _ + -, starting with a letter, digit or _',
    version: /^[0-9][A-Za-z0-9._]*(?:-r\d+)?$/,
    versionHint: 'version[-rN], e.g. 1.36.1-r2',
  },
  // makepkg: alphanumerics and @ . _ + -, not starting with a hyphen or a dot. Repositories
  // hold one version of each package, so pacman cannot install a chosen one.
  pacman: {
    name: /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/,
    nameHint: 'letters, digits and @ . _ + -, not starting with . or -',
    version: null,
    versionHint: 'pacman installs the version its repositories hold; a version cannot be chosen',
  },
  // Formulae (node@20), optionally tap-qualified (user/tap/name). Versions come as separate
  // formulae (node@20), so brew takes no version argument.
  brew: {
    name: /^(?:[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*\/)?[a-z0-9][a-z0-9@._+-]*$/,
    nameHint: 'a formula name (lower-case letters, digits and @ . _ + -), optionally user/tap/name',
    version: null,
    versionHint:
      'brew installs one version per formula; choose a versioned formula such as node@20',
  },
  // Package identifiers: Publisher.Name[.More] or a Store id (9NBLGGH4NNS1); the manifest
  // schema allows more punctuation than this, which no catalogue entry we know of uses.
  winget: {
    name: /^[A-Za-z0-9][A-Za-z0-9_+-]*(?:\.[A-Za-z0-9_+-]+)*$/,
    nameHint: 'a package id such as 7zip.7zip: letters, digits and _ + -, in dot-separated parts',
    version: /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
    versionHint: 'letters, digits and . _ + -, e.g. 23.01',
  },
  // NuGet ids and versions (choco packages are NuGet packages).
  choco: {
    name: /^[A-Za-z0-9_]+(?:[._-][A-Za-z0-9_]+)*$/,
    nameHint: 'a package id: letters, digits and _, joined by . or -',
    version: /^\d+(?:\.\d+){0,3}(?:-[A-Za-z0-9][A-Za-z0-9.-]*)?(?:\+[A-Za-z0-9.-]+)?$/,
    versionHint: 'a NuGet version such as 1.2.3 or 1.2.3-beta1',
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

/** Why `version` cannot be asked of `manager`, or null when it can. */
export function packageVersionProblem(manager: PackageManager, version: string): string | null {
  const rule = SYNTAX[manager];
  if (rule.version === null)
    return `a version cannot be chosen with ${manager}: ${rule.versionHint}`;
  if (typeof version !== 'string' || version === '') return 'the version is empty';
  if (version.length > PACKAGE_VERSION_MAX_LENGTH)
    return `a version is at most ${PACKAGE_VERSION_MAX_LENGTH} characters`;
  if (version.startsWith('-'))
    return `versions cannot start with "-" (it would be read as an option)`;
  if (!rule.version.test(version)) return `not a valid ${manager} version: ${rule.versionHint}`;
  return null;
}

/** Whether `manager` can install a chosen version of a package. */
export const packageVersionSupported = (manager: PackageManager): boolean =>
  SYNTAX[manager].version !== null;
