import { Logger } from '@nestjs/common';

/**
 * Runs `pass` every `everyMs` until stopped: one pass at a time (a slow pass delays the next,
 * never overlaps it), a failed pass is logged and the loop goes on, and `stop()` waits for a
 * pass under way so nothing touches the database pool after shutdown.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger = new Logger(name),
  ) {}

  start(): void {
    if (this.everyMs > 0) this.arm();
  }

  /** Runs one pass now (after any under way); tests and "send now" use it. */
  runOnce(): Promise<void> {
    this.running = this.running.then(async () => {
      if (this.stopped) return;
      try {
        await this.pass();
      } catch (e) {
        this.logger.error(`${this.name} pass failed: ${(e as Error).message}`, (e as Error).stack);
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce().then(() => this.arm()), this.everyMs);
    this.timer.unref();
  }
}
