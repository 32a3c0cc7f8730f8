import type { PackageManager } from '@fleetdesk/api-types';
import { apkAdapter } from './apk';
import { aptAdapter } from './apt';
import { brewAdapter } from './brew';
import { chocoAdapter } from './choco';
import { dnfAdapter, yumAdapter } from './dnf';
import { pacmanAdapter } from './pacman';
import type { AdapterContext, PackageAdapter } from './types';
import { wingetAdapter } from './winget';
import { zypperAdapter } from './zypper';

/** One adapter factory per manager; a manager missing here is a compile error. */
export const ADAPTERS: { readonly [M in PackageManager]: (ctx: AdapterContext) => PackageAdapter } =
  {
    apt: aptAdapter,
    dnf: dnfAdapter,
    yum: yumAdapter,
    zypper: zypperAdapter,
    apk: apkAdapter,
    pacman: pacmanAdapter,
    brew: brewAdapter,
    winget: wingetAdapter,
    choco: chocoAdapter,
  };

/** The default time a manager may wait for its own lock (apt, zypper, apk): 5 minutes. */
export const DEFAULT_LOCK_WAIT_SECONDS = 300;

export const createAdapter = (
  manager: PackageManager,
  ctx: Partial<AdapterContext> = {},
): PackageAdapter => ADAPTERS[manager]({ lockWaitSeconds: DEFAULT_LOCK_WAIT_SECONDS, ...ctx });

const BY_PLATFORM: Partial<Record<NodeJS.Platform, readonly PackageManager[]>> = {
  linux: ['apt', 'dnf', 'yum', 'zypper', 'apk', 'pacman', 'brew'],
  darwin: ['brew'],
  win32: ['winget', 'choco'],
};

/** The managers worth looking for on each OS; others have none we drive. */
export const managersFor = (platform: NodeJS.Platform): readonly PackageManager[] =>
  BY_PLATFORM[platform] ?? [];
