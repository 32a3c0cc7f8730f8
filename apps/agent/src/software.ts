import { execFile } from 'node:child_process';
import { LIMITS, type SoftwarePackage, type SoftwareSource } from '@fleetdesk/protocol';
import { errorMessage, type Logger } from './log';
import { cleanString } from './sanitize';

/**
 * Installed software from the native package managers. Each collector runs on its own: a
 * missing or broken package manager costs its own packages, never the others'.
 */

/** Runs a program without a shell and resolves with its stdout. */
export type Runner = (command: string, args: string[]) => Promise<string>;

export function execRunner(signal?: AbortSignal): Runner {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        {
          timeout: 120_000,
          maxBuffer: 64 * 1024 * 1024,
          windowsHide: true,
          signal,
          // Untranslated output: the parsers below read English column layouts.
          env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        },
        // Typed as Error: ExecFileException is one, but built from Omit<> so lint can't tell.
        (err: Error | null, stdout: string) => (err ? reject(err) : resolve(stdout)),
      );
    });
}

const lines = (out: string): string[] =>
  out
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter(Boolean);

const pkg = (name: string, version: string, source: SoftwareSource): SoftwarePackage | null => {
  const n = cleanString(name, 512);
  return n ? { name: n, version: cleanString(version, 256), source } : null;
};

const compact = (items: (SoftwarePackage | null)[]): SoftwarePackage[] =>
  items.filter((p): p is SoftwarePackage => p !== null);

/** `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n'`; only installed ("ii"). */
export const parseDpkg = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', version = '', status = 'ii'] = line.split('\t');
      return status.startsWith('ii') ? pkg(name, version, 'dpkg') : null;
    }),
  );

/** `rpm -qa --queryformat '%{NAME}\t%{VERSION}-%{RELEASE}\n'`; gpg-pubkey entries are keys. */
export const parseRpm = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', version = ''] = line.split('\t');
      return name === 'gpg-pubkey' ? null : pkg(name, version, 'rpm');
    }),
  );

/**
 * `apk info -v` ("musl-1.2.4-r2") or `apk list --installed` ("musl-1.2.4-r2 x86_64 {musl}
 * (MIT) [installed]"). The version is the last two dash-separated parts, the second "rN".
 */
export const parseApk = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const token = line.trim().split(/\s+/)[0] ?? '';
      const match = /^(.+)-([^-]+-r\d+)$/.exec(token);
      return match ? pkg(match[1] ?? '', match[2] ?? '', 'apk') : null;
    }),
  );

/** `pacman -Q`: "name version". */
export const parsePacman = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', version = ''] = line.trim().split(/\s+/);
      return pkg(name, version, 'pacman');
    }),
  );

/** `brew list --versions`: "name v1 [v2 …]"; the last is the newest installed. */
export const parseBrew = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', ...versions] = line.trim().split(/\s+/);
      return pkg(name, versions.at(-1) ?? '', 'brew');
    }),
  );

/** `choco list --limit-output`: "name|version". */
export const parseChoco = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', version = ''] = line.split('|');
      return line.includes('|') ? pkg(name, version, 'choco') : null;
    }),
  );

/** `snap list`: a header row, then "Name Version Rev Tracking Publisher Notes". */
export const parseSnap = (out: string): SoftwarePackage[] =>
  compact(
    lines(out)
      .slice(1)
      .map((line) => {
        const [name = '', version = ''] = line.trim().split(/\s+/);
        return pkg(name, version, 'snap');
      }),
  );

/** `flatpak list --app --columns=application,version`: tab separated, version may be empty. */
export const parseFlatpak = (out: string): SoftwarePackage[] =>
  compact(
    lines(out).map((line) => {
      const [name = '', version = ''] = line.split('\t');
      return pkg(name, version, 'flatpak');
    }),
  );

/**
 * `winget list`: a fixed-width table under a header and a dashed rule. Column starts are
 * read from the header, which is localised, so columns are taken by position (Name, Id,
 * Version) rather than by title. A progress spinner may precede the table, drawn with \r.
 */
