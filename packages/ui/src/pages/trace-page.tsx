import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { api, ApiClientError } from '../api/client';
import type { NativeTrace, OutlineResponse } from '../api/schemas';
import type { TraceLoadProgress } from '../api/trace-loader';
import { FlameGraph } from '../components/flame-graph';
import { OutlineView } from '../components/outline-view';
import { SpanDetails } from '../components/span-details';
import { SpanTable } from '../components/span-table';
import { ErrorBox } from '../components/status-views';
import { incomingLinkIndex } from '../model/span-links';
import { TraceHeader } from '../components/trace-header';
import { TraceLoading } from '../components/trace-loading';
import { TraceSourceActions } from '../components/trace-source-actions';
import { TraceStats } from '../components/trace-stats';
import { Timeline } from '../components/timeline';
import { LogsTimeline } from '../components/logs-timeline';
import { logCountsByKey, logCountsBySpan } from '../model/trace-logs';
import { buildTraceViews, type TraceViews } from '../model/clock-skew';
import { bottleneckHint, criticalPath } from '../model/critical-path';
import { traceHref, traceStateFromParams, type TraceState } from '../model/trace-state';
import { BIG_TRACE_SPANS } from '../model/trace-tree';
import { loadTrace, openedTrace } from '../opened-traces';
import { Link, navigate, type Location } from '../router';
import { useAsync } from '../use-async';

/**
 * Stored traces above this many spans open in the windowed view (outline-view.tsx): the server
 * assembles the tree and the page fetches only the rows it shows. Below it the full view (every
 * span in the browser: critical path, skew, flame graph, stats) opens in about a second.
 */
const OUTLINE_ABOVE_SPANS = 20_000;

type Loaded = { kind: 'full'; trace: NativeTrace; views: TraceViews } | { kind: 'outline'; outline: OutlineResponse };

/**
 * `/trace/<traceId>?span=<spanId>&view=timeline|table|stats|flame&raw=1`: the selected span, the
 * view and raw (not skew-corrected) times live in the URL so a link reopens the same view.
 * `outline=1` / `outline=0` force the windowed / the full view whatever the trace's size.
 */
export function TracePage({ traceId, location }: { traceId: string; location: Location }): ReactNode {
  const [progress, setProgress] = useState<TraceLoadProgress | undefined>(undefined);
  // A trace opened from a file (opened-traces.ts) is shown without asking the API. A stored one
  // is downloaded and parsed in a worker; the trees are built here, after the progress text for
  // that step had a chance to paint (it is the one long task left on a big trace).
  const outlineParam = location.params.get('outline');
  const withOutline = outlineParam !== '0' && !openedTrace(traceId);
  const loaded = useAsync(
    async (signal): Promise<Loaded> => {
      let spanCount: number | undefined;
      // Later phases are committed at once: they arrive as worker messages and before long tasks
      // that could otherwise swallow them, and each should reach the screen (and the browser
      // tests) by itself. The first report runs inside the effect, where flushSync is not allowed.
      let inEffect = true;
      const report = (next: TraceLoadProgress | undefined): void => {
        if (signal.aborted) return;
        const withCount = next && next.spanCount === undefined && spanCount !== undefined ? { ...next, spanCount } : next;
        if (inEffect) setProgress(withCount);
        else flushSync(() => setProgress(withCount));
      };
      report(withOutline ? { phase: 'outline', bytes: 0 } : undefined);
      inEffect = false;
      // A stored trace's first window says how big it is: a big one stays on the server.
      if (withOutline) {
        const outline = await api.outline(traceId, { offset: 0, limit: 200, summary: 300 }, signal);
        if (outline.spanCount > OUTLINE_ABOVE_SPANS || outlineParam === '1') return { kind: 'outline', outline };
        spanCount = outline.spanCount;
        report({ phase: 'download', bytes: 0 });
      }
      const trace = await loadTrace(traceId, { signal, onProgress: report });
      if (trace.spans.length > BIG_TRACE_SPANS) {
        report({ phase: 'build', bytes: 0, spanCount: trace.spans.length });
        await new Promise((done) => setTimeout(done, 0));
      }
      return { kind: 'full', trace, views: buildTraceViews(trace) };
    },
    [traceId, outlineParam],
  );
  const data = loaded.status === 'ok' ? loaded.data : undefined;
  const root = data?.kind === 'full' ? data.views.adjusted.rootSpan : undefined;
  const title =
    data?.kind === 'outline' ? `${data.outline.root.service}: ${data.outline.root.name}` : root && `${root.serviceName}: ${root.name}`;
  useEffect(() => {
    document.title = title ? `${title} · Skein` : `Trace ${traceId} · Skein`;
  }, [title, traceId]);
  if (loaded.status === 'loading') return <TraceLoading traceId={traceId} progress={progress} withOutline={withOutline} />;
  if (loaded.status === 'error') {
    if (loaded.error instanceof ApiClientError && loaded.error.status === 404)
      return <TraceNotFound traceId={traceId} error={loaded.error} />;
    return <ErrorBox title={`Cannot show trace ${traceId}`} error={loaded.error} />;
  }
  if (loaded.data.kind === 'outline') return <OutlineView key={traceId} initial={loaded.data.outline} />;
  return <TraceView key={traceId} views={loaded.data.views} trace={loaded.data.trace} state={traceStateFromParams(location.params)} />;
}

