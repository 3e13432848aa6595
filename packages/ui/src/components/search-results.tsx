import { useMemo, useState, type ReactNode } from 'react';
import type { SearchResponse, TraceSummary } from '../api/schemas';
import { formatAge, formatDuration, formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { sortTraces, TRACE_SORT_LABELS, TRACE_SORT_ORDERS, type TraceSortOrder } from '../model/trace-sort';
import { Link, navigate } from '../router';
import { ServiceChip } from './service-chip';
import { TraceScatter } from './trace-scatter';

interface Props {
  response: SearchResponse;
  sort: TraceSortOrder;
  onSort(sort: TraceSortOrder): void;
}

const COMPACT_KEY = 'skein.compactResults';

function compactAtFirst(): boolean {
  try {
    return localStorage.getItem(COMPACT_KEY) === 'true';
  } catch {
    return false;
  }
}

export function SearchResults({ response, sort, onSort }: Props): ReactNode {
  const sorted = useMemo(() => sortTraces(response.traces, sort), [response, sort]);
  const [compact, setCompact] = useState(compactAtFirst);
  // Two picked results open the structural comparison (oldest first as A).
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (traceId: string): void =>
    setPicked((current) => (current.includes(traceId) ? current.filter((id) => id !== traceId) : [...current, traceId].slice(-2)));
  const compare = (): void => {
    const [a, b] = picked
      .map((id) => response.traces.find((t) => t.traceId === id)!)
      .sort((x, y) => (BigInt(x.startTimeUnixNano) < BigInt(y.startTimeUnixNano) ? -1 : 1));
    if (a && b) navigate(`/compare?a=${a.traceId}&b=${b.traceId}`);
  };
  return (
    <div className="results">
      <div className="results-head">
        <strong>
          {response.traces.length} trace{response.traces.length === 1 ? '' : 's'}
        </strong>
        {response.traces.length === response.limit && <span className="muted"> (limit reached: there may be more)</span>}
        <span className="muted small">
          {formatTimestamp(response.startTimeUnixNano)} – {formatTimestamp(response.endTimeUnixNano)}
        </span>
        <button
          type="button"
          className="secondary compare-picked right"
          disabled={picked.length !== 2}
          onClick={compare}
          title="Tick two traces to compare their structure"
        >
          Compare {picked.length}/2
        </button>
        <label className="inline-check compact-toggle" title="One line per trace: about three times as many on a screen">
          <input
            type="checkbox"
            name="compactList"
            checked={compact}
            onChange={(event) => {
              setCompact(event.target.checked);
              try {
                localStorage.setItem(COMPACT_KEY, String(event.target.checked));
              } catch {
                // Private mode: this page only.
              }
            }}
          />
          compact list
        </label>
        <label className="sort-select">
          Sort
          <select name="sort" value={sort} onChange={(event) => onSort(event.target.value as TraceSortOrder)}>
            {TRACE_SORT_ORDERS.map((order) => (
              <option key={order} value={order}>
                {TRACE_SORT_LABELS[order]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <TraceScatter traces={response.traces} />
      <TraceList traces={sorted} compact={compact} picked={picked} onPick={pick} />
    </div>
  );
}

/** Result rows: root service and span, a duration bar relative to the slowest, spans per service. */
export function TraceList({
  traces,
  compact = false,
  picked,
  onPick,
}: {
  traces: readonly TraceSummary[];
  compact?: boolean;
  picked?: readonly string[];
  onPick?: (traceId: string) => void;
}): ReactNode {
  const slowest = Math.max(1, ...traces.map((trace) => Number(trace.durationNano)));
  const now = Date.now();
  return (
    <ol className={`result-list${compact ? ' compact' : ''}`}>
      {traces.map((trace) => {
        const duration = Number(trace.durationNano);
        return (
          <li key={trace.traceId} className={onPick ? 'pickable' : ''}>
            {onPick && (
              <label className="pick" title="Pick for comparison">
                <input
                  type="checkbox"
                  name="pick"
                  aria-label={`Pick ${trace.traceId} for comparison`}
                  checked={picked?.includes(trace.traceId) ?? false}
                  onChange={() => onPick(trace.traceId)}
                />
              </label>
            )}
            <Link to={`/trace/${trace.traceId}`} className="result" data-trace-id={trace.traceId}>
              <div className="result-title">
                <span className="root-service" style={{ borderColor: serviceColor(trace.rootServiceName) }}>
                  {trace.rootServiceName}
                </span>
                <span className="root-span">{trace.rootSpanName}</span>
                {trace.rootSpanMissing && (
                  <span className="badge warn" title="The root span has not arrived (yet): the earliest span stands in for it">
                    root span missing
                  </span>
                )}
                <span className="trace-id mono">{trace.traceId}</span>
              </div>
              <div className="result-bar">
                <div className="bar-track">
                  <div
                    className="bar-fill"
                    style={{ width: `${Math.max(0.5, (duration / slowest) * 100)}%`, background: serviceColor(trace.rootServiceName) }}
                  />
                </div>
                <span className="duration mono">
                  {formatDuration(duration)}
                  {!trace.skewCorrected && (
                    <span className="badge raw-times" title="Raw recorded times: this trace is too big for search to correct clock skew">
                      raw
                    </span>
                  )}
                </span>
              </div>
              <div className="result-meta">
                <span>
                  {trace.spanCount} span{trace.spanCount === 1 ? '' : 's'}
                </span>
                {trace.errorCount > 0 && (
                  <span className="badge error">
                    {trace.errorCount} error{trace.errorCount === 1 ? '' : 's'}
                  </span>
                )}
                <span className="chips">
                  {trace.services.map((service) => (
                    <ServiceChip key={service.serviceName} service={service.serviceName} count={service.spanCount} />
                  ))}
                </span>
                <span className="muted right" title={formatTimestamp(trace.startTimeUnixNano)}>
                  {formatTimestamp(trace.startTimeUnixNano)} · {formatAge(trace.startTimeUnixNano, now)}
                </span>
              </div>
            </Link>
          </li>
        );
      })}
    </ol>
  );
}
