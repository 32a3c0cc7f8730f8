/**
 * A counting semaphore: at most `limit` holders at once, the rest wait in FIFO order.
 * `simulate` puts every handshake through one, so thousands of agents come up at a steady
 * rate instead of all opening sockets in the same tick.
 */
export class Gate {
  private active = 0;
  private queue: (() => void)[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free; releasing twice is harmless. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active -= 1;
          this.pump();
        });
      };
      this.queue.push(grant);
      this.pump();
    });
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  private pump(): void {
    while (this.active < this.limit && this.head < this.queue.length) {
      const next = this.queue[this.head];
      this.head += 1;
      next?.();
    }
    // Compact now and then: shift() on a 10k-long queue is quadratic.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
