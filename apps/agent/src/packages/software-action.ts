import { rm } from 'node:fs/promises';
import type { PackageManager, SoftwareRunDetail } from '@fleetdesk/api-types';
import { softwareActionProblem, type SoftwareAction } from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import type { ActionContext, ActionHandler, ActionOutcome } from '../runs/runs';
import { managersFor } from './adapters';
import { runPackageCommand } from './executor';
import { installerCommand, InstallerRefused } from './installer';
import {
  openPackageManager,
  type ChangeResult,
  type PackageManagerOptions,
  type PackageManagerSession,
} from './manager';
import { rebootRequired } from './reboot';
import { isRefusal } from './types';

// The `software` action: install, uninstall or upgrade one package with the device's own
// manager, install a verified uploaded installer, or apply pending updates. The action is
// checked again here (the agent trusts the signature for who sent it, not for what it says),
// before any manager is even asked its version.

export interface SoftwareActionDeps {
  platform?: NodeJS.Platform;
  /** Passed to every manager command (tests hand in a spawner). */
  managerOptions?: PackageManagerOptions;
  open?: typeof openPackageManager;
  /** Downloads and verifies an installer; returns its path. */
  fetchInstaller(installer: NonNullable<SoftwareAction['installer']>): Promise<string>;
  rebootRequired?: typeof rebootRequired;
  /** Something changed on the device: send a fresh inventory. */
  onChanged?(): void;
}

const NOTHING_TO_DO = 'nothing to do';

export function softwareActionHandler(deps: SoftwareActionDeps): ActionHandler<'software'> {
  // One package operation at a time: two managers' runs would only wait on each other's lock.
  let queue: Promise<unknown> = Promise.resolve();
  return (action, ctx) => {
    const next = queue.then(() => perform(deps, action, ctx));
    queue = next.catch(() => undefined);
    return next;
  };
}

async function perform(
  deps: SoftwareActionDeps,
  action: SoftwareAction,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const problem = softwareActionProblem(action);
  if (problem) return { outcome: 'failed', error: `refused, nothing was run: ${problem.reason}` };
  const open = deps.open ?? openPackageManager;
  const options = deps.managerOptions ?? {};
  const platform = deps.platform ?? options.platform ?? process.platform;

  if (action.installer) return installFile(deps, action, ctx, platform);

  // The managers to try, in order: the action's for a package, the OS's for apply_updates.
  const wanted: PackageManager[] =
    action.operation === 'apply_updates'
      ? [...managersFor(platform)]
      : action.packages.map((p) => p.manager).filter((m) => managersFor(platform).includes(m));
  let session: PackageManagerSession | null = null;
  const missing: string[] = [];
  for (const manager of wanted) {
    const opened = await open(manager, options);
    if ('error' in opened) missing.push(opened.error);
    else {
      session = opened;
      break;
    }
  }
  if (!session) {
    const names = (
      action.operation === 'apply_updates' ? wanted : action.packages.map((p) => p.manager)
    ).join(', ');
    return {
      outcome: 'failed',
      error: `no matching package manager on this device: needs one of ${names || '(none for this OS)'}${missing.length ? ` (${missing.join('; ')})` : ''}`,
    };
  }
  ctx.say(`using ${session.manager} ${session.version}`);

  let change: ChangeResult;
  const pkg = action.packages.find((p) => p.manager === session.manager);
  if (pkg?.version !== undefined) ctx.say(`${action.operation} ${pkg.name} ${pkg.version}`);
  switch (action.operation) {
    case 'apply_updates':
      change = await session.applyUpdates(action.securityOnly ? 'security' : 'all');
      break;
    case 'install':
      change = await session.install(pkg!.name, pkg!.version);
      break;
    case 'uninstall':
      change = await session.uninstall(pkg!.name, pkg!.version);
      break;
    case 'upgrade':
      change = await session.upgrade(pkg!.name, pkg!.version);
      break;
  }
  for (const c of change.commands) {
    ctx.say(`ran ${c.file} ${c.args.join(' ')}: exit ${c.exitCode ?? 'none'} (${c.meaning})`);
  }
  if (change.pending) ctx.say(`${change.pending.length} update(s) pending before the run`);
  const reboot =
    change.rebootRequired ||
    (await (deps.rebootRequired ?? rebootRequired)([session.manager], options));
  const detail: SoftwareRunDetail = {
    operation: action.operation,
    manager: session.manager,
    package: pkg?.name ?? null,
    versionBefore: change.versionBefore,
    versionAfter: change.versionAfter,
    rebootRequired: reboot,
    nothingToDo: change.status === 'nothing-to-do',
    ...(change.pending ? { pendingUpdates: change.pending.length } : {}),
  };
  if (pkg)
    ctx.say(
      `${pkg.name}: ${change.versionBefore ?? 'not installed'} -> ${change.versionAfter ?? 'not installed'}`,
    );
  if (reboot) ctx.say('a reboot is required');
  if (change.status === 'nothing-to-do') {
    const why = change.message && change.message !== NOTHING_TO_DO ? `: ${change.message}` : '';
    ctx.say(`${NOTHING_TO_DO}${why}`);
  }
  return finish(deps, change.status, change.message, detail);
}

