import { isSea } from 'node:sea';
import { resolve } from 'node:path';

/** True inside the single-file executable, where the agent is the program itself. */
export function isSingleExecutable(): boolean {
  return isSea();
}

/**
 * The command line that starts this agent again, without its arguments: the executable
 * alone when it is a single-file executable, else this node and the bundle it runs.
 */
export function agentProgram(): string[] {
  if (isSingleExecutable()) return [process.execPath];
  return [process.execPath, resolve(process.argv[1] ?? 'fleetdesk-agent.js')];
}
