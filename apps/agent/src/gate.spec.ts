import { Gate } from './gate';

describe('Gate', () => {
  it('lets at most `limit` holders through, in arrival order', async () => {
    const gate = new Gate(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const waits = [0, 1, 2, 3].map((i) =>
      gate.acquire().then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(gate.waiting).toBe(2);

    releases[0]?.();
    releases[0]?.(); // a second release of the same slot must not free another
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    releases[1]?.();
    await Promise.all(waits);
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
