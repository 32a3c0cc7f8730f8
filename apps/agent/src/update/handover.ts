import { spawn } from 'node:child_process';
import { LAUNCHD_LABEL } from '../service';

/**
 * Whether a service manager restarts the agent when it exits (with ExitCode.UPDATED): systemd
 * sets INVOCATION_ID for every unit it starts, launchd sets XPC_SERVICE_NAME to the job's
 * label; any other manager (a Windows service wrapper) says so with FLEETDESK_AGENT_SERVICE=1.
 * Guessing wrong either way is costly: a manager that restarts the agent while a detached copy
 * also runs gives two agents on one state directory, hence the explicit markers only.
 */
export function underServiceManager(env: NodeJS.ProcessEnv): boolean {
  return (
    Boolean(env.INVOCATION_ID) ||
    env.XPC_SERVICE_NAME === LAUNCHD_LABEL ||
    env.FLEETDESK_AGENT_SERVICE === '1'
  );
}

/**
 * Starts the (new) program with the arguments this one was started with, detached so it
 * outlives this process, writing to the same stdout and stderr. Returns its pid.
 */
export function startDetached(exe: string, args: string[]): number | undefined {
  const child = spawn(exe, args, {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    windowsHide: true,
  });
  child.unref();
  return child.pid;
}
