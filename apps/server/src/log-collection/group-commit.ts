import { Logger } from '@nestjs/common';

/** What one item of a batch comes to: its answer, or the error it alone fails with. */
export type Outcome<O> = { ok: O } | { error: unknown };

interface Waiting<I, O> {
  item: I;
  resolve(answer: O): void;
  reject(err: unknown): void;
}

/**
 * Group commit: items that arrive while a batch is being committed wait and go together in
 * the next one, so under load one transaction serves hundreds of them. `commit` answers each
 * item (an item it refuses fails alone); if it throws, every item of the batch is tried again
 * in a batch of its own, so one bad item never takes the others with it. Callers are answered
 * only after `commit` returned, that is after its transaction committed.
 */
export class GroupCommit<I extends object, O> {
  private readonly logger: Logger;
  private readonly queue: Waiting<I, O>[] = [];
  private running = 0;

  constructor(
    name: string,
    private readonly commit: (items: I[]) => Promise<Map<I, Outcome<O>>>,
    private readonly maxBatch = 512,
    /** Batches in flight at once (each holds a database connection while it commits). */
    private readonly maxInFlight = 2,
  ) {
    this.logger = new Logger(name);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running < this.maxInFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running += 1;
    try {
      while (this.queue.length > 0) await this.commitOrSplit(this.queue.splice(0, this.maxBatch));
    } finally {
      this.running -= 1;
    }
  }

  private async commitOrSplit(batch: Waiting<I, O>[]): Promise<void> {
    let outcomes: Map<I, Outcome<O>>;
    try {
      outcomes = await this.commit(batch.map((w) => w.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      this.logger.warn(
        `a batch of ${batch.length} failed (${String(err)}); committing them one by one`,
      );
      for (const one of batch) await this.commitOrSplit([one]);
      return;
    }
    for (const w of batch) {
      const outcome = outcomes.get(w.item);
      if (!outcome) w.reject(new Error('the batch gave no answer for this item'));
      else if ('error' in outcome) w.reject(outcome.error);
      else w.resolve(outcome.ok);
    }
  }
}
