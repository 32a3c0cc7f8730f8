import { memo, type ReactNode } from 'react';
import { LEVEL_COLOR, type LogLevel } from './levels';

/** A line longer than this shows its start only: one giant text node would stall the page. */
export const LINE_DISPLAY_MAX = 20_000;

const markStyle = (current: boolean) => ({
  background: current ? 'var(--mantine-color-orange-4)' : 'var(--mantine-color-yellow-3)',
  color: 'var(--mantine-color-black)',
  borderRadius: 2,
  outline: current ? '1px solid var(--mantine-color-orange-8)' : undefined,
});

/** One row of the viewer: number, text coloured by level, matches marked. */
export const LogLine = memo(function LogLine({
  n,
  text,
  level,
  marks,
  current,
  height,
  gutter,
}: {
  n: number;
  text: string;
  level: LogLevel | null;
  /** Match ranges within the line, with their match numbers. */
  marks: { start: number; end: number; index: number }[];
  current: number;
  height: number;
  gutter: number;
}) {
  const shown = text.length > LINE_DISPLAY_MAX ? text.slice(0, LINE_DISPLAY_MAX) : text;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const m of marks) {
    if (m.start >= shown.length) break;
    if (m.start > at) parts.push(shown.slice(at, m.start));
    const end = Math.min(m.end, shown.length);
    parts.push(
      <mark
        key={m.index}
        data-match={m.index}
        data-current={m.index === current || undefined}
        style={markStyle(m.index === current)}
      >
        {shown.slice(m.start, end)}
      </mark>,
    );
    at = end;
  }
  if (at < shown.length) parts.push(shown.slice(at));
  return (
    <div
      data-testid="log-line"
      data-line={n}
      data-level={level ?? undefined}
      style={{ height, lineHeight: `${height}px`, whiteSpace: 'pre', display: 'flex' }}
    >
      <span
        aria-hidden
        style={{
          flex: 'none',
          width: `${gutter + 2}ch`,
          paddingRight: '1ch',
          textAlign: 'right',
          color: 'var(--mantine-color-dimmed)',
          userSelect: 'none',
          borderRight: '1px solid var(--mantine-color-default-border)',
          marginRight: '1ch',
          position: 'sticky',
          left: 0,
          background: 'var(--mantine-color-body)',
        }}
      >
        {n}
      </span>
      <span style={{ color: level ? LEVEL_COLOR[level] : undefined, paddingRight: '1ch' }}>
        {parts}
        {text.length > LINE_DISPLAY_MAX && (
          <span style={{ color: 'var(--mantine-color-dimmed)' }}>
            {` … ${(text.length - LINE_DISPLAY_MAX).toLocaleString()} more characters`}
          </span>
        )}
      </span>
    </div>
  );
});
