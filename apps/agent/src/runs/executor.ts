import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMITS, type RunOutcome, type RunSpec } from '@fleetdesk/protocol';
import { errorMessage, type Logger } from '../log';
import { clipText } from '../sanitize';
import { SCRIPT_FILE_NAMES, scriptCommand, type ScriptCommand } from './command';
import type { OutputStream } from './output';

/** How an execution ended, as the run's result reports it. */
export interface ExecutionEnd {
  outcome: RunOutcome;
  exitCode?: number;
  signal?: string;
  error?: string;
}

/** Ways to end a run early; each becomes the run's outcome. */
export type StopReason = 'cancelled' | 'interrupted';

export interface ExecutionOptions {
  spec: Pick<RunSpec, 'runId' | 'language' | 'script' | 'env' | 'args' | 'timeoutMs'>;
  onOutput(stream: OutputStream, data: Buffer): void;
  log: Logger;
  /** The environment the script's own entries are added to. Default: the agent's. */
  baseEnv?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** After SIGTERM, the process group gets this long before SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Where run directories are made. Default: the OS temp dir. */
  tmpRoot?: string;
}

export interface Execution {
  /** Settles once the process is gone and its directory removed. Never rejects. */
  readonly done: Promise<ExecutionEnd>;
  /** Kills the process tree (or keeps it from starting); the outcome becomes `reason`. */
  stop(reason: StopReason, error: string): void;
}

export const DEFAULT_KILL_GRACE_MS = 5_000;
/** After the script exits, how long its pipes get to drain before they are cut. */
const DRAIN_MS = 2_000;

export const runDirPrefix = (runId: string): string => `fleetdesk-run-${runId}-`;

/** Starts running the spec's script; see `Execution`. */
export function startExecution(options: ExecutionOptions): Execution {
  return new ScriptExecution(options);
}

/**
 * Removes what a run that died with the agent left in the temp dir. Best effort: the
 * directory may be gone, or still in use by a process that outlived the agent.
 */
export async function removeRunDirs(runId: string, tmpRoot = tmpdir()): Promise<void> {
  const prefix = runDirPrefix(runId);
  const names = await readdir(tmpRoot).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map((name) =>
        rm(join(tmpRoot, name), { recursive: true, force: true }).catch(() => undefined),
      ),
  );
}

const clip = (text: string) => clipText(text, LIMITS.errorMessageLength);

/**
 * One script run: a fresh 0700 directory with the script in it, the interpreter spawned
 * without a shell, parameters only in the environment. On POSIX the script leads its own
 * process group, so the deadline, a cancel and the end of the script reach everything it
 * started; on Windows `taskkill /T` walks the tree. Owns its timers and its child.
 */
class ScriptExecution implements Execution {
  readonly done: Promise<ExecutionEnd>;
  private child: ChildProcess | undefined;
  private exited = false;
  private stopping: { outcome: RunOutcome; error: string } | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private escalation: NodeJS.Timeout | undefined;
  private drain: NodeJS.Timeout | undefined;
  private readonly platform: NodeJS.Platform;

  constructor(private readonly options: ExecutionOptions) {
    this.platform = options.platform ?? process.platform;
    this.done = this.run().catch((err: unknown) => ({
      outcome: 'failed' as const,
      error: clip(`the agent could not run the script: ${errorMessage(err)}`),
    }));
  }

  stop(reason: StopReason, error: string): void {
    this.stopWith(reason, error);
  }

  private async run(): Promise<ExecutionEnd> {
    const { spec } = this.options;
    const dir = await mkdtemp(join(this.options.tmpRoot ?? tmpdir(), runDirPrefix(spec.runId)));
    try {
      await chmod(dir, 0o700);
      const file = join(dir, SCRIPT_FILE_NAMES[spec.language]);
      // Windows PowerShell 5.1 reads a .ps1 without a BOM in the ANSI code page.
      const bom = spec.language === 'powershell' && this.platform === 'win32' ? '\ufeff' : '';
      await writeFile(file, bom + spec.script, { mode: 0o700, flag: 'wx' });
      const command = scriptCommand(spec.language, file, spec.args, {
        platform: this.platform,
        execPath: process.execPath,
      });
      if (this.stopping) return { outcome: this.stopping.outcome, error: this.stopping.error };
      if ('error' in command) return { outcome: 'failed', error: clip(command.error) };
      return await this.spawnAndWait(command, dir);
    } finally {
      this.clearTimers();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((err: unknown) =>
        this.options.log.warn(
          `run ${spec.runId}: could not remove ${dir}: ${errorMessage(err)}`,
          'run dir not removed',
        ),
      );
    }
  }

