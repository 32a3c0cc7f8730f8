import { exhaustiveList } from './exhaustive-list';
import { packageNameProblem, packageVersionProblem, type PackageManager } from './packages';

// Software deployment: the operations a `software` job action performs, the installer types
// the catalogue accepts, and the rules a deployment request must meet. The server checks a
// request with these, the protocol validator checks the signed action with them again, and
// the agent once more before anything runs; the console uses them to check its form.

export type SoftwareOperation = 'install' | 'uninstall' | 'upgrade' | 'apply_updates';
export const SOFTWARE_OPERATIONS = exhaustiveList<SoftwareOperation>()([
  'install',
  'uninstall',
  'upgrade',
  'apply_updates',
]);

/** Uploaded installer kinds, named by their file extension. */
export type InstallerType = 'deb' | 'rpm' | 'msi' | 'pkg' | 'exe';
export const INSTALLER_TYPES = exhaustiveList<InstallerType>()(['deb', 'rpm', 'msi', 'pkg', 'exe']);

/** The installer type of a file name (by its extension), or null when it is none of them. */
export function installerTypeOf(fileName: string): InstallerType | null {
  const ext = /\.([A-Za-z]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (INSTALLER_TYPES as readonly string[]).includes(ext ?? '') ? (ext as InstallerType) : null;
}

export const SOFTWARE_LIMITS = {
  titleNameLength: 200,
  publisherLength: 200,
  /** One package per manager at most. */
  packagesPerTitle: 9,
  silentArgs: 32,
  silentArgLength: 256,
  fileNameLength: 255,
  /** Default upload limit (SOFTWARE_UPLOAD_MAX_BYTES overrides it): 2 GiB. */
  uploadMaxBytes: 2 * 1024 * 1024 * 1024,
} as const;

/** Why `arg` cannot be one silent-install argument, or null. Argument arrays: no shell here. */
export function silentArgProblem(arg: string): string | null {
  if (typeof arg !== 'string') return 'a silent argument must be a string';
  if (arg.length === 0) return 'a silent argument cannot be empty';
  if (arg.length > SOFTWARE_LIMITS.silentArgLength)
    return `a silent argument is at most ${SOFTWARE_LIMITS.silentArgLength} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(arg))
    return 'a silent argument cannot contain control characters';
  return null;
}

/** A package a deployment names for one manager, with an optional version pin. */
export interface SoftwarePackageRef {
  manager: PackageManager;
  name: string;
  version?: string;
}

/**
 * Why this set of per-manager packages cannot be deployed with `operation`, or null: each
 * version must be one its manager can choose for that operation (packages.ts). A catalogue
 * title's pins are install pins, so a title is checked as an install.
 */
export function softwarePackagesProblem(
  packages: readonly SoftwarePackageRef[],
  operation: SoftwareOperation,
): string | null {
  const seen = new Set<PackageManager>();
  for (const p of packages) {
    if (seen.has(p.manager)) return `${p.manager} is listed twice; give one package per manager`;
    seen.add(p.manager);
    const name = packageNameProblem(p.manager, p.name);
    if (name) return `${p.manager} package "${String(p.name).slice(0, 64)}": ${name}`;
    if (p.version !== undefined) {
      const version =
        operation === 'apply_updates'
          ? 'apply_updates takes no version'
          : packageVersionProblem(p.manager, p.version, operation);
      if (version) return `${p.manager} version "${String(p.version).slice(0, 64)}": ${version}`;
    }
  }
  return null;
}

/**
 * What a `software` run reports besides its state: the manager it used, the version before
 * and after, whether the device now needs a reboot, and for apply_updates how many updates
 * were pending. Stored with the run and returned with it.
 */
export interface SoftwareRunDetail {
  operation: SoftwareOperation;
  /** The manager used; null for an installer run of a kind that needs none (msi, exe, pkg). */
  manager: PackageManager | null;
  package: string | null;
  versionBefore: string | null;
  versionAfter: string | null;
  /** True or false where the OS could tell; null where it could not. */
  rebootRequired: boolean | null;
  /** The device was already in the wanted state. */
  nothingToDo: boolean;
  /** apply_updates: the updates (of the scope) pending before it ran. */
  pendingUpdates?: number;
  /** An installer run: the SHA-256 the agent verified before running it. */
  installerSha256?: string;
}

// ---- REST shapes ------------------------------------------------------------------------

/** The software part of `POST /api/jobs`, given in place of `script` or `command`. */
export interface JobSoftwareSpec {
  operation: SoftwareOperation;
  /** A catalogue title: the device uses the first of its managers it has. */
  titleId?: string;
  /** An uploaded installer (install only). */
  installerId?: string;
  /** One package for one manager, without a catalogue title. */
  package?: { manager: PackageManager; name: string };
  /** Overrides the title's pins; must suit each manager it is sent for. */
  version?: string;
  /** apply_updates: only security updates (where the manager says which those are). */
  securityOnly?: boolean;
}

export interface SoftwareTitleResponse {
  id: string;
  name: string;
  publisher: string | null;
  packages: SoftwarePackageRef[];
  createdAt: string;
  updatedAt: string;
}

export interface CreateSoftwareTitleRequest {
  name: string;
  publisher?: string;
  packages: SoftwarePackageRef[];
}

export type UpdateSoftwareTitleRequest = Partial<CreateSoftwareTitleRequest>;

export interface SoftwareInstallerResponse {
  id: string;
  fileName: string;
  type: InstallerType;
  sha256: string;
  size: number;
  silentArgs: string[];
  createdAt: string;
  createdBy: { id: string | null; email: string | null };
}