export function parseWinget(out: string): SoftwarePackage[] {
  const rows = out.split(/\r?\n/).map((l) => l.slice(l.lastIndexOf('\r') + 1).trimEnd());
  const rule = rows.findIndex((l, i) => i > 0 && /^-{10,}$/.test(l.trim()));
  if (rule < 1) return [];
  const header = rows[rule - 1] ?? '';
  const starts = [...header.matchAll(/\S+/g)].map((m) => m.index);
  const [, idStart, versionStart, nextStart] = starts;
  if (idStart === undefined || versionStart === undefined) return [];
  return compact(
    rows.slice(rule + 1).map((row) => {
      if (!row.trim()) return null;
      const name = row.slice(0, idStart).trim();
      const version = row.slice(versionStart, nextStart ?? row.length).trim();
      return pkg(name, version, 'winget');
    }),
  );
}

type Collector = (run: Runner) => Promise<SoftwarePackage[]>;

const simple =
  (command: string, args: string[], parse: (out: string) => SoftwarePackage[]): Collector =>
  async (run) =>
    parse(await run(command, args));

const COLLECTORS: Record<string, Collector> = {
  dpkg: simple(
    'dpkg-query',
    ['-W', '-f', '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'],
    parseDpkg,
  ),
  rpm: simple('rpm', ['-qa', '--queryformat', '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'], parseRpm),
  apk: simple('apk', ['info', '-v'], parseApk),
  pacman: simple('pacman', ['-Q'], parsePacman),
  snap: simple('snap', ['list'], parseSnap),
  flatpak: simple('flatpak', ['list', '--app', '--columns=application,version'], parseFlatpak),
  brew: async (run) => [
    ...parseBrew(await run('brew', ['list', '--formula', '--versions'])),
    ...parseBrew(await run('brew', ['list', '--cask', '--versions'])),
  ],
  winget: simple('winget', ['list', '--accept-source-agreements'], parseWinget),
  // Chocolatey 2 dropped --local-only and lists local packages by default; 1.x needs it.
  choco: async (run) => {
    const major = parseInt(await run('choco', ['--version']), 10);
    const args =
      major >= 2 ? ['list', '--limit-output'] : ['list', '--local-only', '--limit-output'];
    return parseChoco(await run('choco', args));
  },
};

const COLLECTORS_BY_PLATFORM: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['dpkg', 'rpm', 'apk', 'pacman', 'snap', 'flatpak'],
  darwin: ['brew'],
  win32: ['winget', 'choco'],
};

/** The BSDs and the rest get none: their package tools differ and nobody asked yet. */
export const collectorsFor = (platform: NodeJS.Platform): string[] =>
  COLLECTORS_BY_PLATFORM[platform] ?? [];

/** Deduplicated and sorted, so that trimming drops the same packages from run to run. */
export function normalizeSoftware(items: SoftwarePackage[]): SoftwarePackage[] {
  const unique = new Map<string, SoftwarePackage>();
  for (const item of items) unique.set(`${item.source}\0${item.name}\0${item.version}`, item);
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...unique.values()].sort(
    (a, b) => cmp(a.name, b.name) || cmp(a.source, b.source) || cmp(a.version, b.version),
  );
}

export async function collectSoftware(
  platform: NodeJS.Platform,
  log: Logger,
  run: Runner = execRunner(),
): Promise<SoftwarePackage[]> {
  const names = collectorsFor(platform);
  const results = await Promise.allSettled(names.map((name) => COLLECTORS[name]?.(run) ?? []));
  const all: SoftwarePackage[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') all.push(...result.value);
    // ENOENT just means this machine does not use that package manager.
    else if ((result.reason as { code?: unknown }).code !== 'ENOENT') {
      log.warn(`inventory: ${names[i]} package list failed: ${errorMessage(result.reason)}`);
    }
  });
  const software = normalizeSoftware(all);
  if (software.length > LIMITS.softwareItems) {
    log.warn(
      `inventory: ${software.length} packages found; sending the first ${LIMITS.softwareItems} (protocol limit)`,
    );
  }
  return software.slice(0, LIMITS.softwareItems);
}
