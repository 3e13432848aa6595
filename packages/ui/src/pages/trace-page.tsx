import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { NativeTrace } from '../api/schemas';
import { FlameGraph } from '../components/flame-graph';
import { SpanDetails } from '../components/span-details';
import { SpanTable } from '../components/span-table';
import { ErrorBox, Loading } from '../components/status-views';
import { TraceHeader } from '../components/trace-header';
import { TraceStats } from '../components/trace-stats';
import { Waterfall } from '../components/waterfall';
import { buildTraceViews, type TraceViews } from '../model/clock-skew';
import { bottleneckHint, criticalPath } from '../model/critical-path';
import { traceHref, traceStateFromParams, type TraceState } from '../model/trace-state';
import { ancestorKeys } from '../model/trace-tree';
import { navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/**
 * `/trace/<traceId>?span=<spanId>&view=timeline|table|stats|flame&raw=1`: the selected span, the
 * view and raw (not skew-corrected) times live in the URL so a link reopens the same view.
 */
export function TracePage({ traceId, location }: { traceId: string; location: Location }): ReactNode {
  const trace = useAsync((signal) => api.trace(traceId, signal), [traceId]);
  const views = useMemo(() => (trace.status === 'ok' ? buildTraceViews(trace.data) : undefined), [trace]);
  const root = views?.adjusted.rootSpan;
  useEffect(() => {
    document.title = root ? `${root.serviceName}: ${root.name} · Skein` : `Trace ${traceId} · Skein`;
  }, [root, traceId]);
  if (trace.status === 'loading') return <Loading what={`trace ${traceId}`} />;
  if (trace.status === 'error') return <ErrorBox title={`Cannot show trace ${traceId}`} error={trace.error} />;
  return <TraceView key={traceId} views={views!} trace={trace.data} state={traceStateFromParams(location.params)} />;
}

function TraceView({ views, trace, state }: { views: TraceViews; trace: NativeTrace; state: TraceState }): ReactNode {
  const tree = state.raw ? views.raw : views.adjusted;
  const critical = useMemo(() => criticalPath(tree), [tree]);
  const hint = useMemo(() => bottleneckHint(tree, critical), [tree, critical]);
  // `span=` holds a span ID; the n-th repeat of a duplicated ID is addressed as `id#n`.
  const selectedParam = state.span;
  const selected = selectedParam === undefined ? undefined : (tree.byKey.get(selectedParam) ?? tree.bySpanId.get(selectedParam));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  // A newly selected span inside a collapsed subtree is revealed (only when the selection
  // changes: collapsing an ancestor of the selected span afterwards must stay collapsed).
  const selectedKey = selected?.key;
  useEffect(() => {
    if (selectedKey === undefined) return;
    const ancestors = ancestorKeys(tree, selectedKey);
    setCollapsed((current) => {
      const hidden = ancestors.filter((key) => current.has(key));
      return hidden.length === 0 ? current : new Set([...current].filter((key) => !hidden.includes(key)));
    });
  }, [selectedKey, tree]);
  const go = (change: Partial<TraceState>): void => navigate(traceHref(tree.traceId, { ...state, ...change }), { replace: true });
  const select = (key: string | undefined): void => go({ span: key });
  const toggle = (key: string): void => {
    const next = new Set(collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setCollapsed(next);
  };
  let body: ReactNode;
  if (state.view === 'table') body = <SpanTable tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} />;
  else if (state.view === 'stats') body = <TraceStats tree={tree} />;
  else if (state.view === 'flame') body = <FlameGraph tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} />;
  else {
    body = (
      <Waterfall
        tree={tree}
        critical={critical}
        raw={state.raw}
        collapsed={collapsed}
        selectedKey={selectedKey}
        onSelect={select}
        onToggle={toggle}
      />
    );
  }
  const showDetails = selected?.span !== undefined && state.view !== 'stats';
  return (
    <div className="trace-page">
      <TraceHeader
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
            raw={state.raw}
            onClose={() => select(undefined)}
            onSelect={select}
          />
        )}
      </div>
    </div>
  );
}
