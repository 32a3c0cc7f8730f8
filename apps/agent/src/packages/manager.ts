import type { PackageManager, UpdateScope } from '@fleetdesk/api-types';
import { createAdapter, DEFAULT_LOCK_WAIT_SECONDS, managersFor } from './adapters';
import { resolveBrew, systemBrewUserDeps, type BrewUserDeps } from './brew-user';
import { runPackageCommand, type CommandResult, type RunCommandOptions } from './executor';
import {
  isRefusal,
  type AdapterContext,
  type AvailableUpdate,
  type ExitMeaning,
  type InstalledPackage,
  type PackageAdapter,
  type PackageCommand,
} from './types';
import { compareWithWanted } from './versions';

// The package managers as the agent's action handlers use them: detect, then one operation at
// a time, each validated before anything runs and each reporting the version before and after.

export interface DetectedManager {
  manager: PackageManager;
  version: string;
}

export interface PackageManagerOptions extends RunCommandOptions {
  /** How long a manager may wait for a lock held by another process, in seconds. */
  lockWaitSeconds?: number;
  /** Who runs brew; default: the owner of the brew installation (see brew-user.ts). */
  brewUser?: BrewUserDeps;
}

export type PackageOperation = 'install' | 'uninstall' | 'upgrade' | 'apply-updates';

/**
 * succeeded: the change was made (and verified where the manager can say). nothing-to-do:
 * already in the wanted state. refused: not run at all (invalid name or version, or the
 * manager does not support the request). failed: ran and did not get there.
 */
export type ChangeStatus = 'succeeded' | 'nothing-to-do' | 'refused' | 'failed';

export interface CommandSummary {
  file: string;
  args: readonly string[];
  exitCode: number | null;
  meaning: ExitMeaning;
  attempts: number;
}

export interface ChangeResult {
  manager: PackageManager;
  operation: PackageOperation;
  status: ChangeStatus;
  package?: string;
  version?: string;
  versionBefore: string | null;
  versionAfter: string | null;
  /** The manager's exit said so (choco/winget 3010, zypper 102); not an OS-wide check. */
  rebootRequired: boolean;
  /** apply-updates: what was pending (of the scope) before it ran. */
  pending?: AvailableUpdate[];
  /** Why, when refused or failed; "nothing to do" when there was nothing to do. */
  message?: string;
  commands: CommandSummary[];
}

export type ListResult<T> = { ok: true; items: T[] } | { ok: false; error: string };

export interface PackageManagerSession {
  readonly manager: PackageManager;
  readonly version: string;
  readonly adapter: PackageAdapter;
  /**
   * `version`, where given, is the version to install, upgrade to or remove; the shared table
   * (api-types packages.ts) says where a manager can choose one, and a refusal runs nothing.
   */
  install(name: string, version?: string): Promise<ChangeResult>;
  uninstall(name: string, version?: string): Promise<ChangeResult>;
  upgrade(name: string, version?: string): Promise<ChangeResult>;
  listInstalled(): Promise<ListResult<InstalledPackage>>;
  /** `refresh` (default true) first updates the manager's metadata where it has a step for it. */
  listUpdates(options?: { refresh?: boolean }): Promise<ListResult<AvailableUpdate>>;
  applyUpdates(scope: UpdateScope, options?: { refresh?: boolean }): Promise<ChangeResult>;
  /** Null when not installed; an error when the manager could not say. */
  installedVersion(name: string): Promise<{ version: string | null } | { error: string }>;
}

const DETECT_TIMEOUT_MS = 30_000;

const summary = (r: CommandResult): CommandSummary => ({
  file: r.file,
  args: r.args,
  exitCode: r.exitCode,
  meaning: r.meaning,
  attempts: r.attempts,
});

async function adapterContext(
  manager: PackageManager,
  options: PackageManagerOptions,
): Promise<Partial<AdapterContext> | { error: string }> {
  const base = { lockWaitSeconds: options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS };
  if (manager !== 'brew' || (options.platform ?? process.platform) === 'win32') return base;
  const found = await resolveBrew(options.brewUser ?? systemBrewUserDeps(options));
  return 'error' in found ? found : { ...base, ...found };
}

/** Runs the manager's version command; null when it is absent or does not answer. */
export async function detectPackageManager(
  manager: PackageManager,
  options: PackageManagerOptions = {},
): Promise<DetectedManager | null> {
  const opened = await openPackageManager(manager, options);
  return 'error' in opened ? null : { manager, version: opened.version };
}

/**
 * The package managers present on this device with their versions, for inventory. Only the
 * ones that belong to the OS are looked for; a manager that is present but cannot run (brew
 * owned by root) is left out.
 */
