export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** Injected for tests; must return a value in [0, 1). */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: delay = random(0, min(cap, base * 2^attempt)).
 * Full jitter spreads a fleet's reconnects evenly over the window, so a restarted server
 * is not hit by every agent in the same second.
 */
export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 1_000;
    this.capMs = options.capMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.attempts;
  }

  /** The upper bound of the next delay. */
  ceiling(): number {
    // Past 2^30 the cap has long been reached; stop the exponent before it overflows.
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempts, 30));
  }

  /** The delay before the next attempt; each call counts one more failed attempt. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempts += 1;
    return delay;
  }

  reset(): void {
    this.attempts = 0;
  }
}
