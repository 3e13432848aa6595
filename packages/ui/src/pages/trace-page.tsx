import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { SpanDetails } from '../components/span-details';
import { ErrorBox, Loading } from '../components/status-views';
import { TraceHeader } from '../components/trace-header';
import { Waterfall } from '../components/waterfall';
import { ancestorKeys, buildTraceTree, type TraceTree } from '../model/trace-tree';
import { navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/** `/trace/<traceId>?span=<spanId>`: the selected span lives in the URL so a link reopens it. */
export function TracePage({ traceId, location }: { traceId: string; location: Location }): ReactNode {
  const trace = useAsync((signal) => api.trace(traceId, signal), [traceId]);
  const tree = useMemo(() => (trace.status === 'ok' ? buildTraceTree(trace.data) : undefined), [trace]);
  useEffect(() => {
    document.title = tree?.rootSpan ? `${tree.rootSpan.serviceName}: ${tree.rootSpan.name} · Skein` : `Trace ${traceId} · Skein`;
  }, [tree, traceId]);
  if (trace.status === 'loading') return <Loading what={`trace ${traceId}`} />;
  if (trace.status === 'error') return <ErrorBox title={`Cannot show trace ${traceId}`} error={trace.error} />;
  return <TraceView key={traceId} tree={tree!} resources={trace.data} selectedParam={location.params.get('span')} />;
}

function TraceView({
  tree,
  resources,
  selectedParam,
}: {
  tree: TraceTree;
  resources: Parameters<typeof SpanDetails>[0]['trace'];
  selectedParam: string | null;
}): ReactNode {
  // `span=` holds a span ID; the n-th repeat of a duplicated ID is addressed as `id#n`.
  const selected = selectedParam === null ? undefined : (tree.byKey.get(selectedParam) ?? tree.bySpanId.get(selectedParam));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  // A newly selected span inside a collapsed subtree is revealed (only when the selection
  // changes: collapsing an ancestor of the selected span afterwards must stay collapsed).
  useEffect(() => {
    if (!selected) return;
    const ancestors = ancestorKeys(tree, selected.key);
    setCollapsed((current) => {
      const hidden = ancestors.filter((key) => current.has(key));
      return hidden.length === 0 ? current : new Set([...current].filter((key) => !hidden.includes(key)));
    });
  }, [selected, tree]);
  const select = (key: string | undefined): void => {
    navigate(`/trace/${tree.traceId}${key === undefined ? '' : `?span=${encodeURIComponent(key)}`}`, { replace: true });
  };
  const toggle = (key: string): void => {
    const next = new Set(collapsed);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setCollapsed(next);
  };
  return (
    <div className="trace-page">
      <TraceHeader tree={tree} />
      {selectedParam !== null && !selected && (
        <div className="notice warn">
          Span <code>{selectedParam}</code> is not part of this trace.
        </div>
      )}
      <div className={`trace-body${selected ? ' with-details' : ''}`}>
        <Waterfall tree={tree} collapsed={collapsed} selectedKey={selected?.key} onSelect={select} onToggle={toggle} />
        {selected?.span && (
          <SpanDetails node={selected} tree={tree} trace={resources} onClose={() => select(undefined)} onSelect={select} />
        )}
      </div>
    </div>
  );
}
