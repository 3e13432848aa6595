import type { ReactNode } from 'react';
import type { SearchResponse } from '../api/schemas';
import { formatAge, formatDuration, formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { Link } from '../router';
import { ServiceChip } from './service-chip';

export function SearchResults({ response }: { response: SearchResponse }): ReactNode {
  const durations = response.traces.map((trace) => Number(trace.durationNano));
  const slowest = Math.max(1, ...durations);
  const now = Date.now();
  return (
    <div className="results">
      <div className="results-head">
        <strong>
          {response.traces.length} trace{response.traces.length === 1 ? '' : 's'}
        </strong>
        {response.traces.length === response.limit && <span className="muted"> (limit reached: there may be more)</span>}
        <span className="muted right">
          {formatTimestamp(response.startTimeUnixNano)} – {formatTimestamp(response.endTimeUnixNano)}
        </span>
      </div>
      <ol className="result-list">
        {response.traces.map((trace) => {
          const duration = Number(trace.durationNano);
          return (
            <li key={trace.traceId}>
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
                  <span className="duration mono">{formatDuration(duration)}</span>
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
    </div>
  );
}
