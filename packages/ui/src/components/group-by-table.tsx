import type { ReactNode } from 'react';
import type { GroupByResponse } from '../api/analysis-schemas';
import { formatDuration } from '../model/format';

/** A sparkline of one series (values per slot), scaled to its own maximum. */
export function SeriesLine({ values, label, className = '' }: { values: readonly number[]; label: string; className?: string }): ReactNode {
  const width = 110;
  const height = 24;
  const max = Math.max(1e-9, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const path = values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      className={`sparkline ${className}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '–';
  const value = (part / whole) * 100;
  return `${value < 10 && value > 0 ? value.toFixed(1) : Math.round(value)} %`;
}

/** The group-by table: per value, spans, error share, p50/p95/p99 and sparklines of spans and p95; a click on a value filters by it. */
export function GroupByTable({
  result,
  onFilter,
}: {
  result: GroupByResponse;
  onFilter(value: string, missing: boolean): void;
}): ReactNode {
  const total = result.groups.reduce((sum, g) => sum + g.count, 0) + result.other.count;
  const widest = Math.max(1, ...result.groups.map((g) => g.count));
  return (
    <table className="group-table">
      <thead>
        <tr>
          <th>{result.by}</th>
          <th className="num">Spans</th>
          <th className="num">Errors</th>
          <th className="num">p50</th>
          <th className="num">p95</th>
          <th className="num">p99</th>
          <th>Spans over time</th>
          <th>p95 over time</th>
        </tr>
      </thead>
      <tbody>
        {result.groups.map((g) => (
          <tr key={`${g.type}:${g.value}`}>
            <td className="group-value">
              <button type="button" className="link-button" title="Add to the filter" onClick={() => onFilter(g.value, g.missing)}>
                {g.missing ? <em>(missing)</em> : g.value === '' ? <em>(empty)</em> : g.value}
              </button>
              <span className="share-bar" style={{ width: `${(g.count / widest) * 100}%` }} />
            </td>
            <td className="num">
              {g.count.toLocaleString('en')} <span className="muted small">{percent(g.count, total)}</span>
            </td>
            <td className={`num ${g.errors > 0 ? 'bad' : ''}`}>{percent(g.errors, g.count)}</td>
            <td className="num mono">{formatDuration(g.p50Nano)}</td>
            <td className="num mono">{formatDuration(g.p95Nano)}</td>
            <td className="num mono">{formatDuration(g.p99Nano)}</td>
            <td>
              <SeriesLine values={g.seriesCount} label={`${g.value} spans over time`} />
            </td>
            <td>
              <SeriesLine values={g.seriesP95Nano} label={`${g.value} p95 over time`} className="latency" />
            </td>
          </tr>
        ))}
        {result.other.count > 0 && (
          <tr className="other-row">
            <td>
              <em>
                {result.other.groups.toLocaleString('en')} other value{result.other.groups === 1 ? '' : 's'}
              </em>
            </td>
            <td className="num">
              {result.other.count.toLocaleString('en')} <span className="muted small">{percent(result.other.count, total)}</span>
            </td>
            <td className="num">{percent(result.other.errors, result.other.count)}</td>
            <td colSpan={5} />
          </tr>
        )}
      </tbody>
    </table>
  );
}