export async function detectPackageManagers(
  options: PackageManagerOptions = {},
): Promise<DetectedManager[]> {
  const found = await Promise.all(
    managersFor(options.platform ?? process.platform).map((m) => detectPackageManager(m, options)),
  );
  return found.filter((d): d is DetectedManager => d !== null);
}

/**
 * Detects `manager` and returns a session to operate it, or why it cannot be used here.
 */
export async function openPackageManager(
  manager: PackageManager,
  options: PackageManagerOptions = {},
): Promise<PackageManagerSession | { error: string }> {
  const ctx = await adapterContext(manager, options);
  if ('error' in ctx) return { error: ctx.error };
  const probe = createAdapter(manager, ctx);
  const detected = await runPackageCommand(probe.detect(), {
    ...options,
    timeoutMs: Math.min(options.timeoutMs ?? DETECT_TIMEOUT_MS, DETECT_TIMEOUT_MS),
    lockWaitMs: 0,
  });
  const version = detected.meaning === 'ok' ? probe.parseDetect(detected.stdout) : null;
  if (!version) {
    return {
      error: `${manager} is not available on this device${detected.error ? `: ${detected.error}` : ''}`,
    };
  }
  return new Session(
    manager,
    version,
    createAdapter(manager, { ...ctx, managerVersion: version }),
    {
      ...options,
      lockWaitMs:
        options.lockWaitMs ?? (options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS) * 1000,
    },
  );
}

class Session implements PackageManagerSession {
  constructor(
    readonly manager: PackageManager,
    readonly version: string,
    readonly adapter: PackageAdapter,
    private readonly options: RunCommandOptions,
  ) {}

  private run(command: PackageCommand): Promise<CommandResult> {
    return runPackageCommand(command, this.options);
  }

  async installedVersion(name: string): Promise<{ version: string | null } | { error: string }> {
    const command = this.adapter.installedVersion(name);
    if (isRefusal(command)) return { error: command.refused };
    const r = await this.run(command);
    if (r.meaning === 'not-found') return { version: null };
    if (r.meaning !== 'ok') return { error: r.error ?? `${r.file} ${r.meaning}` };
    return { version: this.adapter.parseInstalledVersion(r.stdout, name) };
  }

  async listInstalled(): Promise<ListResult<InstalledPackage>> {
    const r = await this.run(this.adapter.listInstalled());
    if (r.meaning !== 'ok') return { ok: false, error: r.error ?? `${r.file} ${r.meaning}` };
    if (r.truncated) return { ok: false, error: `${r.file}'s listing was too large to read whole` };
    return { ok: true, items: this.adapter.parseInstalled(r.stdout) };
  }

  async listUpdates(options: { refresh?: boolean } = {}): Promise<ListResult<AvailableUpdate>> {
    const refresh = (options.refresh ?? true) ? this.adapter.refresh() : null;
    if (refresh) {
      const r = await this.run(refresh);
      if (!ok(r.meaning)) {
        return {
          ok: false,
          error: `refreshing ${this.manager}'s package lists failed: ${r.error ?? r.meaning}`,
        };
      }
    }
    const outputs: string[] = [];
    for (const command of this.adapter.listUpdates()) {
      const r = await this.run(command);
      // pacman -Qu exits 1 with nothing to list.
      if (r.meaning === 'not-found' && !r.stdout.trim()) {
        outputs.push('');
        continue;
      }
      if (r.meaning !== 'ok') return { ok: false, error: r.error ?? `${r.file} ${r.meaning}` };
      if (r.truncated)
        return { ok: false, error: `${r.file}'s listing was too large to read whole` };
      outputs.push(r.stdout);
    }
    return { ok: true, items: this.adapter.parseUpdates(outputs) };
  }

  install(name: string, version?: string): Promise<ChangeResult> {
    return this.change('install', name, version, this.adapter.install(name, version));
  }

  uninstall(name: string, version?: string): Promise<ChangeResult> {
    return this.change('uninstall', name, version, this.adapter.uninstall(name, version));
  }

  upgrade(name: string, version?: string): Promise<ChangeResult> {
    return this.change('upgrade', name, version, this.adapter.upgrade(name, version));
  }

  /** Whether `installed` is the `wanted` version, as the manager reads `wanted`. */
  private isWanted(installed: string, wanted: string): boolean {
    return compareWithWanted(this.manager, installed, wanted) === 0;
  }

