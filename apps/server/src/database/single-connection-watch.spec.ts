import { type ConnectionWaitReport, watchSingleConnection } from './single-connection-watch';

type Release = (error?: Error | boolean) => void;
type Callback = (error: Error | undefined, client: unknown, release: Release) => void;

/** pg-pool with max 1, reduced to its queue: the edge this watch wraps. */
class OneConnectionPool {
  private busy = false;
  private readonly waiting: Callback[] = [];
  released = 0;

  connect(callback?: Callback): unknown {
    if (!callback) return 'promise form';
    if (this.busy) this.waiting.push(callback);
    else this.give(callback);
    return undefined;
  }

  private give(callback: Callback): void {
    this.busy = true;
    callback(undefined, { client: true }, () => {
      this.released += 1;
      this.busy = false;
      const next = this.waiting.shift();
      if (next) this.give(next);
    });
  }
}

function holdInATransaction(pool: OneConnectionPool): Promise<Release> {
  return new Promise((resolve) => pool.connect((_e, _c, release) => resolve(release)));
}

function queryOutsideIt(pool: OneConnectionPool): Promise<Release> {
  return new Promise((resolve) => pool.connect((_e, _c, release) => resolve(release)));
}

describe('watchSingleConnection', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('reports a wait with the holder and the waiter, every interval while it lasts', async () => {
    const pool = new OneConnectionPool();
    const reports: ConnectionWaitReport[] = [];
    watchSingleConnection(pool, (r) => reports.push(r), 1000);

    const release = await holdInATransaction(pool);
    const waiting = queryOutsideIt(pool);
    jest.advanceTimersByTime(2500);

    expect(reports.map((r) => r.waitedMs)).toEqual([1000, 2000]);
    expect(reports[0].holder?.stack).toContain('holdInATransaction');
    expect(reports[0].waiter).toContain('queryOutsideIt');
    expect(reports[1].holder?.heldMs).toBe(2000);

    release();
    const second = await waiting;
    jest.advanceTimersByTime(5000);
    expect(reports).toHaveLength(2);
    second();
    expect(pool.released).toBe(2);
  });

  it('says nothing when nobody waits, and passes the promise form through untouched', async () => {
    const pool = new OneConnectionPool();
    const reports: ConnectionWaitReport[] = [];
    watchSingleConnection(pool, (r) => reports.push(r), 1000);
    for (let i = 0; i < 3; i += 1) (await queryOutsideIt(pool))();
    jest.advanceTimersByTime(10_000);
    expect(reports).toEqual([]);
    expect(pool.connect()).toBe('promise form');
  });

  it('forgets a holder once it released, so a later report does not blame it', async () => {
    const pool = new OneConnectionPool();
    const reports: ConnectionWaitReport[] = [];
    watchSingleConnection(pool, (r) => reports.push(r), 1000);
    (await holdInATransaction(pool))();
    const stuck = await queryOutsideIt(pool);
    void queryOutsideIt(pool);
    jest.advanceTimersByTime(1000);
    expect(reports[0].holder?.stack).toContain('queryOutsideIt');
    expect(reports[0].holder?.stack).not.toContain('holdInATransaction');
    stuck();
  });
});
