import { type ChildProcess, spawn } from 'node:child_process';
import { errorMessage } from '../log';
import type { Tail, TailSink, TailVerdict } from './file-tail';
import { LineSplitter } from './line-splitter';

/**
 * `journalctl --follow` arguments as an array (never a shell string). The unit was checked
 * by the protocol (a systemd unit name, never starting with `-`) and goes as `--unit=`,
 * so it cannot be read as another option.
 */
export function journalFollowArgs(unit: string, lastLines: number): string[] {
  // Not --quiet: what journalctl says on stderr ("No journal files were found.") is shown.
  return ['--follow', '--no-pager', '--output=short-iso', `--lines=${lastLines}`, `--unit=${unit}`];
}

/** journalctl's stderr lines passed on to the viewer, at most. */
const MAX_NOTICES = 5;

export interface JournalTailOptions {
  unit: string;
  lastLines: number;
  sink: TailSink;
  /** journalctl as found on PATH, or a test's stand-in. */
  journalctl: string;
}

/** Follows a journald unit through a journalctl child, killed on close. */
export class JournalTail implements Tail {
  verdict: TailVerdict = { ok: false, reason: 'failed', message: 'not started' };
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: JournalTailOptions) {}

  static async start(options: JournalTailOptions): Promise<JournalTail> {
    const tail = new JournalTail(options);
    await tail.begin();
    return tail;
  }

  /** The journalctl child's pid while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private begin(): Promise<void> {
    const { journalctl, unit, lastLines, sink } = this.options;
    const child = spawn(journalctl, journalFollowArgs(unit, lastLines), {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    const splitter = new LineSplitter();
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = splitter.push(chunk);
      if (lines.length > 0 && !this.closed) sink.lines(lines);
    });
    child.stderr?.setEncoding('utf8');
    let notices = 0;
    child.stderr?.on('data', (d: string) => {
      if (stderr.length < 1024) stderr += d;
      // The viewer sees journalctl's own words (no journal, no permission), a few at most.
      for (const line of d.split('\n')) {
        const text = line.trim();
        if (text === '' || this.closed || notices >= MAX_NOTICES) continue;
        notices += 1;
        sink.notice(`journalctl: ${text}`);
      }
    });
    return new Promise<void>((resolve) => {
      this.exited = new Promise<void>((done) => {
        child.once('close', (code, signal) => {
          this.child = null;
          done();
          if (this.closed) return;
          const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`);
          sink.failed('failed', `journalctl stopped: ${why}`.slice(0, 1024));
        });
      });
      child.once('spawn', () => {
        this.verdict = { ok: true, message: `following journald unit ${unit}` };
        resolve();
      });
      child.once('error', (err) => {
        this.child = null;
        const missing = (err as { code?: string }).code === 'ENOENT';
        this.verdict = {
          ok: false,
          reason: missing ? 'unavailable' : 'failed',
          message: missing
            ? `journald is not available on this device (${journalctl} not found)`
            : `journalctl could not start: ${errorMessage(err)}`,
        };
        this.closed = true;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed && !this.child) return;
    this.closed = true;
    this.child?.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(killer);
  }
}
