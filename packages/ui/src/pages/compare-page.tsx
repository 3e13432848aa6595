import { type ReactNode } from 'react';
import { api } from '../api/client';
import type { CompareResponse, PathDiff } from '../api/analysis-schemas';
import { ErrorBox, Loading } from '../components/status-views';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { Link, type Location } from '../router';
import { useAsync } from '../use-async';

/**
 * `/compare`: two traces (`?a=<id>&b=<id>`) or the slow and fast traces of an operation
 * (`?service=…&operation=…&lookback=…`) as a structural diff: one row per span path (service and
 * operation from the root down), what changed there and the time attributed to it.
 */
export function ComparePage({ location }: { location: Location }): ReactNode {
  const a = location.params.get('a') ?? '';
  const b = location.params.get('b') ?? '';
  const service = location.params.get('service') ?? '';
  const operation = location.params.get('operation') ?? '';
  const lookback = location.params.get('lookback') || '1h';
  const groups = service !== '' && operation !== '';
  const diff = useAsync(
    (signal) =>
      groups ? api.compareGroups(new URLSearchParams({ service, operation, lookback }), signal) : api.compareTraces(a, b, signal),
    [a, b, service, operation, lookback],
  );
  if (!groups && (a === '' || b === '')) {
    return (
      <section className="compare-page">
        <h1>Compare</h1>
        <div className="notice">
          Pick two traces: select two search results, or use “Compare with…” on a trace page. For the slow and fast traces of an operation,
          use “Slow vs fast” on a service page.
        </div>
      </section>
    );
  }
  const labelA = groups ? 'fast' : 'A';
  const labelB = groups ? 'slow' : 'B';
  return (
    <section className="compare-page">
      <div className="page-header">
        <h1>{groups ? `Slow vs fast: ${service} ${operation}` : 'Compare traces'}</h1>
        {groups && <span className="muted">last {lookback}</span>}
      </div>
      {diff.status === 'loading' && <Loading what="the comparison" />}
      {diff.status === 'error' && <ErrorBox error={diff.error} title="Could not compare" />}
      {diff.status === 'ok' && <CompareSummary diff={diff.data} labelA={labelA} labelB={labelB} groups={groups} />}
      {diff.status === 'ok' && (
        <div className="panel diff-panel">
          <DiffTable diff={diff.data} labelA={labelA} labelB={labelB} groups={groups} />
        </div>
      )}
    </section>
  );
}

function CompareSummary({
  diff,
  labelA,
  labelB,
  groups,
}: {
  diff: CompareResponse;
  labelA: string;
  labelB: string;
  groups: boolean;
}): ReactNode {
  const side = (label: string, value: CompareResponse['a'], duration: number, spans: number): ReactNode => (
    <div className={`compare-side side-${label}`}>
      <span className="side-label">{label}</span>
      {typeof value === 'string' ? (
        <Link to={`/trace/${value}`} className="mono">
          {value}
        </Link>
      ) : (
        <span>
          {value.traceIds.length} traces with the operation {label === 'slow' ? '≥' : '≤'} {formatDuration(value.thresholdNano)}
          <span className="examples">
            {value.traceIds.slice(0, 3).map((id) => (
              <Link key={id} to={`/trace/${id}`} className="mono small" title={`Open trace ${id}`}>
                {id.slice(-8)}
              </Link>
            ))}
          </span>
        </span>
      )}
      <span>
        {groups ? 'mean duration ' : 'duration '}
        <span className="mono">{formatDuration(duration)}</span>
      </span>
      <span className="muted">
        {groups ? `${spans.toFixed(1)} spans per trace` : `${spans} spans`}
        {groups ? ' (mean)' : ''}
      </span>
    </div>
  );
  const changed = diff.paths.filter((p) => p.change !== 'same');
  return (
    <div className="compare-summary panel">
      {side(labelA, diff.a, diff.durationNanoA, diff.spansA)}
      <span className="compare-arrow">→</span>
      {side(labelB, diff.b, diff.durationNanoB, diff.spansB)}
      <p className="compare-verdict">
        {labelB} is {formatDuration(Math.abs(diff.durationNanoB - diff.durationNanoA))}{' '}
        {diff.durationNanoB >= diff.durationNanoA ? 'longer' : 'shorter'};{' '}
        {changed.length === 0 ? 'the same shape.' : `${changed.length} path${changed.length === 1 ? '' : 's'} changed.`}
      </p>
    </div>
  );
}

const CHANGE_TEXT: Record<string, string> = { added: 'added', missing: 'missing', slower: 'slower', faster: 'faster', same: 'same' };

function count(value: number, groups: boolean): string {
  return groups ? value.toFixed(1) : String(value);
}

function DiffTable({
  diff,
  labelA,
  labelB,
  groups,
}: {
  diff: CompareResponse;
  labelA: string;
  labelB: string;
  groups: boolean;
}): ReactNode {
  const widest = Math.max(1, ...diff.paths.map((p) => Math.abs(p.deltaSelfNano)));
  return (
    <table className="diff-table">
      <thead>
        <tr>
          <th>Path (service: operation)</th>
          <th>Change</th>
          <th className="num">
            Spans {labelA} → {labelB}
          </th>
          <th className="num">
            Self time {labelA} → {labelB}
          </th>
          <th>Time attributed</th>
        </tr>
      </thead>
      <tbody>
        {diff.paths.map((p) => (
          <DiffRow key={p.path.join('\u0000')} path={p} widest={widest} groups={groups} />
        ))}
      </tbody>
    </table>
  );
}

function DiffRow({ path, widest, groups }: { path: PathDiff; widest: number; groups: boolean }): ReactNode {
  const last = path.path[path.path.length - 1] ?? '';
  const service = last.split(': ')[0] ?? '';
  const share = Math.abs(path.deltaSelfNano) / widest;
  return (
    <tr className={`change-${path.change}`}>
      <td className="diff-path" title={path.path.join(' › ')}>
        <span className="path-indent" style={{ width: `${(path.path.length - 1) * 14}px` }} />
        <span className="service-dot" style={{ background: serviceColor(service) }} />
        {path.path.length > 1 && (
          <span className="muted small">
            {path.path
              .slice(0, -1)
              .map((p) => p.split(': ')[1])
              .join(' › ')}{' '}
            ›{' '}
          </span>
        )}
        <strong>{last}</strong>
      </td>
      <td>
        <span className={`badge change ${path.change}`}>{CHANGE_TEXT[path.change] ?? path.change}</span>
      </td>
      <td className="num mono">
        {count(path.countA, groups)} → {count(path.countB, groups)}
        {path.errorsB > path.errorsA && <span className="bad small"> +{count(path.errorsB - path.errorsA, groups)} err</span>}
      </td>
      <td className="num mono">
        {formatDuration(path.selfNanoA)} → {formatDuration(path.selfNanoB)}
      </td>
      <td className="delta">
        <span className={`delta-bar ${path.deltaSelfNano >= 0 ? 'worse' : 'better'}`} style={{ width: `${share * 100}%` }} />
        <span className="mono small">
          {path.deltaSelfNano === 0 ? '–' : `${path.deltaSelfNano > 0 ? '+' : '−'}${formatDuration(Math.abs(path.deltaSelfNano))}`}
        </span>
      </td>
    </tr>
  );
}
