import { lines } from './common';
import type { InstalledPackage, PackageCommand } from './types';

// What dnf, yum and zypper share: the rpm database, read with rpm itself (fast, no metadata
// download, no lock), and the NEVRA strings their listings print.

const RPM_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\n';

export const rpmQueryAll = (): PackageCommand => ({
  file: 'rpm',
  args: ['-qa', '--queryformat', RPM_FORMAT],
  env: { LC_ALL: 'C' },
  exitCodes: {},
});

/** Callers validate `name` first. rpm exits 1 with "package x is not installed". */
export const rpmQueryOne = (name: string): PackageCommand => ({
  file: 'rpm',
  args: ['-q', '--queryformat', RPM_FORMAT, '--', name],
  env: { LC_ALL: 'C' },
  exitCodes: { 1: 'not-found' },
});

/**
 * `rpm -qa --queryformat '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\n'`. The epoch prints as
 * "(none)" when unset; set, it leads the version as dnf and zypper write it ("2:8.2-1.el9").
 * gpg-pubkey entries are imported signing keys, not packages.
 */
export function parseRpmQuery(out: string): InstalledPackage[] {
  const result: InstalledPackage[] = [];
  for (const line of lines(out)) {
    const [name = '', epoch = '', version = ''] = line.split('\t');
    if (!name || !version || name === 'gpg-pubkey') continue;
    result.push({
      name,
      version: /^\d+$/.test(epoch) && epoch !== '0' ? `${epoch}:${version}` : version,
    });
  }
  return result;
}

export const parseRpmVersion = (out: string, name: string): string | null =>
  parseRpmQuery(out).find((p) => p.name === name)?.version ?? null;

/** "name.arch" → name (arch is the part after the last dot). */
export const stripArch = (nameArch: string): string => {
  const dot = nameArch.lastIndexOf('.');
  return dot > 0 ? nameArch.slice(0, dot) : nameArch;
};

/**
 * "openssl-1:3.0.7-6.el9_2.x86_64" → "openssl": a NEVRA's name is what precedes its last two
 * dash-separated parts (version and release.arch).
 */
export function nevraName(nevra: string): string | null {
  const parts = nevra.split('-');
  return parts.length >= 3 ? parts.slice(0, -2).join('-') : null;
}
