import { useState, type ReactNode } from 'react';
import type { BottleneckHint } from '../model/critical-path';
import { formatDuration, formatTimestamp } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { TRACE_VIEWS, type TraceState, type TraceViewName } from '../model/trace-state';
import { spansPerService, type TraceTree } from '../model/trace-tree';
import { ServiceChip } from './service-chip';

const VIEW_LABELS: Record<TraceViewName, string> = {
  timeline: 'Timeline',
  table: 'Span table',
  stats: 'Statistics',
  flame: 'Flame graph',
  logs: 'Logs',
};

interface Props {
  tree: TraceTree;
  /** Spans the clock-skew adjuster moves (shown whether or not raw times are on). */
  skewedCount: number;
  hint: BottleneckHint | undefined;
  state: TraceState;
  onChange(change: Partial<TraceState>): void;
  onSelectHint: (() => void) | undefined;
  /** Top-right actions (download, file source), owned by the page. */
  actions?: ReactNode;
}

const DETAILS_KEY = 'skein.traceDetailsOpen';

function detailsOpenAtFirst(): boolean {
  try {
    return localStorage.getItem(DETAILS_KEY) === 'true';
  } catch {
    return false;
  }
}

/**
 * The trace's title, its facts on one line, and the view tabs: compact, so the spans get the
 * screen. The service breakdown is behind "Details" (remembered across traces).
 */
export function TraceHeader({ tree, skewedCount, hint, state, onChange, onSelectHint, actions }: Props): ReactNode {
  const root = tree.rootSpan;
  const [detailsOpen, setDetailsOpen] = useState(detailsOpenAtFirst);
  const toggleDetails = (): void => {
    setDetailsOpen(!detailsOpen);
    try {
      localStorage.setItem(DETAILS_KEY, String(!detailsOpen));
    } catch {
      // Private mode: remembered for this page only.
    }
  };
  return (
    <header className="trace-header compact">
      {actions}
      <h1>
        {root && (
          <span className="root-service" style={{ borderColor: serviceColor(root.serviceName) }}>
            {root.serviceName}
          </span>
        )}
        <span>{root?.name ?? 'empty trace'}</span>
        {tree.rootSpanMissing && (
          <span className="badge warn" title="No span without a parent has arrived: the earliest span stands in for the root">
            root span missing
          </span>
        )}
      </h1>
      <dl className="facts">
        <Fact label="Start">{root ? formatTimestamp(tree.startNano.toString()) : '–'}</Fact>
        <Fact label="Duration">{formatDuration(tree.durationNano)}</Fact>
        <Fact label="Services">{tree.services.length}</Fact>
        <Fact label="Depth">{tree.depth}</Fact>
        <Fact label="Spans">{tree.spanCount}</Fact>
        <Fact label="Errors">
          <span className={tree.errorCount > 0 ? 'error-text' : ''}>{tree.errorCount}</span>
        </Fact>
        {tree.orphanCount > 0 && (
          <Fact label="Orphans">
            <span title="Spans whose parent span is not stored">{tree.orphanCount}</span>
          </Fact>
        )}
        <div className="facts-extra">
          <span className="trace-id mono" title="Trace ID">
            {tree.traceId}
          </span>
          <button type="button" className="link-button details-toggle" aria-expanded={detailsOpen} onClick={toggleDetails}>
            {detailsOpen ? 'Hide details' : 'Details'}
          </button>
        </div>
      </dl>
      {hint && (
        <div className="bottleneck">
          <span className="bottleneck-label">Bottleneck</span>
          <button
            type="button"
            className="link-button"
            onClick={onSelectHint}
            title={`${hint.child.span?.name ?? ''} covers ${Math.round(hint.share * 100)} % of its parent ${hint.parent.span?.name ?? ''} on the critical path`}
          >
            {hint.text}
          </button>
        </div>
      )}
      {detailsOpen && (
        <div className="trace-details">
          <span className="muted small">Spans per service</span>
          <div className="chips">
            {spansPerService(tree).map(({ serviceName, spanCount }) => (
              <ServiceChip key={serviceName} service={serviceName} count={spanCount} />
            ))}
          </div>
        </div>
      )}
      <div className="trace-toolbar">
        <nav className="tabs" role="tablist" aria-label="Trace views">
          {TRACE_VIEWS.map((view) => (
            <button
              key={view}
              type="button"
              role="tab"
              aria-selected={state.view === view}
              className={state.view === view ? 'selected' : ''}
              onClick={() => onChange({ view })}
            >
              {VIEW_LABELS[view]}
            </button>
          ))}
        </nav>
        <span className="legend">
          <span className="legend-crit" aria-hidden="true" /> critical path
        </span>
        {skewedCount > 0 && (
          <label
            className="checkbox raw-toggle"
            title={`${skewedCount} span${skewedCount === 1 ? '' : 's'} from other hosts were shifted to fit inside their parents (clock skew)`}
          >
            <input type="checkbox" name="rawTimes" checked={state.raw} onChange={(event) => onChange({ raw: event.target.checked })} />
            raw times
            <span className="badge skew">{skewedCount} skew-adjusted</span>
          </label>
        )}
      </div>
    </header>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }): ReactNode {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
