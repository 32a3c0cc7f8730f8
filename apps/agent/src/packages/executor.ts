import { spawn } from 'node:child_process';
import type { ExitMeaning, PackageCommand } from './types';

/** The part of a child process the executor uses, so a test can hand it a fake. */
export interface ChildLike {
  readonly pid?: number;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(
    event: 'close',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SpawnRequest {
  env: NodeJS.ProcessEnv;
  /** Its own process group on POSIX, so a time-out reaches everything the manager started. */
  detached: boolean;
  uid?: number;
  gid?: number;
}

export type Spawner = (file: string, args: readonly string[], request: SpawnRequest) => ChildLike;

export const nodeSpawner: Spawner = (file, args, request) =>
  spawn(file, [...args], {
    env: request.env,
    detached: request.detached,
    uid: request.uid,
    gid: request.gid,
    shell: false,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export interface RunCommandOptions {
  spawner?: Spawner;
  /** One attempt's limit; then the process group gets SIGTERM, and SIGKILL after the grace. */
  timeoutMs?: number;
  /** How long, in all, to keep retrying while another process holds the manager's lock. */
  lockWaitMs?: number;
  /** Per stream; what is beyond it is dropped and the result marked truncated. */
  maxOutputBytes?: number;
  killGraceMs?: number;
  /** The environment the command's own entries are added to. Default: the agent's. */
  baseEnv?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Ends the command early (a cancelled run): as a time-out does, with this reason. */
  signal?: AbortSignal;
  onOutput?(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /** Test seams: the backoff's sleep and clock, and how a process tree is killed. */
  sleep?(ms: number): Promise<void>;
  now?(): number;
  killTree?(child: ChildLike, signal: NodeJS.Signals): void;
}

export interface CommandResult {
  file: string;
  args: readonly string[];
  meaning: ExitMeaning;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  /** Runs made: more than one when a held lock was waited out (or zypper asked again). */
  attempts: number;
  /** Why it failed, in words, when it did. */
  error?: string;
}

export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_LOCK_WAIT_MS = 10 * 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 10_000;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * What an exit means for this command: a listed exit code first (compared unsigned, as
 * Windows HRESULTs are written), then the lock message on a failure, then "nothing to do"
 * on a success. Pure.
 */
export function interpretExit(
  command: Pick<PackageCommand, 'exitCodes' | 'lockOutput' | 'nothingOutput'>,
  exitCode: number | null,
  output: string,
): ExitMeaning {
  if (exitCode === null) return 'failed';
  const listed = command.exitCodes[exitCode >>> 0];
  if (listed) return listed;
  if (exitCode !== 0) return command.lockOutput?.test(output) ? 'lock-held' : 'failed';
  return command.nothingOutput?.test(output) ? 'nothing-to-do' : 'ok';
}

/** Keeps the first `max` bytes of a stream. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

interface Attempt {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  spawnError?: string;
}

function defaultKillTree(platform: NodeJS.Platform) {
  return (child: ChildLike, signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    if (platform === 'win32') {
      // No process groups: taskkill walks the tree (msiexec children included).
      spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { windowsHide: true }).on(
        'error',
        () => child.kill(signal),
      );
      return;
    }
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
}

function runOnce(
  command: PackageCommand,
  o: Required<Omit<RunCommandOptions, 'signal' | 'onOutput'>> & RunCommandOptions,
): Promise<Attempt> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...o.baseEnv, ...command.env };
    if (command.runAs) {
      env.HOME = command.runAs.home;
      env.USER = env.LOGNAME = command.runAs.user;
    }
    const stdout = new Capture(o.maxOutputBytes);
    const stderr = new Capture(o.maxOutputBytes);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let escalation: NodeJS.Timeout | undefined;
    let child: ChildLike | undefined;

    const stop = () => {
      if (!child) return;
      o.killTree(child, 'SIGTERM');
      const target = child;
      escalation = setTimeout(() => o.killTree(target, 'SIGKILL'), o.killGraceMs);
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    const finish = (
      attempt: Omit<Attempt, 'stdout' | 'stderr' | 'truncated' | 'timedOut' | 'aborted'>,
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(escalation);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({
        ...attempt,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
        aborted,
      });
    };

    const deadline = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs);
    try {
      child = o.spawner(command.file, command.args, {
        env,
        detached: o.platform !== 'win32',
        ...(command.runAs && o.platform !== 'win32'
          ? { uid: command.runAs.uid, gid: command.runAs.gid }
          : {}),
      });
    } catch (err) {
      finish({ exitCode: null, signal: null, spawnError: (err as Error).message });
      return;
    }
    const started = child;
    started.stdout?.on('data', (data: Buffer) => {
      stdout.push(data);
      o.onOutput?.('stdout', data);
    });
    started.stderr?.on('data', (data: Buffer) => {
      stderr.push(data);
      o.onOutput?.('stderr', data);
    });
    started.on('error', (err) => {
      // Before a pid this is the spawn failing; after, the close event follows.
      if (started.pid === undefined) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        finish({
          exitCode: null,
          signal: null,
          spawnError: missing ? `${command.file} was not found on this device` : err.message,
        });
      }
    });
    started.on('close', (code, signal) => finish({ exitCode: code, signal }));
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const lastLines = (text: string, max = 1_000): string => {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(-max)}`;
};

/**
 * Runs one package-manager command without a shell and says what its exit means. While
 * another process holds the manager's lock it tries again with exponential backoff (1 s,
 * 2 s, … 30 s) for up to `lockWaitMs` in all, rather than failing at once. Never rejects.
 */
export async function runPackageCommand(
  command: PackageCommand,
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const platform = options.platform ?? process.platform;
  const o = {
    spawner: nodeSpawner,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    lockWaitMs: DEFAULT_LOCK_WAIT_MS,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    killGraceMs: DEFAULT_KILL_GRACE_MS,
    baseEnv: process.env,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    now: () => Date.now(),
    killTree: defaultKillTree(platform),
    ...options,
    platform,
  };
  const started = o.now();
  let attempts = 0;
  let againLeft = 1;
  let backoff = FIRST_BACKOFF_MS;
  const describe = `${command.file} ${command.args.join(' ')}`.trim();
  for (;;) {
    attempts++;
    const a = await runOnce(command, o);
    const base = {
      file: command.file,
      args: command.args,
      exitCode: a.exitCode,
      signal: a.signal,
      stdout: a.stdout,
      stderr: a.stderr,
      truncated: a.truncated,
      timedOut: a.timedOut,
      attempts,
    };
    if (a.spawnError) return { ...base, meaning: 'failed', error: a.spawnError };
    if (a.aborted) return { ...base, meaning: 'failed', error: `${describe} was stopped` };
    if (a.timedOut) {
      return {
        ...base,
        meaning: 'failed',
        error: `${describe} did not finish within ${Math.round(o.timeoutMs / 1000)} s and was stopped`,
      };
    }
    const meaning = interpretExit(command, a.exitCode, `${a.stdout}\n${a.stderr}`);
    if (meaning === 'lock-held') {
      const waited = o.now() - started;
      if (waited + backoff <= o.lockWaitMs && !o.signal?.aborted) {
        await o.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      return {
        ...base,
        meaning,
        error: `another process held the ${command.file} lock; gave up after waiting ${Math.round(waited / 1000)} s`,
      };
    }
    if (meaning === 'again') {
      if (againLeft-- > 0) continue;
      return { ...base, meaning: 'ok' };
    }
    if (meaning === 'failed' || meaning === 'not-found') {
      const why = lastLines(a.stderr) || lastLines(a.stdout);
      const how =
        a.exitCode === null
          ? `was killed by ${a.signal ?? 'a signal'}`
          : `exited with code ${a.exitCode}`;
      return { ...base, meaning, error: `${describe} ${how}${why ? `: ${why}` : ''}` };
    }
    return { ...base, meaning };
  }
}
