import { access } from 'node:fs/promises';
import type { PackageManager } from '@fleetdesk/api-types';
import { runPackageCommand, type RunCommandOptions } from './executor';
import type { PackageCommand } from './types';

// Whether the device needs a reboot to finish what was installed: each OS family keeps its
// own marker. Debian/Ubuntu write /var/run/reboot-required; RHEL-likes answer through
// needs-restarting -r (exit 1: reboot needed); SUSE through zypper needs-rebooting (exit 102);
// Windows leaves registry keys behind. macOS has no such marker (null: unknown).

/** One way to ask: a file that exists when a reboot is needed, or a command and its exit code. */
export type RebootProbe =
  | { kind: 'file'; path: string }
  | { kind: 'command'; command: PackageCommand; requiredExitCode: number; clearExitCode: number };

const command = (file: string, args: string[]): PackageCommand => ({
  file,
  args,
  env: { LC_ALL: 'C' },
  exitCodes: {},
});

/** Windows' pending-reboot markers; `reg query` exits 0 when the key or value exists. */
const WINDOWS_KEYS: string[][] = [
  ['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending'],
  [
    'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired',
  ],
  [
    'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager',
    '/v',
    'PendingFileRenameOperations',
  ],
];

/** The probes for this OS and these managers, in the order asked. Pure. */
export function rebootProbes(
  platform: NodeJS.Platform,
  managers: readonly PackageManager[],
): RebootProbe[] {
  if (platform === 'win32') {
    return WINDOWS_KEYS.map((key) => ({
      kind: 'command',
      command: command('reg', ['query', ...key]),
      requiredExitCode: 0,
      clearExitCode: 1,
    }));
  }
  if (platform !== 'linux') return [];
  const probes: RebootProbe[] = [];
  if (managers.includes('apt')) probes.push({ kind: 'file', path: '/var/run/reboot-required' });
  if (managers.includes('dnf')) {
    probes.push({
      kind: 'command',
      command: command('dnf', ['needs-restarting', '-r']),
      requiredExitCode: 1,
      clearExitCode: 0,
    });
  } else if (managers.includes('yum')) {
    probes.push({
      kind: 'command',
      command: command('needs-restarting', ['-r']),
      requiredExitCode: 1,
      clearExitCode: 0,
    });
  }
  if (managers.includes('zypper')) {
    probes.push({
      kind: 'command',
      command: command('zypper', ['needs-rebooting']),
      requiredExitCode: 102,
      clearExitCode: 0,
    });
  }
  return probes;
}

export interface RebootCheckOptions extends RunCommandOptions {
  exists?: (path: string) => Promise<boolean>;
}

/**
 * True when any probe says a reboot is needed, false when every probe answered "no", null
 * when none could tell (no probe for this OS, or each failed to run).
 */
export async function rebootRequired(
  managers: readonly PackageManager[],
  options: RebootCheckOptions = {},
): Promise<boolean | null> {
  const exists =
    options.exists ??
    ((path: string) =>
      access(path).then(
        () => true,
        () => false,
      ));
  let answered = false;
  for (const probe of rebootProbes(options.platform ?? process.platform, managers)) {
    if (probe.kind === 'file') {
      if (await exists(probe.path)) return true;
      answered = true;
      continue;
    }
    const r = await runPackageCommand(probe.command, {
      ...options,
      timeoutMs: 60_000,
      lockWaitMs: 0,
    });
    if (r.exitCode === probe.requiredExitCode) return true;
    if (r.exitCode === probe.clearExitCode) answered = true;
  }
  return answered ? false : null;
}
