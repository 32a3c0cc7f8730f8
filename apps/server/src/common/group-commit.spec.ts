import { GroupCommit, type Outcome } from './group-commit';

describe('GroupCommit', () => {
  it('writes requests of one tick together and the ones that arrive meanwhile in the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((i): Outcome<number> => ({ ok: true, value: i * 2 }));
    });
    const first = [gc.submit(1), gc.submit(2)];
    await new Promise((r) => setImmediate(r));
    // The first batch is in flight: these wait for it, then go together.
    const second = [gc.submit(3), gc.submit(4), gc.submit(5)];
    let settled = false;
    void Promise.all(first).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    release();
    await expect(Promise.all([...first, ...second])).resolves.toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it("answers each item with its own outcome, a failed write with that write's error, and goes on", async () => {
    let calls = 0;
    const gc = new GroupCommit<string, string>((items) => {
      calls += 1;
      if (calls === 1) return Promise.reject(new Error('database down'));
      return Promise.resolve(
        items.map((i): Outcome<string> =>
          i === 'bad' ? { ok: false, error: new Error(`refused ${i}`) } : { ok: true, value: i },
        ),
      );
    });
    await expect(gc.submit('a')).rejects.toThrow('database down');
    const [good, bad] = await Promise.allSettled([gc.submit('good'), gc.submit('bad')]);
    expect(good).toEqual({ status: 'fulfilled', value: 'good' });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('refused bad') });
  });

  it('splits a queue longer than the batch limit', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items.map((value): Outcome<number> => ({ ok: true, value })));
    }, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => gc.submit(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });
});
