/**
 * The maths of a virtualised list of equal-height rows: which rows to draw for a scroll
 * position, and where. Browsers cap an element's height (Firefox near 17.9 million px, Chrome
 * near 33 million); a million 20 px rows is 20 million px, so past MAX_SCROLL_PX the scroll
 * range is scaled down and a scroll position maps onto the real one proportionally.
 */
export const MAX_SCROLL_PX = 8_000_000;

export interface WindowInput {
  rowCount: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** Extra rows drawn above and below, so a quick scroll does not show blank space. */
  overscan?: number;
  maxScrollPx?: number;
}

export interface VirtualWindow {
  /** Rows [first, last) are drawn. */
  first: number;
  last: number;
  /** Where row `first` goes, in px from the top of the scroll content. */
  offsetTop: number;
  /** The scroll content's height. */
  totalHeight: number;
}

interface Geometry {
  total: number;
  /** real scroll px per scroll px (1 unless scaled). */
  ratio: number;
  realMax: number;
}

function geometry(rowCount: number, rowHeight: number, viewport: number, cap: number): Geometry {
  const real = rowCount * rowHeight;
  const total = Math.min(real, cap);
  const realMax = Math.max(0, real - viewport);
  const max = Math.max(0, total - viewport);
  return { total, ratio: max > 0 ? realMax / max : 1, realMax };
}

export function virtualWindow(w: WindowInput): VirtualWindow {
  const overscan = w.overscan ?? 10;
  const g = geometry(w.rowCount, w.rowHeight, w.viewportHeight, w.maxScrollPx ?? MAX_SCROLL_PX);
  if (w.rowCount === 0) return { first: 0, last: 0, offsetTop: 0, totalHeight: 0 };
  const scrollTop = Math.min(Math.max(0, w.scrollTop), Math.max(0, g.total - w.viewportHeight));
  const realTop = Math.min(scrollTop * g.ratio, g.realMax);
  const first = Math.max(0, Math.floor(realTop / w.rowHeight) - overscan);
  const last = Math.min(
    w.rowCount,
    Math.ceil((realTop + w.viewportHeight) / w.rowHeight) + overscan,
  );
  // Rows sit where they would in the real list, shifted by the difference between the real
  // and the scaled scroll position: on screen they line up exactly either way.
  return {
    first,
    last,
    offsetTop: scrollTop + first * w.rowHeight - realTop,
    totalHeight: g.total,
  };
}

/** The scroll position that shows `row` in the middle of the viewport (or at its top). */
export function scrollTopForRow(
  row: number,
  w: Omit<WindowInput, 'scrollTop' | 'overscan'>,
  align: 'center' | 'start' = 'center',
): number {
  const g = geometry(w.rowCount, w.rowHeight, w.viewportHeight, w.maxScrollPx ?? MAX_SCROLL_PX);
  const wanted =
    row * w.rowHeight - (align === 'center' ? (w.viewportHeight - w.rowHeight) / 2 : 0);
  const real = Math.min(Math.max(0, wanted), g.realMax);
  return real / g.ratio;
}