const LINK_MARGIN_NANO = 3_600_000_000_000n;

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
  // Links from other traces (a consumer of a producer here): stored only on the linking span, so
  // storage is asked for spans within an hour of this trace that link to it.
  const foreign = useAsync(
    (signal) => api.incomingLinks(tree.traceId, tree.startNano - LINK_MARGIN_NANO, tree.endNano + LINK_MARGIN_NANO, signal),
    [tree.traceId],
  );
  const foreignLinks = foreign.status === 'ok' ? foreign.data : [];
  // The trace's log records (issue 17): on the span rows, in the span details, in the Logs tab.
  const traceLogs = useAsync((signal) => api.traceLogs(tree.traceId, signal), [tree.traceId]);
  const logs = useMemo(() => (traceLogs.status === 'ok' ? traceLogs.data.logs : []), [traceLogs]);
  // Counts from one aggregate over every record (the list above stops at its limit); a backend
  // without the route: the records read.
  const countsAnswer = useAsync((signal) => api.traceLogCounts(tree.traceId, signal), [tree.traceId]);
  const apiCounts = countsAnswer.status === 'ok' ? countsAnswer.data : undefined;
  const logCounts = useMemo(
    () => (apiCounts !== undefined ? logCountsByKey(tree, apiCounts.spans) : logCountsBySpan(tree, logs)),
    [tree, logs, apiCounts],
  );
  // A span's log count opens the Logs tab on that span's records.
  const showLogs = (key: string): void => go({ view: 'logs', span: key, logs: 'span' });
  const logsStatus = traceLogs.status === 'error' ? traceLogs.error.message : traceLogs.status;
  let body: ReactNode;
  if (state.view === 'table')
    body = (
      <SpanTable tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} logCounts={logCounts} onShowLogs={showLogs} />
    );
  else if (state.view === 'stats') body = <TraceStats tree={tree} />;
  else if (state.view === 'flame') body = <FlameGraph tree={tree} critical={critical} selectedKey={selectedKey} onSelect={select} />;
  else if (state.view === 'logs')
    body = (
      <LogsTimeline
        tree={tree}
        logs={logs}
        status={logsStatus}
        selectedKey={selectedKey}
        onSelect={select}
        scope={state.logs}
        onScope={(scope) => go({ logs: scope })}
      />
    );
  else {
    body = (
      <Timeline
        tree={tree}
        trace={trace}
        critical={critical}
        state={state}
        selectedKey={selectedKey}
        onChange={go}
        onSelect={select}
        logCounts={logCounts}
        onShowLogs={showLogs}
      />
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
            foreignIncoming={foreignLinks.filter((link) => link.linkedSpanId === selected.span!.spanId)}
            raw={state.raw}
            onClose={() => select(undefined)}
            onSelect={select}
            logs={traceLogs.status === 'loading' ? undefined : logs.filter((log) => log.spanId === selected.span!.spanId)}
            {...(state.view !== 'logs' && { onShowLogs: () => go({ view: 'logs' }) })}
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
