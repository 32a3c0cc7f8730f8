/**
 * Native package managers on the device: one adapter per manager (pure builders and parsers),
 * an executor that runs a built command without a shell, and sessions that put them together
 * for the agent's software actions and inventory.
 */
export { ADAPTERS, createAdapter, managersFor, DEFAULT_LOCK_WAIT_SECONDS } from './adapters';
export {
  detectPackageManager,
  detectPackageManagers,
  openPackageManager,
  type ChangeResult,
  type ChangeStatus,
  type CommandSummary,
  type DetectedManager,
  type ListResult,
  type PackageManagerOptions,
  type PackageManagerSession,
  type PackageOperation,
} from './manager';
export {
  interpretExit,
  nodeSpawner,
  runPackageCommand,
  type ChildLike,
  type CommandResult,
  type RunCommandOptions,
  type SpawnRequest,
  type Spawner,
} from './executor';
export {
  resolveBrew,
  systemBrewUserDeps,
  type BrewResolution,
  type BrewUserDeps,
} from './brew-user';
export type * from './types';
export { isRefusal } from './types';
export { rebootProbes, rebootRequired, type RebootCheckOptions, type RebootProbe } from './reboot';