  private spawnAndWait(command: ScriptCommand, dir: string): Promise<ExecutionEnd> {
    const { spec } = this.options;
    const env: NodeJS.ProcessEnv = { ...(this.options.baseEnv ?? process.env) };
    // Temporary files land in the run's own directory, which is removed after the run even
    // when the script is killed. (The server refuses parameters named TMPDIR, TEMP or TMP.)
    if (this.platform === 'win32') env.TEMP = env.TMP = dir;
    else env.TMPDIR = dir;
    for (const { name, value } of spec.env) env[name] = value;

    return new Promise<ExecutionEnd>((resolve) => {
      let settled = false;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const settle = (end: ExecutionEnd) => {
        if (settled) return;
        settled = true;
        this.clearTimers();
        resolve(end);
      };

      let child: ChildProcess;
      try {
        child = spawn(command.file, command.args, {
          cwd: dir,
          env,
          shell: false,
          // Its own process group on POSIX, so one signal reaches the whole tree.
          detached: this.platform !== 'win32',
          windowsHide: true,
          windowsVerbatimArguments: command.windowsVerbatimArguments,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        settle({
          outcome: 'failed',
          error: clip(`could not start ${command.file}: ${errorMessage(err)}`),
        });
        return;
      }
      this.child = child;
      child.stdout?.on('data', (data: Buffer) => this.options.onOutput('stdout', data));
      child.stderr?.on('data', (data: Buffer) => this.options.onOutput('stderr', data));

      child.on('error', (err) => {
        // Before a pid, this is the spawn failing (ENOENT: the interpreter is not installed).
        if (child.pid === undefined) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          settle({
            outcome: 'failed',
            error: clip(
              missing
                ? `${command.file} was not found on this device; install it to run ${spec.language} scripts`
                : `could not start ${command.file}: ${errorMessage(err)}`,
            ),
          });
        } else {
          this.options.log.warn(`run ${spec.runId}: ${errorMessage(err)}`, 'run process error');
        }
      });
      child.on('exit', (code, signal) => {
        this.exited = true;
        exit = { code, signal };
        clearTimeout(this.deadline);
        clearTimeout(this.escalation);
        // The run is its process group: what the script left running goes with it, so
        // nothing outlives its run (a lasting service belongs to the service manager).
        this.signalGroup('SIGKILL');
        this.drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          settle(this.classify(code, signal));
        }, DRAIN_MS);
      });
      child.on('close', () => {
        if (exit) settle(this.classify(exit.code, exit.signal));
      });

      this.deadline = setTimeout(
        () =>
          this.stopWith(
            'timed_out',
            `timed out after ${spec.timeoutMs} ms; the process tree was killed`,
          ),
        spec.timeoutMs,
      );
    });
  }

  private stopWith(outcome: RunOutcome, error: string): void {
    if (this.stopping || this.exited) return;
    this.stopping = { outcome, error };
    // Not spawned yet: run() sees `stopping` and never spawns.
    if (this.child) this.killTree();
  }

  private classify(code: number | null, signal: NodeJS.Signals | null): ExecutionEnd {
    const end: ExecutionEnd = { outcome: 'failed' };
    if (code !== null) end.exitCode = code;
    if (signal !== null) end.signal = signal;
    if (this.stopping) {
      end.outcome = this.stopping.outcome;
      end.error = this.stopping.error;
    } else if (code === 0) {
      end.outcome = 'succeeded';
    } else if (code === null) {
      end.error = `the script was killed by ${signal ?? 'a signal'}`;
    }
    return end;
  }

  private killTree(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited) return;
    if (this.platform === 'win32') {
      const taskkill = spawn('taskkill', ['/pid', String(pid), '/T', '/F'], {
        windowsHide: true,
        stdio: 'ignore',
      });
      taskkill.on('error', (err) =>
        this.options.log.warn(`taskkill failed: ${errorMessage(err)}`, 'taskkill failed'),
      );
      return;
    }
    this.signalGroup('SIGTERM');
    this.escalation = setTimeout(
      () => this.signalGroup('SIGKILL'),
      this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    );
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.platform === 'win32') return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      // ESRCH: the group is already gone, which is the point.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
        this.options.log.warn(
          `run ${this.options.spec.runId}: could not send ${signal}: ${errorMessage(err)}`,
          'kill failed',
        );
      }
    }
  }

  private clearTimers(): void {
    clearTimeout(this.deadline);
    clearTimeout(this.escalation);
    clearTimeout(this.drain);
  }
}
