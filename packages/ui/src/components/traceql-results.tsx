import type { ReactNode } from 'react';
import type { AnyValue, TempoQueryRange, TempoSearchResponse } from '../api/schemas';
import { describeValue, formatAge, formatDuration, formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { Link } from '../router';
import { ServiceChip } from './service-chip';

/** TraceQL search results: one row per trace, and under it the spans that matched, each opening the trace at that span. */
export function TraceQLTraces({ response, limit }: { response: TempoSearchResponse; limit: number }): ReactNode {
  const now = Date.now();
  const traces = response.traces;
  const slowest = Math.max(1, ...traces.map((trace) => trace.durationMs ?? 0));
  return (
    <div className="results traceql-results">
      <div className="results-head">
        <strong>
          {traces.length} trace{traces.length === 1 ? '' : 's'}
        </strong>
        {traces.length === limit && <span className="muted"> (limit reached: there may be more)</span>}
      </div>
      <ol className="result-list">
        {traces.map((trace) => {
          const traceId = trace.traceID.padStart(32, '0');
          const root = trace.rootServiceName ?? '';
          const matched = (trace.spanSets ?? []).reduce((sum, set) => sum + set.matched, 0);
          const spans = (trace.spanSets ?? []).flatMap((set) => set.spans);
          return (
            <li key={traceId} className="traceql-trace" data-trace-id={traceId}>
              <Link to={`/trace/${traceId}`} className="result">
                <div className="result-title">
                  <span className="root-service" style={{ borderColor: serviceColor(root) }}>
                    {root}
                  </span>
                  <span className="root-span">{trace.rootTraceName ?? ''}</span>
                  <span className="trace-id mono">{traceId}</span>
                </div>
                <div className="result-bar">
                  <div className="bar-track">
                    <div
                      className="bar-fill"
                      style={{ width: `${Math.max(0.5, ((trace.durationMs ?? 0) / slowest) * 100)}%`, background: serviceColor(root) }}
                    />
                  </div>
                  <span className="duration mono">{formatDuration((trace.durationMs ?? 0) * 1e6)}</span>
                </div>
                <div className="result-meta">
                  <span className="badge">
                    {matched} matched span{matched === 1 ? '' : 's'}
                  </span>
                  <span className="chips">
                    {Object.entries(trace.serviceStats ?? {}).map(([service, stats]) => (
                      <ServiceChip key={service} service={service} count={stats.spanCount} />
                    ))}
                  </span>
                  <span className="muted right">
                    {formatTimestamp(trace.startTimeUnixNano)} · {formatAge(trace.startTimeUnixNano, now)}
                  </span>
                </div>
              </Link>
              {spans.length > 0 && (
                <table className="matched-spans" aria-label={`Matched spans of ${traceId}`}>
                  <tbody>
                    {spans.map((span) => (
                      <tr key={span.spanID}>
                        <td className="mono">
                          <Link to={`/trace/${traceId}?span=${span.spanID}`}>{span.name ?? span.spanID}</Link>
                        </td>
                        <td className="mono num">{formatDuration(Number(span.durationNanos ?? '0'))}</td>
                        <td className="muted small">
                          {(span.attributes ?? []).map((attribute) => `${attribute.key}=${valueString(attribute.value)}`).join('  ')}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function valueString(value: AnyValue): string {
  return describeValue(value).text;
}

const SERIES_COLORS = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b'];

/** A series' legend text: its labels as `key=value`, the function's name for an ungrouped one. */
export function seriesLabel(labels: ReadonlyArray<{ key: string; value: AnyValue }>): string {
  if (labels.length === 0) return 'value';
  return labels
    .map((label) => (label.key === '__name__' ? valueString(label.value) : `${label.key}=${valueString(label.value)}`))
    .join(', ');
}

/** TraceQL metrics: every series as a line over the window, a legend, exemplar dots that open their traces. */
export function TraceQLChart({ response, query }: { response: TempoQueryRange; query: string }): ReactNode {
  const width = 960;
  const height = 300;
  const pad = { left: 64, right: 16, top: 12, bottom: 28 };
  const series = response.series.map((s) => ({
    label: seriesLabel(s.labels),
    points: s.samples.map((sample) => ({ t: Number(sample.timestampMs), v: sample.value ?? 0 })),
    exemplars: (s.exemplars ?? []).map((e) => ({
      t: Number(e.timestampMs),
      v: e.value ?? 0,
      traceId: valueString(e.labels.find((l) => l.key === 'trace:id')?.value ?? {}),
    })),
  }));
  const times = series.flatMap((s) => s.points.map((p) => p.t));
  if (times.length === 0) return <div className="notice">The query matched no spans in this window.</div>;
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1, ...times);
  const isDuration = /quantile_over_time|_over_time\(\s*(span:)?duration/.test(query);
  const max = Math.max(1e-9, ...series.flatMap((s) => s.points.map((p) => p.v)));
  const x = (t: number): number => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number): number => height - pad.bottom - (Math.min(v, max) / max) * (height - pad.top - pad.bottom);
  const format = (v: number): string => (isDuration ? formatDuration(v * 1e9) : Number(v.toPrecision(3)).toString());
  return (
    <figure className="traceql-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`TraceQL metrics: ${series.length} series`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={pad.left} x2={width - pad.right} y1={y(max * f)} y2={y(max * f)} className={f === 0 ? 'axis' : 'grid'} />
            <text x={pad.left - 6} y={y(max * f) + 4} textAnchor="end" className="axis-label">
              {format(max * f)}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 8} className="axis-label">
          {new Date(t0).toLocaleTimeString()}
        </text>
        <text x={width - pad.right} y={height - 8} textAnchor="end" className="axis-label">
          {new Date(t1).toLocaleTimeString()}
        </text>
        {series.map((s, i) => (
          <path
            key={s.label}
            d={s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}
            fill="none"
            stroke={SERIES_COLORS[i % SERIES_COLORS.length]}
            strokeWidth="2"
            className="series-line"
          />
        ))}
        {series.flatMap((s, i) =>
          s.exemplars
            .filter((e) => isDuration && e.traceId !== '')
            .map((e) => (
              <a key={`${s.label}-${e.traceId}-${e.t}`} href={`/trace/${e.traceId.padStart(32, '0')}`} className="exemplar">
                <circle cx={x(e.t)} cy={y(e.v)} r="4" fill={SERIES_COLORS[i % SERIES_COLORS.length]}>
                  <title>exemplar trace {e.traceId}</title>
                </circle>
              </a>
            )),
        )}
      </svg>
      <figcaption>
        <ul className="chart-legend">
          {series.map((s, i) => (
            <li key={s.label}>
              <span className="swatch" style={{ background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
              <span className="mono">{s.label}</span>
              <span className="muted small"> last {format(s.points.at(-1)?.v ?? 0)}</span>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
