import type { PackageManager, UpdateScope } from '@fleetdesk/api-types';

/**
 * What an exit means. `lock-held`: another process holds the manager's lock, so the same
 * command is tried again later; `again`: the manager updated itself and asks to be run again.
 */
export type ExitMeaning =
  'ok' | 'nothing-to-do' | 'reboot-required' | 'not-found' | 'lock-held' | 'again' | 'failed';

/** Another user to run as (POSIX): Homebrew refuses root, so it runs as its prefix's owner. */
export interface RunAs {
  uid: number;
  gid: number;
  user: string;
  home: string;
}

/**
 * One program to run: an argument array (never a shell string), the environment entries
 * added to the agent's, and what its exit codes and output mean. Plain data, so a test can
 * compare it whole.
 */
export interface PackageCommand {
  file: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  /**
   * Exit codes that are not plain failure, keyed by their unsigned 32-bit value (Windows
   * HRESULTs such as 0x8A15002B); 0 means `ok` unless listed.
   */
  exitCodes: Readonly<Record<number, ExitMeaning>>;
  /** Output of a failed run that means another process holds the lock. */
  lockOutput?: RegExp;
  /** Output of a successful run that means nothing changed. */
  nothingOutput?: RegExp;
  runAs?: RunAs;
}

/** A builder's answer when it will not build: the reason, before anything runs. */
export interface Refusal {
  refused: string;
}

export type Build = PackageCommand | Refusal;

export const isRefusal = (value: Build | 'nothing-to-do'): value is Refusal =>
  typeof value === 'object' && 'refused' in value;

export interface InstalledPackage {
  name: string;
  version: string;
}

export interface AvailableUpdate {
  name: string;
  /** The installed version, where the manager reports it. */
  current: string | null;
  available: string;
  /** Null where the manager does not say (pacman, apk, brew, winget, choco). */
  security: boolean | null;
  /** zypper lists security fixes as patches, which name an advisory rather than a package. */
  kind: 'package' | 'patch';
}

/** What each adapter knows about the manager it drives, found by detection. */
export interface AdapterContext {
  /** The manager's own version (`choco` 2 changed its list options; `yum` 4 is dnf). */
  managerVersion?: string;
  /** How long the manager itself may wait for its lock, where it can (apt, zypper, apk). */
  lockWaitSeconds: number;
  /** The program to run, where it is not found on PATH (brew under another prefix). */
  file?: string;
  runAs?: RunAs;
}

/**
 * The builders and parsers for one manager: pure functions, no I/O. Every builder that
 * takes a package name or version validates it against the manager's syntax first and
 * refuses rather than build a command with it.
 */
export interface PackageAdapter {
  readonly manager: PackageManager;
  detect(): PackageCommand;
  parseDetect(stdout: string): string | null;
  /** Refreshes the manager's metadata before updates are listed; null where it must not. */
  refresh(): PackageCommand | null;
  /**
   * A version is built into the arguments only where the shared table (api-types
   * packages.ts) says the manager can choose one for the operation; elsewhere it is refused.
   */
  install(name: string, version?: string): Build;
  uninstall(name: string, version?: string): Build;
  upgrade(name: string, version?: string): Build;
  listInstalled(): PackageCommand;
  parseInstalled(stdout: string): InstalledPackage[];
  /** One command, or more where security comes from a second listing (dnf, zypper). */
  listUpdates(): readonly PackageCommand[];
  parseUpdates(stdouts: readonly string[]): AvailableUpdate[];
  /** `pending` is what listUpdates found; apt needs it to pick the security updates. */
  applyUpdates(scope: UpdateScope, pending: readonly AvailableUpdate[]): Build | 'nothing-to-do';
  installedVersion(name: string): Build;
  /** Null when the package is not installed. */
  parseInstalledVersion(stdout: string, name: string): string | null;
}
