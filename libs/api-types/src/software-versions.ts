import type { SoftwareSource } from './wire';

// Version order per package manager, so "older than the newest seen in the fleet" means what
// the manager itself would say. The server uses it to pick the newest version of a package,
// the console to mark outdated rows; both read it from here.

/** Which ordering a source's versions follow. */
export type VersionScheme = 'dpkg' | 'rpm' | 'generic';

const SCHEMES: { readonly [S in SoftwareSource]: VersionScheme } = {
  dpkg: 'dpkg',
  rpm: 'rpm',
  // libalpm's vercmp is rpmvercmp over [epoch:]version[-release].
  pacman: 'rpm',
  // apk (1.2.3_rc1-r2), Homebrew, winget, Chocolatey (NuGet), snap and flatpak all read as
  // dotted numbers with an optional pre-release tag; close enough to order them the same way.
  apk: 'generic',
  brew: 'generic',
  winget: 'generic',
  choco: 'generic',
  snap: 'generic',
  flatpak: 'generic',
  other: 'generic',
};

export const versionScheme = (source: SoftwareSource): VersionScheme => SCHEMES[source];

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** Compares two digit runs as numbers without parsing them (they may exceed 2^53). */
function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return sign(x.length - y.length);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Splits `[epoch:]rest` with the epoch as a digit string ('0' when absent). */
function splitEpoch(v: string): [string, string] {
  const m = /^(\d+):(.*)$/.exec(v);
  return m ? [m[1] ?? '0', m[2] ?? ''] : ['0', v];
}

// ---- dpkg (deb-version(7), dpkg's verrevcmp) ------------------------------------------------

/** Sort weight of one character in a non-digit run: ~ first, end of string, letters, then the rest. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

function verrevcmp(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

export function compareDpkgVersions(a: string, b: string): -1 | 0 | 1 {
  const [ea, ra] = splitEpoch(a);
  const [eb, rb] = splitEpoch(b);
  const byEpoch = compareDigits(ea, eb);
  if (byEpoch) return byEpoch;
  // The revision is after the last hyphen; a version without one has revision "".
  const cut = (s: string): [string, string] => {
    const k = s.lastIndexOf('-');
    return k < 0 ? [s, ''] : [s.slice(0, k), s.slice(k + 1)];
  };
  const [ua, va] = cut(ra);
  const [ub, vb] = cut(rb);
  return verrevcmp(ua, ub) || verrevcmp(va, vb);
}

// ---- rpm (rpmvercmp, with ~ and ^ as in rpm 4.15) -----------------------------------------

function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const separator = (c: string | undefined) =>
    c !== undefined && !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^';
  while (i < a.length || j < b.length) {
    while (i < a.length && separator(a[i])) i++;
    while (j < b.length && separator(b[j])) j++;
    // Tilde sorts before everything, even the end of the string.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // Caret sorts after the end of the string but before any other segment.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const take = (s: string, k: number): string => {
      let e = k;
      while (e < s.length && (numeric ? isDigit(s[e]) : isAlpha(s[e]))) e++;
      return s.slice(k, e);
    };
    const sa = take(a, i);
    const sb = take(b, j);
    i += sa.length;
    j += sb.length;
    // A numeric segment is newer than an alphabetic one.
    if (sb === '') return numeric ? 1 : -1;
    if (numeric) {
      const c = compareDigits(sa, sb);
      if (c) return c;
    } else if (sa !== sb) {
      return sa < sb ? -1 : 1;
    }
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function compareRpmVersions(a: string, b: string): -1 | 0 | 1 {
  const [ea, ra] = splitEpoch(a);
  const [eb, rb] = splitEpoch(b);
  const byEpoch = compareDigits(ea, eb);
  if (byEpoch) return byEpoch;
  const cut = (s: string): [string, string | null] => {
    const k = s.lastIndexOf('-');
    return k < 0 ? [s, null] : [s.slice(0, k), s.slice(k + 1)];
  };
  const [va, rela] = cut(ra);
  const [vb, relb] = cut(rb);
  const byVersion = rpmvercmp(va, vb);
  if (byVersion) return byVersion;
  // A release on one side only does not decide (rpm's rule when one EVR omits it).
  return rela !== null && relb !== null ? rpmvercmp(rela, relb) : 0;
}

// ---- generic (semver-ish) ----------------------------------------------------------------

/** Numbers compare as numbers, words as text, a number is newer than a word. */
function compareParts(a: string, b: string): -1 | 0 | 1 {
  const pa = a.match(/\d+|[A-Za-z]+/g) ?? [];
  const pb = b.match(/\d+|[A-Za-z]+/g) ?? [];
  for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
    const x = pa[k];
    const y = pb[k];
    if (x === undefined) return y !== undefined && isDigit(y[0]) && /^0+$/.test(y) ? 0 : -1;
    if (y === undefined) return isDigit(x[0]) && /^0+$/.test(x) ? 0 : 1;
    const xd = isDigit(x[0]);
    const yd = isDigit(y[0]);
    if (xd && yd) {
      const c = compareDigits(x, y);
      if (c) return c;
    } else if (xd !== yd) {
      return xd ? 1 : -1;
    } else {
      const c = x.toLowerCase() < y.toLowerCase() ? -1 : x.toLowerCase() > y.toLowerCase() ? 1 : 0;
      if (c) return c;
    }
  }
  return 0;
}

/**
 * `v1.2.3`, `23.01`, `1.2.3-beta.1+build`, apk's `1.2.3_rc1-r2`: build metadata (+…) is
 * ignored; a pre-release tag (-beta, _rc1, ~pre) is older than the release it precedes;
 * apk's `-rN` release compares last.
 */
export function compareGenericVersions(a: string, b: string): -1 | 0 | 1 {
  const parse = (v: string) => {
    let s = v.trim().replace(/^[vV](?=\d)/, '');
    s = s.split('+')[0] ?? '';
    const rel = /-r(\d+)$/.exec(s);
    if (rel) s = s.slice(0, rel.index);
    const pre = /[-_~](?=[A-Za-z])/.exec(s);
    return {
      main: pre ? s.slice(0, pre.index) : s,
      pre: pre ? s.slice(pre.index + 1) : null,
      rel: rel?.[1] ?? '0',
    };
  };
  const x = parse(a);
  const y = parse(b);
  const byMain = compareParts(x.main, y.main);
  if (byMain) return byMain;
  if (x.pre !== y.pre) {
    if (x.pre === null) return 1;
    if (y.pre === null) return -1;
    const byPre = compareParts(x.pre, y.pre);
    if (byPre) return byPre;
  }
  return compareDigits(x.rel, y.rel);
}

const COMPARE: { readonly [S in VersionScheme]: (a: string, b: string) => -1 | 0 | 1 } = {
  dpkg: compareDpkgVersions,
  rpm: compareRpmVersions,
  generic: compareGenericVersions,
};

/**
 * Orders two versions of one package as its manager would: negative when `a` is older.
 * An empty version (the manager did not say) is older than any other.
 */
export function compareVersions(source: SoftwareSource, a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  return COMPARE[SCHEMES[source]](a, b);
}

/** The newest of `versions` by `source`'s rules, or null for an empty list. */
export function newestVersion(source: SoftwareSource, versions: readonly string[]): string | null {
  let best: string | null = null;
  for (const v of versions) if (best === null || compareVersions(source, v, best) > 0) best = v;
  return best;
}
