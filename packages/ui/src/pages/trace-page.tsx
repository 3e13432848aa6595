import { useEffect, useMemo, type ReactNode } from 'react';
import { ApiClientError } from '../api/client';
import type { NativeTrace } from '../api/schemas';
import { FlameGraph } from '../components/flame-graph';
import { SpanDetails } from '../components/span-details';
import { SpanTable } from '../components/span-table';
import { ErrorBox, Loading } from '../components/status-views';
import { incomingLinkIndex } from '../model/span-links';
import { TraceHeader } from '../components/trace-header';
import { TraceSourceActions } from '../components/trace-source-actions';
import { TraceStats } from '../components/trace-stats';
import { Timeline } from '../components/timeline';
import { buildTraceViews, type TraceViews } from '../model/clock-skew';
import { bottleneckHint, criticalPath } from '../model/critical-path';
import { traceHref, traceStateFromParams, type TraceState } from '../model/trace-state';
import { loadTrace } from '../opened-traces';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/**
 * `/trace/<traceId>?span=<spanId>&view=timeline|table|stats|flame&raw=1`: the selected span, the
 * view and raw (not skew-corrected) times live in the URL so a link reopens the same view.
 */
export function TracePage({ traceId, location }: { traceId: string; location: Location }): ReactNode {
  // A trace opened from a file (opened-traces.ts) is shown without asking the API.
  const trace = useAsync((signal) => loadTrace(traceId, signal), [traceId]);
  const views = useMemo(() => (trace.status === 'ok' ? buildTraceViews(trace.data) : undefined), [trace]);
  const root = views?.adjusted.rootSpan;
  useEffect(() => {
    document.title = root ? `${root.serviceName}: ${root.name} · Skein` : `Trace ${traceId} · Skein`;
  }, [root, traceId]);
  if (trace.status === 'loading') return <Loading what={`trace ${traceId}`} />;
  if (trace.status === 'error') {
    if (trace.error instanceof ApiClientError && trace.error.status === 404) return <TraceNotFound traceId={traceId} error={trace.error} />;
    return <ErrorBox title={`Cannot show trace ${traceId}`} error={trace.error} />;
  }
  return <TraceView key={traceId} views={views!} trace={trace.data} state={traceStateFromParams(location.params)} />;
}

function TraceView({ views, trace, state }: { views: TraceViews; trace: NativeTrace; state: TraceState }): ReactNode {
  const tree = state.raw ? views.raw : views.adjusted;
  const critical = useMemo(() => criticalPath(tree), [tree]);
  const hint = useMemo(() => bottleneckHint(tree, critical), [tree, critical]);
  // `span=` holds a span ID; the n-th repeat of a duplicated ID is addressed as `id#n`.
  const selectedParam = state.span;
  const selected = selectedParam === undefined ? undefined : (tree.byKey.get(selectedParam) ?? tree.bySpanId.get(selectedParam));
  const selectedKey = selected?.key;
  const go = (change: Partial<TraceState>): void => navigate(traceHref(tree.traceId, { ...state, ...change }), { replace: true });
  const select = (key: string | undefined): void => go({ span: key });
  const incoming = useMemo(() => incomingLinkIndex(tree), [tree]);
  let body: ReactNode;
  if (state.view === 'table') body = <SpanTable tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} />;
  else if (state.view === 'stats') body = <TraceStats tree={tree} />;
  else if (state.view === 'flame') body = <FlameGraph tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} />;
  else {
    body = (
      <Timeline tree={tree} trace={trace} critical={critical} state={state} selectedKey={selectedKey} onChange={go} onSelect={select} />
    );
  }
  const showDetails = selected?.span !== undefined && state.view !== 'stats';
  return (
    <div className="trace-page">
      <TraceHeader
        actions={<TraceSourceActions traceId={tree.traceId} />}
        tree={tree}
        skewedCount={views.raw.skewedCount}
        hint={hint}
        state={state}
        onChange={go}
        onSelectHint={hint ? () => select(hint.child.key) : undefined}
      />
      {selectedParam !== undefined && !selected && (
        <div className="notice warn">
          Span <code>{selectedParam}</code> is not part of this trace.
        </div>
      )}
      <div className={`trace-body${showDetails ? ' with-details' : ''}`}>
        {body}
        {showDetails && (
          <SpanDetails
            node={selected}
            tree={tree}
            trace={trace}
            criticalSegments={critical.get(selected.key)}
            incoming={incoming.get(selected.span!.spanId) ?? []}
            raw={state.raw}
            onClose={() => select(undefined)}
            onSelect={select}
          />
        )}
      </div>
    </div>
  );
}

/** A 404 from the API: the trace is not (or not yet) stored; say what to check instead of a bare error. */
function TraceNotFound({ traceId, error }: { traceId: string; error: Error }): ReactNode {
  return (
    <div className="not-found">
      <ErrorBox title="Trace not found" error={error} />
      <p className="muted">
        No span of trace <code>{traceId}</code> is stored (yet): spans reach storage a few seconds after a request ends, and traces older
        than the retention period are gone. <Link to="/search">Search traces</Link>
      </p>
    </div>
  );
}
