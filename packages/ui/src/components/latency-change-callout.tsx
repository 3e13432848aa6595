import type { ReactNode } from 'react';
import type { LatencyChange } from '../api/analysis-schemas';
import { changeHeadline, formatClock, slowVersusNormalUrl } from '../model/latency-change-links';
import { Link } from '../router';
import { formatDuration } from '../model/format';

/**
 * A detected latency step: what changed and when, and one click to the slowest stored traces
 * after it or to the attribute ranking of slow against normal requests.
 */
export function LatencyChangeCallout({ change, withService }: { change: LatencyChange; withService: boolean }): ReactNode {
  const up = change.direction === 'up';
  const times = up ? change.ratio : 1 / change.ratio;
  return (
    <div className={`latency-change ${change.direction}`} role="note" aria-label={`Latency change of ${change.operation}`}>
      <div className="latency-change-headline">
        <span className="latency-change-arrow" aria-hidden="true">
          {up ? '▲' : '▼'}
        </span>
        <strong>
          {withService && `${change.serviceName} · `}
          {change.operation}: {changeHeadline(change)}
        </strong>
        <span className="latency-change-detail">
          {times.toFixed(1)}× {up ? 'slower' : 'faster'} · {Math.round(change.before.calls).toLocaleString()} calls before,{' '}
          {Math.round(change.after.calls).toLocaleString()} after
        </span>
      </div>
      <div className="latency-change-actions">
        {change.exemplars.length > 0 && (
          <span className="latency-change-traces">
            Slowest traces after the change:
            {change.exemplars.map((exemplar) => (
              <Link
                key={exemplar.traceId}
                to={`/trace/${exemplar.traceId}`}
                className="latency-change-trace"
                title={`Open trace ${exemplar.traceId} (${formatClock(exemplar.timeUnixMillis)})`}
              >
                {formatDuration(exemplar.durationMillis * 1e6)}
              </Link>
            ))}
          </span>
        )}
        <Link
          to={slowVersusNormalUrl(change)}
          className="latency-change-why"
          title="Rank the attributes of the slow spans against the normal ones"
        >
          Why slow? Slow vs normal attributes
        </Link>
      </div>
    </div>
  );
}
