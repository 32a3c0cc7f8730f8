/**
 * Agent frames are handled in short slices, with a yield to the event loop between them.
 *
 * Why: one turn of the event loop reads every socket that has data, up to a thousand at a
 * time, and used to handle each frame on the spot. During a fan-out ten thousand agents
 * answer within a second or two, so a turn could spend tens of milliseconds on agent frames,
 * and a console request, which needs four or five database round trips, one per turn, waited
 * that long for each of them. Queued here, agent frames take at most `sliceMs` of a turn, and
 * the database replies and HTTP requests in between go first (setImmediate runs after I/O).
 *
 * Frames keep their arrival order (one queue for every socket, so each device's order holds).
 * If handling falls far behind, the sockets that keep sending are paused (TCP backpressure
 * reaches the agents) until the queue has drained to half: nothing is dropped.
 */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FrameScheduler {
  private queue: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private readonly paused = new Set<Pausable>();

  constructor(
    private readonly sliceMs = 5,
    private readonly highWater = 20_000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Queues `task` (the handling of one frame that `source` delivered). */
  push(source: Pausable, task: () => void): void {
    this.queue.push(task);
    if (this.queued >= this.highWater && !this.paused.has(source)) {
      this.paused.add(source);
      source.pause();
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  /** A source that went away must not be resumed later (or kept alive by this set). */
  forget(source: Pausable): void {
    this.paused.delete(source);
  }

  private readonly drain = (): void => {
    const start = performance.now();
    while (this.head < this.queue.length) {
      const task = this.queue[this.head];
      this.queue[this.head] = noop;
      this.head += 1;
      try {
        task();
      } catch (error) {
        this.onError(error);
      }
      if (performance.now() - start >= this.sliceMs) break;
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 4096) {
      // Drop the handled prefix now and then instead of shifting one by one.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused.size && this.queued <= this.highWater / 2) {
      for (const source of this.paused) source.resume();
      this.paused.clear();
    }
    this.scheduled = this.queued > 0;
    if (this.scheduled) setImmediate(this.drain);
  };
}

const noop = (): void => undefined;
