import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles the ceiling from 1 s up to the 60 s cap', () => {
    const b = new Backoff({ random: () => 0.999_999 });
    const delays = Array.from({ length: 10 }, () => b.next());
    expect(delays.map((d) => Math.ceil(d / 1000))).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
  });

  it('draws every delay from [0, min(cap, base * 2^attempt)] (full jitter)', () => {
    const b = new Backoff();
    const seen: number[] = [];
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const ceiling = Math.min(60_000, 1_000 * 2 ** attempt);
      expect(b.ceiling()).toBe(ceiling);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(ceiling);
      seen.push(d);
    }
    // Jitter, not a fixed schedule: capped delays are spread, not all 60 s.
    const capped = seen.slice(10);
    expect(Math.min(...capped)).toBeLessThan(30_000);
    expect(Math.max(...capped)).toBeGreaterThan(30_000);
  });

  it('can return zero (random 0) and never overflows after many attempts', () => {
    const b = new Backoff({ random: () => 0 });
    expect(b.next()).toBe(0);
    for (let i = 0; i < 10_000; i += 1) b.next();
    expect(b.ceiling()).toBe(60_000);
    expect(Number.isFinite(b.ceiling())).toBe(true);
  });

  it('starts over after reset()', () => {
    const b = new Backoff({ random: () => 0.999_999 });
    b.next();
    b.next();
    b.next();
    expect(b.attempt).toBe(3);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBeLessThan(1_000);
  });
});