function finish(
  deps: SoftwareActionDeps,
  status: ChangeResult['status'],
  message: string | undefined,
  detail: SoftwareRunDetail,
): ActionOutcome {
  if (status === 'refused')
    return {
      outcome: 'failed',
      error: `refused, nothing was run: ${message ?? status}`,
      software: detail,
    };
  if (status === 'failed') return { outcome: 'failed', error: message ?? status, software: detail };
  return {
    outcome: 'succeeded',
    software: detail,
    afterResult: status === 'succeeded' ? () => deps.onChanged?.() : undefined,
  };
}

async function installFile(
  deps: SoftwareActionDeps,
  action: SoftwareAction,
  ctx: ActionContext,
  platform: NodeJS.Platform,
): Promise<ActionOutcome> {
  const installer = action.installer!;
  const options = deps.managerOptions ?? {};
  const detail: SoftwareRunDetail = {
    operation: 'install',
    manager: null,
    package: null,
    versionBefore: null,
    versionAfter: null,
    rebootRequired: null,
    nothingToDo: false,
    installerSha256: installer.sha256,
  };
  // Which Linux managers exist decides how a .deb or .rpm is installed.
  const present: PackageManager[] = [];
  if (installer.type === 'deb' || installer.type === 'rpm') {
    for (const m of managersFor(platform)) {
      const opened = await (deps.open ?? openPackageManager)(m, options);
      if (!('error' in opened)) present.push(m);
    }
  }
  // Refuse what cannot be installed here before the download, not after it.
  const probe = installerCommand(installer, 'probe', present);
  if (isRefusal(probe))
    return {
      outcome: 'failed',
      error: `refused, nothing was run: ${probe.refused}`,
      software: detail,
    };

  let file: string;
  ctx.say(`downloading installer ${installer.sha256} (${installer.size} bytes)`);
  try {
    file = await deps.fetchInstaller(installer);
  } catch (err) {
    const refused = err instanceof InstallerRefused;
    return {
      outcome: 'failed',
      error: refused ? errorMessage(err) : `could not download the installer: ${errorMessage(err)}`,
      software: detail,
    };
  }
  ctx.say(`verified SHA-256 ${installer.sha256}`);
  const command = installerCommand(installer, file, present);
  if (isRefusal(command)) return { outcome: 'failed', error: command.refused, software: detail };
  const r = await runPackageCommand(command, options);
  await rm(file, { force: true }).catch(() => undefined);
  ctx.say(`ran ${r.file} ${r.args.join(' ')}: exit ${r.exitCode ?? 'none'} (${r.meaning})`);
  detail.manager = present.find((m) => m === command.file) ?? null;
  detail.rebootRequired =
    r.meaning === 'reboot-required' ||
    (await (deps.rebootRequired ?? rebootRequired)(present, options));
  const ok = r.meaning === 'ok' || r.meaning === 'nothing-to-do' || r.meaning === 'reboot-required';
  return finish(deps, ok ? 'succeeded' : 'failed', r.error, detail);
}
