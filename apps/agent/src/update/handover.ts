import { spawn } from 'node:child_process';

/**
 * Whether a service manager restarts the agent when it exits: systemd sets INVOCATION_ID for
 * every unit it starts; the service definitions set FLEETDESK_AGENT_SERVICE=1 (launchd and the
 * Windows service have no such marker of their own).
 */
export function underServiceManager(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.INVOCATION_ID) || env.FLEETDESK_AGENT_SERVICE === '1';
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
