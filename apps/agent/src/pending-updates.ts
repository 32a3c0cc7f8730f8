import type { PackageManager, PendingUpdate, UpdatesReport } from '@fleetdesk/api-types';
import { LIMITS } from '@fleetdesk/protocol';
import { errorMessage, type Logger } from './log';
import {
  detectPackageManagers,
  openPackageManager,
  rebootRequired,
  type AvailableUpdate,
  type PackageManagerOptions,
  type PackageManagerSession,
} from './packages';
import { cleanString } from './sanitize';

/** The package-manager calls the report needs, so a test can stand in for them. */
export interface UpdatesDeps {
  detect(options: PackageManagerOptions): Promise<{ manager: PackageManager }[]>;
  open(
    manager: PackageManager,
    options: PackageManagerOptions,
  ): Promise<Pick<PackageManagerSession, 'listUpdates'> | { error: string }>;
  reboot(
    managers: readonly PackageManager[],
    options: PackageManagerOptions,
  ): Promise<boolean | null>;
}

const SYSTEM: UpdatesDeps = {
  detect: detectPackageManagers,
  open: openPackageManager,
  reboot: rebootRequired,
};

export function toPendingUpdate(manager: PackageManager, u: AvailableUpdate): PendingUpdate | null {
  const name = cleanString(u.name, 512);
  if (!name) return null;
  const item: PendingUpdate = { manager, name, available: cleanString(u.available, 256) };
  const current = u.current === null ? '' : cleanString(u.current, 256);
  if (current) item.current = current;
  if (u.security !== null) item.security = u.security;
  return item;
}

/**
 * What each package manager on the device would update, for the inventory frame. Metadata is
 * not refreshed here (the OS's own timers do it, and a refresh on every inventory would hit
 * the mirrors from every device at once); deployments refresh before they apply. A manager
 * whose listing fails is left out of `managers` rather than reported as up to date. Returns
 * undefined when no manager could be read at all, so the server keeps what it had.
 */
export async function collectUpdates(
  log: Logger,
  options: PackageManagerOptions = {},
  deps: UpdatesDeps = SYSTEM,
): Promise<UpdatesReport | undefined> {
  const detected = await deps.detect(options);
  const managers: PackageManager[] = [];
  const pending: PendingUpdate[] = [];
  for (const { manager } of detected) {
    const session = await deps.open(manager, options);
    if ('error' in session) continue;
    const listed = await session.listUpdates({ refresh: false });
    if (!listed.ok) {
      log.warn(`inventory: ${manager} update list failed: ${listed.error}`);
      continue;
    }
    managers.push(manager);
    for (const u of listed.items) {
      const item = toPendingUpdate(manager, u);
      if (item) pending.push(item);
    }
  }
  if (managers.length === 0) return undefined;
  if (pending.length > LIMITS.pendingUpdates) {
    log.warn(
      `inventory: ${pending.length} pending updates; sending ${LIMITS.pendingUpdates} (protocol limit), security first`,
    );
    pending.sort((a, b) => Number(b.security === true) - Number(a.security === true));
  }
  const report: UpdatesReport = { managers, pending: pending.slice(0, LIMITS.pendingUpdates) };
  try {
    const reboot = await deps.reboot(managers, options);
    if (reboot !== null) report.rebootRequired = reboot;
  } catch (err) {
    log.warn(`inventory: reboot check failed: ${errorMessage(err)}`);
  }
  return report;
}
