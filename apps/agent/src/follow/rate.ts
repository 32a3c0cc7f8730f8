/**
 * A token bucket per follow, in lines and in bytes: each holds at most one second's worth
 * (the burst) and refills continuously. A line passes only if both buckets have room; a line
 * that does not is dropped and counted, never queued, so a chatty log costs the agent at
 * most its budget of socket and CPU, whatever it writes.
 */
export class TokenBucket {
  private lines: number;
  private bytes: number;
  private last: number;

  constructor(
    private readonly linesPerSecond: number,
    private readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lines = linesPerSecond;
    this.bytes = bytesPerSecond;
    this.last = now();
  }

  /** Takes one line of `size` bytes if both buckets allow it. */
  take(size: number): boolean {
    this.refill();
    // A line longer than the whole byte budget still passes when the bucket is full, else it
    // could never be shown; it empties the bucket.
    const bytes = Math.min(size, this.bytesPerSecond);
    if (this.lines < 1 || this.bytes < bytes) return false;
    this.lines -= 1;
    this.bytes -= bytes;
    return true;
  }

  private refill(): void {
    const now = this.now();
    const seconds = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.lines = Math.min(this.linesPerSecond, this.lines + seconds * this.linesPerSecond);
    this.bytes = Math.min(this.bytesPerSecond, this.bytes + seconds * this.bytesPerSecond);
  }
}
