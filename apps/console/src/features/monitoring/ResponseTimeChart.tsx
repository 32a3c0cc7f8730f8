import type { WebsiteCheckResult } from '@fleetdesk/api-types';
import { Text } from '@mantine/core';
import { formatDateTime } from '../../lib/format';
import { OUTCOME_COLOR } from './look';

const W = 720;
const H = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p;
}

/**
 * Response times over time as a plain SVG line: one series, tens to a few hundred points,
 * which a chart library would not do better. Failed probes are red dots on the axis line
 * (a timeout has no response time), warnings yellow; the latency limit a dashed line.
 */
export function ResponseTimeChart({
  results,
  latencyLimitMs,
}: {
  results: WebsiteCheckResult[];
  latencyLimitMs: number | null;
}) {
  const points = [...results].reverse();
  if (points.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="response-chart-empty">
        No results yet: the first probe runs within seconds of saving.
      </Text>
    );
  const t0 = new Date(points[0].at).getTime();
  const t1 = new Date(points[points.length - 1].at).getTime();
  const span = Math.max(1, t1 - t0);
  const top = niceMax(
    Math.max(1, latencyLimitMs ?? 0, ...points.map((p) => p.latencyMs ?? 0)) * 1.1,
  );
  const x = (at: string) =>
    PAD.left + ((new Date(at).getTime() - t0) / span) * (W - PAD.left - PAD.right);
  const y = (ms: number) => PAD.top + (1 - ms / top) * (H - PAD.top - PAD.bottom);
  const measured = points.filter((p) => p.latencyMs !== null);
  const line = measured
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.latencyMs!).toFixed(1)}`)
    .join(' ');
  const ticks = [0, top / 2, top];
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Response times of the last ${points.length} probes, from ${formatDateTime(points[0].at)}`}
      data-testid="response-chart"
      data-points={measured.length}
      style={{ maxWidth: W, display: 'block' }}
    >
      {ticks.map((t) => (
        <g key={t}>
          <line
            x1={PAD.left}
            x2={W - PAD.right}
            y1={y(t)}
            y2={y(t)}
            stroke="var(--mantine-color-gray-3)"
            strokeWidth={1}
          />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" fontSize={11} fill="currentColor">
            {t >= 1000 ? `${t / 1000} s` : `${t} ms`}
          </text>
        </g>
      ))}
      {latencyLimitMs !== null && latencyLimitMs <= top && (
        <line
          x1={PAD.left}
          x2={W - PAD.right}
          y1={y(latencyLimitMs)}
          y2={y(latencyLimitMs)}
          stroke="var(--mantine-color-orange-6)"
          strokeDasharray="4 4"
          data-testid="response-chart-limit"
        >
          <title>Latency limit {latencyLimitMs} ms</title>
        </line>
      )}
      {line && <path d={line} fill="none" stroke="var(--mantine-color-blue-6)" strokeWidth={1.5} />}
      {points.map((p) => (
        <circle
          key={p.at}
          cx={x(p.at)}
          cy={p.latencyMs === null ? y(0) : y(p.latencyMs)}
          r={p.outcome === 'ok' ? 2 : 3.5}
          fill={`var(--mantine-color-${OUTCOME_COLOR[p.outcome]}-6)`}
        >
          <title>
            {formatDateTime(p.at)}: {p.latencyMs === null ? 'no response' : `${p.latencyMs} ms`}
            {p.message ? ` — ${p.message}` : ''}
          </title>
        </circle>
      ))}
      <text x={PAD.left} y={H - 6} fontSize={11} fill="currentColor">
        {formatDateTime(points[0].at)}
      </text>
      <text x={W - PAD.right} y={H - 6} fontSize={11} textAnchor="end" fill="currentColor">
        {formatDateTime(points[points.length - 1].at)}
      </text>
    </svg>
  );
}
