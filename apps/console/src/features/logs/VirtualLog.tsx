import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { scrollTopForRow, virtualWindow } from './virtual-window';

export interface ScrollRequest {
  row: number;
  /** A new object (or nonce) scrolls again to the same row. */
  nonce: number;
}

/**
 * A list of equal-height rows where only those on screen (plus a few) exist in the DOM, so a
 * million-line log scrolls like a short one. Lines do not wrap; the list scrolls sideways.
 */
export function VirtualLog({
  rowCount,
  rowHeight,
  height,
  renderRow,
  scrollTo,
  label,
}: {
  rowCount: number;
  rowHeight: number;
  height: string;
  renderRow: (i: number) => ReactNode;
  scrollTo: ScrollRequest | null;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    // The observer reports the first size as soon as it observes, then every change.
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Each request is served once: a resize later must not pull the reader back to it.
  const served = useRef<ScrollRequest | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !scrollTo || served.current === scrollTo) return;
    served.current = scrollTo;
    // Only when the row is not already in full view: stepping between matches on one screen
    // should not shake the page.
    const now = el.scrollTop;
    const current = virtualWindow({
      rowCount,
      rowHeight,
      viewportHeight: viewport,
      scrollTop: now,
    });
    const rowTop = current.offsetTop + (scrollTo.row - current.first) * rowHeight - now;
    const inView =
      scrollTo.row >= current.first &&
      scrollTo.row < current.last &&
      rowTop >= 0 &&
      rowTop + rowHeight <= viewport;
    if (inView) return;
    // The scroll event that follows redraws the rows.
    el.scrollTop = scrollTopForRow(scrollTo.row, { rowCount, rowHeight, viewportHeight: viewport });
  }, [scrollTo, rowCount, rowHeight, viewport]);

  const w = virtualWindow({ rowCount, rowHeight, viewportHeight: viewport, scrollTop });
  const rows: ReactNode[] = [];
  for (let i = w.first; i < w.last; i++) rows.push(renderRow(i));

  return (
    <div
      ref={box}
      role="log"
      aria-label={label}
      // Focusable, so arrow keys and Page Up/Down scroll it.
      tabIndex={0}
      data-testid="log-lines"
      data-first-row={w.first}
      data-last-row={w.last}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      style={{
        height,
        overflow: 'auto',
        position: 'relative',
        fontFamily: 'var(--mantine-font-family-monospace)',
        fontSize: 13,
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-sm)',
        overscrollBehavior: 'contain',
      }}
    >
      {/* overflow-y: clip keeps the overscan rows from lengthening the scroll range. */}
      <div style={{ height: w.totalHeight, position: 'relative', overflowY: 'clip' }}>
        <div
          style={{
            position: 'absolute',
            top: 0,
            left: 0,
            minWidth: '100%',
            transform: `translateY(${w.offsetTop}px)`,
          }}
        >
          {rows}
        </div>
      </div>
    </div>
  );
}
