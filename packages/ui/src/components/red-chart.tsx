import type { ReactNode } from 'react';
import type { Exemplar, RedGroup } from '../api/schemas';
import { navigate } from '../router';

type Point = RedGroup['points'][number];

/** A tiny line of one figure over time, for table cells (no axes: the number beside it says the scale). */
export function Sparkline({
  points,
  value,
  label,
}: {
  points: readonly Point[];
  value: (p: Point) => number | null;
  label: string;
}): ReactNode {
  const width = 96;
  const height = 24;
  const values = points.map(value);
  const max = Math.max(1e-9, ...values.map((v) => v ?? 0));
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const path = values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(height - 2 - ((v ?? 0) / max) * (height - 4)).toFixed(1)}`)
    .join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

/**
 * One RED chart (rate, error % or a latency quantile) over the window with a y axis label, and
 * for latency the exemplar dots: each opens its (stored) trace.
 */
export function RedChart({
  title,
  points,
  value,
  unit,
  startMillis,
  endMillis,
  exemplars = [],
  markers = [],
}: {
  title: string;
  points: readonly Point[];
  value: (p: Point) => number | null;
  unit: string;
  startMillis: number;
  endMillis: number;
  exemplars?: readonly Exemplar[];
  /** Vertical marks at moments (a detected change), with a short label. */
  markers?: readonly { timeUnixMillis: number; label: string }[];
}): ReactNode {
  const width = 420;
  const height = 140;
  const pad = { left: 44, right: 8, top: 8, bottom: 18 };
  const values = points.map(value);
  const max = Math.max(1e-9, ...values.map((v) => v ?? 0), ...exemplars.map((e) => (unit === 'ms' ? e.durationMillis : 0)));
  const x = (t: number): number => pad.left + ((t - startMillis) / Math.max(1, endMillis - startMillis)) * (width - pad.left - pad.right);
  const y = (v: number): number => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const path = points
    .map((p, i) => ({ p, v: values[i] }))
    .filter(({ v }) => v !== null)
    .map(({ p, v }, i) => `${i === 0 ? 'M' : 'L'}${x(p.timeUnixMillis).toFixed(1)},${y(v!).toFixed(1)}`)
    .join(' ');
  return (
    <figure className="red-chart">
      <figcaption>{title}</figcaption>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} className="axis" />
        <text x={pad.left - 4} y={pad.top + 8} textAnchor="end" className="axis-label">
          {formatValue(max, unit)}
        </text>
        <text x={pad.left - 4} y={height - pad.bottom} textAnchor="end" className="axis-label">
          0
        </text>
        <path d={path} fill="none" className="series" strokeWidth="2" />
        {unit === 'ms' &&
          exemplars.map((e) => (
            <circle
              key={`${e.traceId}-${e.kind}-${e.timeUnixMillis}`}
              cx={x(e.timeUnixMillis + 30_000)}
              cy={y(e.durationMillis)}
              r={4}
              className={`exemplar ${e.error ? 'error' : ''}`}
              role="link"
              tabIndex={0}
              aria-label={`exemplar trace ${e.traceId} (${e.kind}, ${e.durationMillis} ms)`}
              onClick={() => navigate(`/trace/${e.traceId}`)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') navigate(`/trace/${e.traceId}`);
              }}
            >
              <title>{`${e.kind} ${e.durationMillis.toFixed(1)} ms — open trace ${e.traceId.slice(0, 8)}…`}</title>
            </circle>
          ))}
        {/* After the dots: the label's halo keeps it readable over them. */}
        {markers.map((marker) => {
          const mx = x(marker.timeUnixMillis);
          const nearRight = mx > width - 110;
          return (
            <g key={marker.timeUnixMillis} className="change-marker" aria-label={marker.label}>
              <line x1={mx} x2={mx} y1={pad.top} y2={height - pad.bottom} />
              <text x={nearRight ? mx - 4 : mx + 4} y={pad.top + 8} textAnchor={nearRight ? 'end' : 'start'}>
                {marker.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function formatValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  if (unit === '%') return `${(value * 100).toFixed(value < 0.01 && value > 0 ? 2 : 1)} %`;
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`;
  return `${value.toFixed(value < 10 ? 2 : 0)}${unit === '/s' ? '/s' : ''}`;
}

/** "+650 %" style change against the previous window; '' when unknown. */
export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined) return '';
  const percent = Math.round(change * 100);
  return `${percent >= 0 ? '+' : ''}${percent} %`;
}
