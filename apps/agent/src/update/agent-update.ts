import type { KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AgentUpdateAction } from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import type { ActionContext, ActionHandler, ActionOutcome } from '../runs/runs';
import { pickBuild, UpdateRefused } from './build-check';
import { downloadBuild } from './download';
import { nextPath, replaceExecutable } from './replace';
import { runTrial, type TrialSpawner } from './trial';

export const NOT_A_SINGLE_EXECUTABLE =
  'this agent runs from a Node.js bundle; update it with your package manager (self-update replaces only the single-file executable)';

export interface AgentUpdateDeps {
  stateDir: string;
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  serverPublicKey: KeyObject;
  currentVersion: string;
  /** `<os>-<arch>`, see agentPlatformOf. */
  platform: string;
  /** This program's path when it is a single-file executable; null when node runs a bundle. */
  executable: string | null;
  /** Closes the agent's connection so the new binary can connect as the device. */
  suspendConnection(): Promise<void>;
  /** Connects again (after a failed trial). */
  resumeConnection(): void;
  /** Stops this agent (its runs end as on any stop) and lets the new program take over. */
  handOver(): void;
  download?: typeof downloadBuild;
  spawn?: TrialSpawner;
  replace?: (exe: string, next: string) => Promise<void>;
}

/**
 * The `agent_update` action: refuse anything not signed for this platform, download and
 * check the build, try it (the trial), and only then replace this program and hand over.
 *
 * Exactly one report per update: every failure is this run's result, sent by this process
 * from its outbox once it has reconnected. On success the result (`succeeded`) is written to
 * the outbox before the handover; the new program sends it after it connects, and by then
 * the server has already confirmed the run from the version it connected with (a run that
 * is final changes no more).
 */
export function agentUpdateHandler(deps: AgentUpdateDeps): ActionHandler<'agent_update'> {
  let busy = false;
  return async (action, ctx) => {
    if (busy) return { outcome: 'failed', error: 'another agent update is already in progress' };
    busy = true;
    try {
      return await update(deps, action, ctx);
    } finally {
      busy = false;
    }
  };
}

async function update(
  deps: AgentUpdateDeps,
  action: AgentUpdateAction,
  ctx: ActionContext,
): Promise<ActionOutcome> {
  const failed = (error: string): ActionOutcome => ({ outcome: 'failed', error });
  if (deps.currentVersion === action.version) {
    ctx.say(`already running version ${action.version}; nothing to do`);
    return { outcome: 'succeeded' };
  }
  if (!deps.executable) return failed(NOT_A_SINGLE_EXECUTABLE);
  const exe = deps.executable;
  const next = nextPath(exe);

  let build;
  try {
    build = pickBuild(action, deps.platform, deps.serverPublicKey);
    ctx.say(`downloading ${build.platform} ${build.version} (${build.size} bytes)`);
    await (deps.download ?? downloadBuild)({
      serverUrl: deps.serverUrl,
      deviceId: deps.deviceId,
      privateKey: deps.privateKey,
      build,
      dest: next,
    });
    ctx.say(`verified: SHA-256 ${build.sha256}, signed by the server`);
  } catch (err) {
    await rm(next, { force: true }).catch(() => undefined);
    return failed(
      err instanceof UpdateRefused
        ? `refused: ${err.message}`
        : `download failed: ${errorMessage(err)}`,
    );
  }

  ctx.say(
    `trying ${build.version}: the new binary connects on its own (up to ${action.trialTimeoutMs / 1000} s)`,
  );
  await deps.suspendConnection();
  const trial = await runTrial({
    exe: next,
    stateDir: deps.stateDir,
    runId: ctx.runId,
    version: action.version,
    timeoutMs: action.trialTimeoutMs,
    spawn: deps.spawn,
    onOutput: (text) => {
      for (const line of text.split('\n')) if (line.trim()) ctx.say(`[new] ${line}`);
    },
  }).catch((err: unknown) => ({
    ok: false as const,
    reason: `the trial failed: ${errorMessage(err)}`,
  }));
  if (!trial.ok) {
    await rm(next, { force: true }).catch(() => undefined);
    deps.resumeConnection();
    return failed(trial.reason);
  }

  try {
    await (deps.replace ?? replaceExecutable)(exe, next);
  } catch (err) {
    await rm(next, { force: true }).catch(() => undefined);
    deps.resumeConnection();
    return failed(`could not replace ${exe}: ${errorMessage(err)}; the previous version stays`);
  }
  ctx.say(
    `${exe} is now ${action.version} (the previous one is kept as ${exe}.previous); handing over`,
  );
  return { outcome: 'succeeded', afterResult: () => deps.handOver() };
}
