export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while a batch is being written wait and go together in
 * the next one, so a burst of N requests costs a few transactions instead of N (and a row
 * lock that every request needs is taken once per batch, not once per request). Nothing is
 * held back on purpose: an idle batcher writes the next request at once (after the current
 * tick, so requests parsed in the same tick share it), and a busy one only queues what the
 * database could not have taken sooner anyway.
 *
 * `write` answers each item in order; every caller's promise settles only after `write`
 * returned, i.e. after its transaction committed (or failed: then every item of the batch
 * gets that error).
 */
export class GroupCommit<T, R> {
  private queue: Pending<T, R>[] = [];
  private draining = false;

  constructor(
    private readonly write: (items: T[]) => Promise<Outcome<R>[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outcomes = await this.write(batch.map((p) => p.item));
          batch.forEach((p, i) => {
            const o = outcomes[i];
            if (!o) p.reject(new Error('group commit: no outcome for an item'));
            else if (o.ok) p.resolve(o.value);
            else p.reject(o.error);
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
