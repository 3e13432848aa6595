import {
  useCallback,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { NativeTrace } from '../api/schemas';
import type { Segment } from '../model/critical-path';
import { formatDuration } from '../model/format';
import { searchSpans, stepMatch, withAncestors } from '../model/span-search';
import { timelineKey } from '../model/timeline-keys';
import type { TraceState } from '../model/trace-state';
import { ancestorKeys, defaultCollapsed, descendantCounts, visibleRows, type TraceTree } from '../model/trace-tree';
import { FULL_WINDOW, isFullWindow, type ZoomWindow } from '../model/trace-zoom';
import { TimelineSearch, SEARCH_INPUT_ID } from './timeline-search';
import { TraceMinimap } from './trace-minimap';
import { Waterfall } from './waterfall';

interface Props {
  tree: TraceTree;
  trace: NativeTrace;
  critical: ReadonlyMap<string, readonly Segment[]>;
  state: TraceState;
  selectedKey: string | undefined;
  onChange(change: Partial<TraceState>): void;
  onSelect(key: string | undefined): void;
  /** Log records per span row key (issue 17), shown on the rows. */
  logCounts?: ReadonlyMap<string, number>;
  /** A row's log count was clicked: show that span's logs. */
  onShowLogs?(key: string): void;
}

/**
 * The timeline view: in-trace search and zoom controls, the minimap, and the virtualized
 * waterfall, with keyboard navigation. Zoom, search and selection live in the URL; only the
 * collapsed set is local (one Set for the whole trace, not state per span).
 */
export function Timeline({ tree, trace, critical, state, selectedKey, onChange, onSelect, logCounts, onShowLogs }: Props): ReactNode {
  // Big traces open with their deep levels folded (model/trace-tree.ts: defaultCollapsed).
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => defaultCollapsed(tree));
  const allRows = useMemo(() => visibleRows(tree, new Set()), [tree]);
  const order = useMemo(() => new Map(allRows.map((node, index) => [node.key, index])), [allRows]);
  const descendants = useMemo(() => descendantCounts(tree), [tree]);
  const query = state.q ?? '';
  // Matching runs at low priority: typing never waits for a scan of 100k spans.
  const deferredQuery = useDeferredValue(query);
  const matches = useMemo(() => searchSpans(tree, deferredQuery, trace.resources), [tree, deferredQuery, trace.resources]);
  const filtering = state.match === 'filter' && deferredQuery.trim() !== '';
  const keep = useMemo(() => (filtering ? withAncestors(tree, matches.keys) : undefined), [filtering, tree, matches]);
  const rows = useMemo(() => visibleRows(tree, collapsed, keep), [tree, collapsed, keep]);
  const window = state.zoom ?? FULL_WINDOW;

  // A newly selected span inside a collapsed subtree is revealed (only when the selection
  // changes: collapsing an ancestor of the selected span afterwards must stay collapsed).
  useEffect(() => {
    if (selectedKey === undefined) return;
    const ancestors = ancestorKeys(tree, selectedKey);
    setCollapsed((current) => {
      const hidden = ancestors.filter((key) => current.has(key));
      if (hidden.length === 0) return current;
      const next = new Set(current);
      for (const key of hidden) next.delete(key);
      return next;
    });
  }, [selectedKey, tree]);

  // Row callbacks stay the same functions across renders so memoized rows skip re-rendering.
  const latest = useRef({ onSelect, onChange });
  useLayoutEffect(() => {
    latest.current = { onSelect, onChange };
  });
  const select = useCallback((key: string | undefined) => latest.current.onSelect(key), []);
  const toggle = useCallback((key: string) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);
  const zoom = useCallback((next: ZoomWindow) => latest.current.onChange({ zoom: isFullWindow(next) ? undefined : next }), []);
  // Enter right after typing: the query reaches the URL and the (deferred) matching a render or
  // two later, so the step waits for this query's matches and then jumps to its first match
  // (stepping through the previous query's matches would select a stale or no span).
  const requestedQuery = useRef(query);
  const pendingStep = useRef<1 | -1 | undefined>(undefined);
  const setQuery = useCallback((q: string) => {
    requestedQuery.current = q.trim() === '' ? '' : q;
    latest.current.onChange({ q: q.trim() === '' ? undefined : q });
  }, []);
  const step = (direction: 1 | -1): void => {
    if (requestedQuery.current !== deferredQuery) {
      pendingStep.current = direction;
      return;
    }
    const key = stepMatch(matches.keys, order, selectedKey, direction);
    if (key !== undefined) select(key);
  };
  useEffect(() => {
    const direction = pendingStep.current;
    if (direction === undefined || requestedQuery.current !== deferredQuery) return;
    pendingStep.current = undefined;
    const key = stepMatch(matches.keys, order, undefined, direction);
    if (key !== undefined) select(key);
  }, [deferredQuery, matches, order, select]);

  const rowIndex = useMemo(() => new Map(rows.map((node, index) => [node.key, index])), [rows]);
  const focusTimeline = (): void => document.querySelector<HTMLElement>('.waterfall')?.focus();
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>, pageSize: number): void => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const command = timelineKey(event.key, { rows, rowIndex, selectedKey, isCollapsed: (key) => collapsed.has(key), pageSize });
    if (!command) return;
    event.preventDefault();
    switch (command.type) {
      case 'select':
        select(command.key);
        break;
      case 'collapse':
      case 'expand':
        toggle(command.key);
        break;
      case 'open':
        select(command.key);
        // The details panel renders for the selection; move the focus there once it has.
        requestAnimationFrame(() => document.querySelector<HTMLElement>('.span-details')?.focus());
        break;
      case 'focus-search':
        document.getElementById(SEARCH_INPUT_ID)?.focus();
        break;
      case 'clear':
        select(undefined);
        break;
    }
  };

  // `/` focuses the search from anywhere on the page (unless typing in a field already).
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent): void => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      event.preventDefault();
      document.getElementById(SEARCH_INPUT_ID)?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const position = selectedKey === undefined ? -1 : matches.keys.indexOf(selectedKey);
  const zoomed = !isFullWindow(window);
  return (
    <div className="timeline">
      <div className="timeline-toolbar">
        <TimelineSearch
          query={query}
          mode={state.match ?? 'highlight'}
          matchCount={matches.keys.length}
          position={position >= 0 ? position + 1 : undefined}
          onQuery={setQuery}
          onMode={(match) => onChange({ match })}
          onStep={step}
          onLeave={focusTimeline}
        />
        <div className="tree-buttons">
          <button type="button" className="secondary" onClick={() => setCollapsed(new Set())} disabled={collapsed.size === 0}>
            Expand all
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              setCollapsed(new Set([...tree.byKey.values()].filter((node) => node.children.length > 0).map((node) => node.key)))
            }
            title="Fold every span with children"
          >
            Collapse all
          </button>
        </div>
        {zoomed && (
          <div className="zoom-info">
            <span className="muted">
              Showing {formatDuration(window.from * tree.durationNano)} – {formatDuration(window.to * tree.durationNano)} of{' '}
              {formatDuration(tree.durationNano)}
            </span>
            <button type="button" className="secondary" onClick={() => zoom(FULL_WINDOW)}>
              Reset zoom
            </button>
          </div>
        )}
      </div>
      <TraceMinimap tree={tree} allRows={allRows} window={window} onZoom={zoom} />
      <Waterfall
        tree={tree}
        rows={rows}
        critical={critical}
        raw={state.raw}
        collapsed={collapsed}
        descendants={descendants}
        logCounts={logCounts}
        onShowLogs={onShowLogs}
        selectedKey={selectedKey}
        matches={matches.set}
        window={window}
        onSelect={select}
        onToggle={toggle}
        onZoom={zoom}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}