  private async change(
    operation: 'install' | 'uninstall' | 'upgrade',
    name: string,
    version: string | undefined,
    command: ReturnType<PackageAdapter['install']>,
  ): Promise<ChangeResult> {
    const result: ChangeResult = {
      manager: this.manager,
      operation,
      status: 'refused',
      package: name,
      ...(version === undefined ? {} : { version }),
      versionBefore: null,
      versionAfter: null,
      rebootRequired: false,
      commands: [],
    };
    // Validation first: a refused name never reaches a manager, not even its query.
    if (isRefusal(command)) return { ...result, message: command.refused };

    const before = await this.installedVersion(name);
    const known = 'version' in before;
    result.versionBefore = known ? before.version : null;
    if (known && before.version === null && operation !== 'install') {
      return operation === 'uninstall'
        ? { ...result, status: 'nothing-to-do', message: `${name} is not installed` }
        : { ...result, status: 'failed', message: `${name} is not installed; install it instead` };
    }
    // An upgrade goes up or nowhere: an older version is refused before the manager runs
    // (install is the way down, where the manager allows it), the same one is nothing to do.
    if (operation === 'upgrade' && version !== undefined && known && before.version !== null) {
      const order = compareWithWanted(this.manager, before.version, version);
      // Nothing ran, so the version after is the one before.
      if (order > 0) {
        return {
          ...result,
          versionAfter: before.version,
          message: `${name} ${before.version} is installed and ${version} is older; an upgrade does not go to an older version`,
        };
      }
      if (order === 0) {
        return {
          ...result,
          status: 'nothing-to-do',
          versionAfter: before.version,
          message: `${name} ${before.version} is already installed`,
        };
      }
    }

    const r = await this.run(command);
    result.commands.push(summary(r));
    result.rebootRequired = r.meaning === 'reboot-required';
    const after = await this.installedVersion(name);
    result.versionAfter = 'version' in after ? after.version : null;
    if (!ok(r.meaning)) return { ...result, status: 'failed', message: r.error ?? r.meaning };

    // Check the outcome against the manager's own database, where it answered.
    if ('version' in after) {
      // With a version, only that version had to go: winget and choco keep others beside it.
      if (
        operation === 'uninstall' &&
        after.version !== null &&
        (version === undefined || this.isWanted(after.version, version))
      ) {
        return {
          ...result,
          status: 'failed',
          message: `${this.manager} reported success but ${name} ${after.version} is still installed`,
        };
      }
      if (operation !== 'uninstall' && after.version === null) {
        return {
          ...result,
          status: 'failed',
          message: `${this.manager} reported success but ${name} is not installed afterwards`,
        };
      }
      // A version was asked for: ending on any other (the manager kept the old one, or went
      // past it) is a failure, whatever the manager's exit said.
      if (
        operation !== 'uninstall' &&
        version !== undefined &&
        after.version !== null &&
        !this.isWanted(after.version, version)
      ) {
        return {
          ...result,
          status: 'failed',
          message: `${name} ${after.version} is installed afterwards, not the ${version} asked for`,
        };
      }
    }
    const unchanged =
      r.meaning === 'nothing-to-do' ||
      (operation !== 'uninstall' &&
        known &&
        before.version !== null &&
        before.version === result.versionAfter);
    return unchanged
      ? { ...result, status: 'nothing-to-do', message: 'nothing to do' }
      : { ...result, status: 'succeeded' };
  }

  async applyUpdates(
    scope: UpdateScope,
    options: { refresh?: boolean } = {},
  ): Promise<ChangeResult> {
    const result: ChangeResult = {
      manager: this.manager,
      operation: 'apply-updates',
      status: 'refused',
      versionBefore: null,
      versionAfter: null,
      rebootRequired: false,
      commands: [],
    };
    // A manager that cannot do the scope at all says so before anything runs.
    const probe = this.adapter.applyUpdates(scope, []);
    if (probe !== 'nothing-to-do' && isRefusal(probe)) return { ...result, message: probe.refused };

    const listed = await this.listUpdates(options);
    if (!listed.ok) return { ...result, status: 'failed', message: listed.error };
    const pending = listed.items.filter((u) => scope === 'all' || u.security === true);
    result.pending = pending;
    if (pending.length === 0)
      return { ...result, status: 'nothing-to-do', message: 'nothing to do' };

    const command = this.adapter.applyUpdates(scope, listed.items);
    if (command === 'nothing-to-do')
      return { ...result, status: 'nothing-to-do', message: 'nothing to do' };
    if (isRefusal(command)) return { ...result, message: command.refused };
    const r = await this.run(command);
    result.commands.push(summary(r));
    result.rebootRequired = r.meaning === 'reboot-required';
    if (!ok(r.meaning)) return { ...result, status: 'failed', message: r.error ?? r.meaning };
    return r.meaning === 'nothing-to-do'
      ? { ...result, status: 'nothing-to-do', message: 'nothing to do' }
      : { ...result, status: 'succeeded' };
  }
}

const ok = (meaning: ExitMeaning): boolean =>
  meaning === 'ok' || meaning === 'nothing-to-do' || meaning === 'reboot-required';
