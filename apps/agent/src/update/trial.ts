import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The trial of a new agent binary, from the running agent's side. The new binary is started
 * with `update-trial` against the same state directory; it connects and authenticates as the
 * device (on trial), writes a marker with its version, and exits 0. Anything else — exiting
 * first, exiting non-zero, a wrong version, no marker within the time limit — fails the trial
 * and the running agent stays in place.
 */
export interface TrialChild {
  /** Resolves once, when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  kill(): void;
}

export type TrialSpawner = (
  exe: string,
  args: string[],
  onOutput: (text: string) => void,
) => TrialChild;

export interface TrialOptions {
  exe: string;
  stateDir: string;
  runId: string;
  /** The version the new binary must report. */
  version: string;
  timeoutMs: number;
  spawn?: TrialSpawner;
  /** Output of the new binary (its log lines), for the run's output. */
  onOutput?: (text: string) => void;
  /** After a kill, how long to wait for the process to go. */
  killWaitMs?: number;
}

export type TrialResult = { ok: true } | { ok: false; reason: string };

export interface TrialMarker {
  version: string;
  at: number;
}

export const trialMarkerPath = (stateDir: string, runId: string): string =>
  join(stateDir, `update-trial-${runId}.json`);

export const trialArgs = (stateDir: string, runId: string): string[] => [
  'update-trial',
  '--state-dir',
  stateDir,
  '--run-id',
  runId,
];

async function readMarker(path: string): Promise<TrialMarker | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<TrialMarker>;
    return typeof parsed.version === 'string' && typeof parsed.at === 'number'
      ? { version: parsed.version, at: parsed.at }
      : null;
  } catch {
    return null;
  }
}

export const spawnTrial: TrialSpawner = (exe, args, onOutput) => {
  const child = spawn(exe, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  child.stdout.setEncoding('utf8').on('data', onOutput);
  child.stderr.setEncoding('utf8').on('data', onOutput);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (err) => {
      onOutput(`cannot start ${exe}: ${err.message}\n`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { exited, kill: () => void child.kill('SIGKILL') };
};

export async function runTrial(options: TrialOptions): Promise<TrialResult> {
  const marker = trialMarkerPath(options.stateDir, options.runId);
  const seconds = Math.round(options.timeoutMs / 1000);
  await rm(marker, { force: true });
  const child = (options.spawn ?? spawnTrial)(
    options.exe,
    trialArgs(options.stateDir, options.runId),
    options.onOutput ?? (() => undefined),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const end = await Promise.race([child.exited, timedOut]);
    if (end === 'timeout') {
      child.kill();
      await Promise.race([
        child.exited,
        new Promise((resolve) => setTimeout(resolve, options.killWaitMs ?? 5_000)),
      ]);
      return {
        ok: false,
        reason: `the new version did not reconnect within ${seconds} s; it was stopped and the previous version kept`,
      };
    }
    const proof = await readMarker(marker);
    if (end.code !== 0) {
      const how =
        end.code === null ? `on signal ${end.signal ?? 'unknown'}` : `with code ${end.code}`;
      return {
        ok: false,
        reason: `the new version exited at start-up ${how}${proof ? ' after connecting' : ''}; rolled back to the previous version`,
      };
    }
    if (!proof) {
      return {
        ok: false,
        reason:
          'the new version exited without connecting to the server; rolled back to the previous version',
      };
    }
    if (proof.version !== options.version) {
      return {
        ok: false,
        reason: `the new binary says it is version ${proof.version}, not ${options.version}; rolled back to the previous version`,
      };
    }
    return { ok: true };
  } finally {
    clearTimeout(timer);
    await rm(marker, { force: true });
  }
}
