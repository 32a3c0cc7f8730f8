import { describe, expect, it } from '@jest/globals';
import { MAX_SCROLL_PX, scrollTopForRow, virtualWindow } from './virtual-window';

const base = { rowHeight: 20, viewportHeight: 400, overscan: 5 };

/** Where row r is on screen (px from the viewport's top) for a given window and scroll. */
const screenTop = (w: ReturnType<typeof virtualWindow>, r: number, scrollTop: number) =>
  w.offsetTop + (r - w.first) * 20 - scrollTop;

describe('virtualWindow', () => {
  it('draws only the rows in view plus the overscan', () => {
    const w = virtualWindow({ ...base, rowCount: 1000, scrollTop: 2000 });
    expect(w).toEqual({ first: 95, last: 125, offsetTop: 1900, totalHeight: 20_000 });
    expect(screenTop(w, 100, 2000)).toBe(0);
  });

  it('clamps at both ends', () => {
    expect(virtualWindow({ ...base, rowCount: 1000, scrollTop: 0 })).toMatchObject({
      first: 0,
      last: 25,
    });
    const end = virtualWindow({ ...base, rowCount: 1000, scrollTop: 1e9 });
    expect(end.last).toBe(1000);
    expect(screenTop(end, 999, 20_000 - 400)).toBe(380);
  });

  it('handles no rows and fewer rows than the viewport holds', () => {
    expect(virtualWindow({ ...base, rowCount: 0, scrollTop: 0 })).toEqual({
      first: 0,
      last: 0,
      offsetTop: 0,
      totalHeight: 0,
    });
    expect(virtualWindow({ ...base, rowCount: 3, scrollTop: 50 })).toMatchObject({
      first: 0,
      last: 3,
      offsetTop: 0,
      totalHeight: 60,
    });
  });

  it('scales a list taller than browsers allow, and still reaches the last row', () => {
    const rows = 2_500_000; // 50 million px at 20 px a row
    const w0 = virtualWindow({ ...base, rowCount: rows, scrollTop: 0 });
    expect(w0.totalHeight).toBe(MAX_SCROLL_PX);
    const maxScroll = MAX_SCROLL_PX - 400;
    const end = virtualWindow({ ...base, rowCount: rows, scrollTop: maxScroll });
    expect(end.last).toBe(rows);
    // The last row ends exactly at the viewport's bottom, inside the scroll content.
    expect(screenTop(end, rows - 1, maxScroll)).toBeCloseTo(380, 6);
    expect(end.offsetTop + (end.last - end.first) * 20).toBeCloseTo(MAX_SCROLL_PX, 6);
    // Half way down the scrollbar is half way down the log.
    const mid = virtualWindow({ ...base, rowCount: rows, scrollTop: maxScroll / 2 });
    const midRow = mid.first + 5;
    expect(Math.abs(midRow - (rows - 20) / 2)).toBeLessThan(2);
    // Consecutive rows stay 20 px apart on screen.
    expect(
      screenTop(mid, midRow + 1, maxScroll / 2) - screenTop(mid, midRow, maxScroll / 2),
    ).toBeCloseTo(20, 6);
  });
});

describe('scrollTopForRow', () => {
  it('centres a row, clamped to the scroll range', () => {
    const g = { rowCount: 1000, rowHeight: 20, viewportHeight: 400 };
    expect(scrollTopForRow(500, g)).toBe(500 * 20 - 190);
    expect(scrollTopForRow(0, g)).toBe(0);
    expect(scrollTopForRow(999, g)).toBe(20_000 - 400);
    expect(scrollTopForRow(500, g, 'start')).toBe(10_000);
  });

  it('lands the row in view when the list is scaled', () => {
    const g = { rowCount: 2_500_000, rowHeight: 20, viewportHeight: 400 };
    for (const row of [0, 1234, 1_250_000, 2_499_999]) {
      const top = scrollTopForRow(row, g);
      const w = virtualWindow({ ...g, scrollTop: top, overscan: 0 });
      expect(row).toBeGreaterThanOrEqual(w.first);
      expect(row).toBeLessThan(w.last);
      const y = screenTop(w, row, top);
      expect(y).toBeGreaterThanOrEqual(-1e-6);
      expect(y + 20).toBeLessThanOrEqual(400 + 1e-6);
    }
  });
});
