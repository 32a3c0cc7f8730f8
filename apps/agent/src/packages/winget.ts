import { unsupported, withValidChange, withValidPackage } from './common';
import type {
  AdapterContext,
  AvailableUpdate,
  ExitMeaning,
  InstalledPackage,
  PackageAdapter,
  PackageCommand,
} from './types';

// Windows Package Manager. Every command names the package by exact id, agrees to source and
// package agreements up front and never prompts. Its exit codes are HRESULTs (winget-cli
// doc/windows/package-manager/winget/returnCodes.md), keyed here by their unsigned value.

export const WINGET_CODES = {
  NO_APPLICATIONS_FOUND: 0x8a150014,
  UPDATE_NOT_APPLICABLE: 0x8a15002b,
  PACKAGE_ALREADY_INSTALLED: 0x8a150061,
  INSTALL_IN_PROGRESS: 0x8a150102,
  INSTALL_REBOOT_REQUIRED_TO_FINISH: 0x8a150109,
  INSTALL_REBOOT_INITIATED: 0x8a15010b,
  INSTALL_ALREADY_INSTALLED: 0x8a15010d,
} as const;

const EXIT_CODES: Record<number, ExitMeaning> = {
  [WINGET_CODES.NO_APPLICATIONS_FOUND]: 'not-found',
  [WINGET_CODES.UPDATE_NOT_APPLICABLE]: 'nothing-to-do',
  [WINGET_CODES.PACKAGE_ALREADY_INSTALLED]: 'nothing-to-do',
  [WINGET_CODES.INSTALL_ALREADY_INSTALLED]: 'nothing-to-do',
  [WINGET_CODES.INSTALL_REBOOT_REQUIRED_TO_FINISH]: 'reboot-required',
  [WINGET_CODES.INSTALL_REBOOT_INITIATED]: 'reboot-required',
  // Another installation (winget's or Windows Installer's) is running: wait and try again.
  [WINGET_CODES.INSTALL_IN_PROGRESS]: 'lock-held',
  1618: 'lock-held',
};

const COMMON = ['--accept-source-agreements', '--disable-interactivity'];
const CHANGE = ['--silent', '--accept-package-agreements', ...COMMON];

/**
 * Terminal cells a character takes: winget pads its columns to the console's width, in which
 * East Asian wide and fullwidth characters take two cells and combining marks none.
 */
function cells(ch: string): number {
  const c = ch.codePointAt(0) ?? 0;
  if ((c >= 0x300 && c <= 0x36f) || c === 0x200b) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Cuts a row at terminal-cell offsets (the header's column starts) into its cells' text. */
function splitByCells(row: string, starts: readonly number[]): string[] {
  const out = starts.map(() => '');
  let at = 0;
  let column = -1;
  for (const ch of row) {
    while (column + 1 < starts.length && at >= (starts[column + 1] ?? Infinity)) column++;
    if (column >= 0) out[column] += ch;
    at += cells(ch);
  }
  return out.map((c) => c.trim());
}

export interface WingetRow {
  name: string;
  id: string;
  version: string;
  available: string;
  source: string;
}

/**
 * A winget table (`list`, `upgrade`): a header, a rule of dashes, then rows padded to the
 * header's column starts. Columns are taken by position — Name, Id, Version, then Available
 * and Source when present — since the titles are translated. A progress spinner drawn with
 * carriage returns may precede the table; a cell too long for its column ends in "…" and is
 * kept as shown (such an id cannot be used to act on the package). Only the first table is
 * read: `upgrade` may add a second one of packages that need explicit targeting.
 */
export function parseWingetTable(out: string): WingetRow[] {
  const rows = out.split(/\r?\n/).map((l) => l.slice(l.lastIndexOf('\r') + 1).trimEnd());
  const rule = rows.findIndex((l, i) => i > 0 && /^-{10,}$/.test(l.trim()));
  if (rule < 1) return [];
  const header = rows[rule - 1] ?? '';
  const starts: number[] = [];
  let at = 0;
  let previous = ' ';
  for (const ch of header) {
    if (ch !== ' ' && previous === ' ') starts.push(at);
    at += cells(ch);
    previous = ch;
  }
  if (starts.length < 3) return [];
  const result: WingetRow[] = [];
  for (const row of rows.slice(rule + 1)) {
    if (!row.trim()) break;
    const [name = '', id = '', version = '', a = '', b = ''] = splitByCells(row, starts);
    // A footer ("2 upgrades available.") ends before the Id column.
    if (!id || !version) break;
    // With four columns (list of one source) the fourth is Source, not Available.
    const [available, source] = starts.length >= 5 ? [a, b] : ['', a];
    result.push({ name, id, version, available, source });
  }
  return result;
}

export const parseWingetList = (out: string): InstalledPackage[] =>
  parseWingetTable(out).map((r) => ({ name: r.id, version: r.version }));

export const parseWingetUpgrades = (out: string): AvailableUpdate[] =>
  parseWingetTable(out)
    .filter((r) => r.available !== '')
    .map((r) => ({
      name: r.id,
      current: r.version,
      available: r.available,
      security: null,
      kind: 'package',
    }));

export function wingetAdapter(ctx: AdapterContext): PackageAdapter {
  const file = ctx.file ?? 'winget';
  const winget = (args: string[]): PackageCommand => ({
    file,
    args,
    env: {},
    exitCodes: EXIT_CODES,
    lockOutput: /Another installation is already in progress/i,
  });
  const byId = (id: string) => ['--exact', '--id', id];
  const versionArgs = (version: string | undefined) =>
    version === undefined ? [] : ['--version', version];

  return {
    manager: 'winget',
    detect: () => winget(['--version']),
    parseDetect: (out) => /^v?(\d+(?:\.\d+)+\S*)/m.exec(out.trim())?.[1] ?? null,
    refresh: () => winget(['source', 'update', '--disable-interactivity']),
    install: (id, version) =>
      withValidChange('winget', 'install', id, version, () =>
        winget(['install', ...byId(id), ...versionArgs(version), ...CHANGE]),
      ),
    // --version picks one of several side-by-side installed versions to remove.
    uninstall: (id, version) =>
      withValidChange('winget', 'uninstall', id, version, () =>
        winget(['uninstall', ...byId(id), ...versionArgs(version), '--silent', ...COMMON]),
      ),
    // --version: "an exact version to upgrade" to (winget's upgrade docs). The agent has
    // refused an older one before this runs.
    upgrade: (id, version) =>
      withValidChange('winget', 'upgrade', id, version, () =>
        winget(['upgrade', ...byId(id), ...versionArgs(version), ...CHANGE]),
      ),
    listInstalled: () => winget(['list', ...COMMON]),
    parseInstalled: parseWingetList,
    listUpdates: () => [winget(['upgrade', ...COMMON])],
    parseUpdates: ([out = '']) => parseWingetUpgrades(out),
    applyUpdates: (scope) =>
      scope === 'security'
        ? unsupported('winget', 'applying security updates only')
        : winget(['upgrade', '--all', ...CHANGE]),
    installedVersion: (id) =>
      withValidPackage('winget', id, () => winget(['list', ...byId(id), ...COMMON])),
    parseInstalledVersion: (out, id) =>
      parseWingetTable(out).find((r) => r.id.toLowerCase() === id.toLowerCase())?.version ?? null,
  };
}
