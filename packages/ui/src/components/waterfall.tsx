import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import type { Segment } from '../model/critical-path';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import type { SpanNode, TraceTree } from '../model/trace-tree';
import { placeBar, placePoint, windowFromDrag, windowTicks, type ZoomWindow } from '../model/trace-zoom';
import { scrollTopToReveal, virtualWindow } from '../model/virtual-rows';
import { useColumnResize } from './use-column-resize';
import { useDragRange } from './use-drag-range';

interface Props {
  tree: TraceTree;
  /** The visible rows, in display order (collapsed subtrees and filtered-out spans left out). */
  rows: readonly SpanNode[];
  /** Critical segments per node key: drawn darker on the bars. */
  critical: ReadonlyMap<string, readonly Segment[]>;
  /** Times as recorded: skew markers then say what the adjuster would do. */
  raw: boolean;
  collapsed: ReadonlySet<string>;
  /** Descendants per node key (the count shown on a collapsed row). */
  descendants: ReadonlyMap<string, number>;
  /** Log records per node key (a badge on the row; opens the span's logs). */
  logCounts?: ReadonlyMap<string, number> | undefined;
  onShowLogs?: ((key: string) => void) | undefined;
  selectedKey: string | undefined;
  /** In-trace search matches, and the one last stepped to. */
  matches: ReadonlySet<string>;
  window: ZoomWindow;
  onSelect(key: string): void;
  onToggle(key: string): void;
  onZoom(window: ZoomWindow): void;
  onKeyDown(event: KeyboardEvent<HTMLDivElement>, pageSize: number): void;
}

/** Fixed row height (px): virtualization places rows by index, so every row must be this tall. */
export const ROW_HEIGHT = 28;
/** Rows rendered beyond each edge of the viewport, so fast scrolling shows no blank strip. */
const OVERSCAN = 12;
/** Height of the sticky ruler at the top of the scrolling viewport (px, as in styles.css). */
const HEADER_HEIGHT = 30;
const INDENT_PX = 14;
/** Deeper levels stop indenting, so a 1,000-level trace still shows its span names. */
const MAX_INDENT_LEVELS = 16;

/**
 * The span tree beside a timeline: one row per visible span, bars placed on the zoom window.
 * Only the rows in view (plus an overscan) are in the DOM, inside a spacer as tall as all rows,
 * so a 100k-span trace scrolls like a 10-span one.
 */
export function Waterfall(props: Props): ReactNode {
  const { tree, rows, selectedKey, window, onZoom } = props;
  const total = Math.max(1, tree.durationNano);
  const ticks = useMemo(() => windowTicks(total, window, 6), [total, window]);
  const viewportRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(600);
  const nameColumn = useColumnResize();
  const drag = useDragRange((a, b) => {
    const next = windowFromDrag(a, b, window);
    if (next) onZoom(next);
  });

  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (!viewport) return;
    setViewportHeight(viewport.clientHeight - HEADER_HEIGHT);
    const observer = new ResizeObserver(() => setViewportHeight(viewport.clientHeight - HEADER_HEIGHT));
    observer.observe(viewport);
    return () => observer.disconnect();
  }, []);

  const rowIndex = useMemo(() => {
    const index = new Map<string, number>();
    rows.forEach((row, i) => index.set(row.key, i));
    return index;
  }, [rows]);

  // Bring a newly selected span into view (a deep link may point far down a long trace). Rows
  // can change first (its ancestors get expanded), so the reveal waits until the row exists.
  const pendingReveal = useRef<string | undefined>(selectedKey);
  useEffect(() => {
    pendingReveal.current = selectedKey;
  }, [selectedKey]);
  useLayoutEffect(() => {
    const key = pendingReveal.current;
    const viewport = viewportRef.current;
    if (key === undefined || !viewport) return;
    const index = rowIndex.get(key);
    if (index === undefined) return;
    pendingReveal.current = undefined;
    const target = scrollTopToReveal(index, ROW_HEIGHT, viewport.scrollTop, viewport.clientHeight - HEADER_HEIGHT);
    if (target !== undefined) {
      viewport.scrollTop = target;
      setScrollTop(target);
    }
  }, [rowIndex, selectedKey]);

  const slice = virtualWindow({ rowCount: rows.length, rowHeight: ROW_HEIGHT, scrollTop, viewportHeight, overscan: OVERSCAN });
  const tickPct = (tick: number): number => placePoint(tick, total, window);
  const selecting = drag.range && Math.abs(drag.range[1] - drag.range[0]) > 0.002 ? drag.range : undefined;

  return (
    <div
      className="waterfall"
      role="tree"
      aria-label="Spans"
      tabIndex={0}
      {...(nameColumn.widthPx !== undefined && { style: { '--name-col': `${nameColumn.widthPx}px` } as CSSProperties })}
      onKeyDown={(event) => props.onKeyDown(event, Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT) - 1))}
    >
      {/* The ruler scrolls with the rows (sticky) so a scrollbar never shifts bars against ticks. */}
      <div className="wf-viewport" ref={viewportRef} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}>
        <div className="wf-header">
          <div className="wf-name-col">
            Service · span <span className="muted wf-row-count">{rows.length.toLocaleString('en-US')} rows</span>
            <span
              className="wf-col-resizer"
              role="separator"
              aria-orientation="vertical"
              aria-label="Resize the name column (drag, or arrow keys; double-click resets)"
              title="Drag to resize the name column; double-click to reset"
              tabIndex={0}
              {...nameColumn.handleProps}
            />
          </div>
          <div className="wf-ruler" {...drag.handlers} title="Drag to zoom to a time window">
            {ticks.map((tick) => (
              <span key={tick} className="wf-tick" style={tickStyle(tickPct(tick))}>
                {tick === 0 ? '0' : formatDuration(tick)}
              </span>
            ))}
            {selecting && (
              <div
                className="drag-selection"
                style={{ left: `${Math.min(...selecting) * 100}%`, width: `${Math.abs(selecting[1] - selecting[0]) * 100}%` }}
              />
            )}
          </div>
        </div>
        <div className="wf-spacer" style={{ height: slice.totalHeight }}>
          <div className="wf-grid" aria-hidden="true">
            {ticks.map((tick) => (
              <span key={tick} style={{ left: `${tickPct(tick)}%` }} />
            ))}
          </div>
          <div className="wf-rows" style={{ transform: `translateY(${slice.offsetTop}px)` }}>
            {rows.slice(slice.first, slice.last).map((node) => (
              <WaterfallRow
                key={node.key}
                node={node}
                total={total}
                window={window}
                traceStartNano={tree.startNano}
                segments={props.critical.get(node.key)}
                raw={props.raw}
                isCollapsed={props.collapsed.has(node.key)}
                hidden={props.descendants.get(node.key) ?? 0}
                logCount={props.logCounts?.get(node.key) ?? 0}
                onShowLogs={props.onShowLogs}
                selected={node.key === selectedKey}
                match={props.matches.has(node.key)}
                onSelect={props.onSelect}
                onToggle={props.onToggle}
              />
            ))}
          </div>
          {rows.length === 0 && <div className="wf-empty muted">No span matches the search.</div>}
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  node: SpanNode;
  total: number;
  window: ZoomWindow;
  traceStartNano: bigint;
  segments: readonly Segment[] | undefined;
  raw: boolean;
  isCollapsed: boolean;
  hidden: number;
  logCount: number;
  onShowLogs: ((key: string) => void) | undefined;
  selected: boolean;
  match: boolean;
  onSelect(key: string): void;
  onToggle(key: string): void;
}

/** One row; memoized so scrolling renders only the rows that come into view. */
const WaterfallRow = memo(function WaterfallRow({
  node,
  total,
  window,
  traceStartNano,
  segments,
  raw,
  isCollapsed,
  hidden,
  logCount,
  onShowLogs,
  selected,
  match,
  onSelect,
  onToggle,
}: RowProps): ReactNode {
  const span = node.span;
  const error = span?.status.code === 'ERROR';
  const bar = placeBar(node.startOffsetNano, node.durationNano, total, window);
  const color = span ? serviceColor(span.serviceName) : undefined;
  const barEnd = bar ? bar.left + bar.width : 0;
  // The duration label goes after the bar, else before it, else (a wide bar) inside it.
  const labelPlace = !bar ? 'after' : barEnd <= 84 ? 'after' : bar.left >= 12 ? 'before' : 'inside';
  const nodeLength = Math.max(1, node.durationNano);
  return (
    <div
      className={`wf-row${selected ? ' selected' : ''}${error ? ' error' : ''}${span ? '' : ' placeholder'}${match ? ' match' : ''}`}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={selected}
      {...(node.children.length > 0 && { 'aria-expanded': !isCollapsed })}
      data-span-id={span?.spanId}
      onClick={() => onSelect(node.key)}
    >
      <div
        className="wf-name"
        style={{ paddingLeft: 6 + Math.min(node.depth, MAX_INDENT_LEVELS) * INDENT_PX }}
        // The full service and span name on hover, however narrow the column.
        title={
          span
            ? `${span.serviceName} · ${span.name}${node.depth > MAX_INDENT_LEVELS ? ` (depth ${node.depth})` : ''}`
            : `missing parent span ${node.missingSpanId ?? ''}`
        }
      >
        {node.children.length > 0 ? (
          <button
            type="button"
            className="wf-toggle"
            tabIndex={-1}
            aria-label={`${isCollapsed ? 'Expand' : 'Collapse'} ${span?.name ?? 'placeholder'}`}
            onClick={(event) => {
              event.stopPropagation();
              onToggle(node.key);
            }}
          >
            {isCollapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="wf-toggle-space" />
        )}
        {span ? (
          <>
            <span className="service-dot" style={{ background: color }} aria-hidden="true" />
            <span className="wf-service">{span.serviceName}</span>
            <span className="wf-span-name">{span.name}</span>
            {error && (
              <span className="error-mark" title={span.status.message || 'status ERROR'} aria-label="error">
                !
              </span>
            )}
            {node.duplicate && (
              <span className="badge warn" title="Another span with this span ID came first">
                dup ID
              </span>
            )}
            {node.parentCycle && (
              <span className="badge warn" title="Its parent chain loops back to it">
                parent cycle
              </span>
            )}
            {node.skewNano !== 0 && <SkewMark skewNano={node.skewNano} raw={raw} />}
            {logCount > 0 && <LogCountBadge count={logCount} onClick={onShowLogs && (() => onShowLogs(node.key))} />}
            {isCollapsed && (
              <span className="badge" title={`${hidden} spans folded under it`}>
                {hidden.toLocaleString('en-US')}
              </span>
            )}
          </>
        ) : (
          <span className="wf-missing" title={`No span ${node.missingSpanId ?? ''} is stored; these spans name it as parent`}>
            missing parent span {node.missingSpanId}
          </span>
        )}
      </div>
      <div className="wf-timeline">
        {bar && (
          <div
            className={`wf-bar${bar.clippedLeft ? ' clipped-left' : ''}${bar.clippedRight ? ' clipped-right' : ''}`}
            style={{ left: `${bar.left}%`, width: `max(2px, ${bar.width}%)`, ...(color !== undefined && { background: color }) }}
          >
            {span &&
              segments?.map(([from, to]) => {
                const segment = placeBar(from, to - from, total, window);
                if (!segment || bar.width <= 0) return null;
                return (
                  <span
                    key={from}
                    className="wf-crit"
                    style={{ left: `${((segment.left - bar.left) / bar.width) * 100}%`, width: `${(segment.width / bar.width) * 100}%` }}
                  />
                );
              })}
          </div>
        )}
        {span?.events.map((event, index) => {
          const offset = Number(BigInt(event.timeUnixNano) - traceStartNano);
          const at = placePoint(offset, total, window);
          if (at < 0 || at > 100) return null;
          const sinceStart = Math.max(0, Math.min(nodeLength, offset - node.startOffsetNano));
          return (
            <span
              key={index}
              className={`wf-event${event.name === 'exception' ? ' exception' : ''}`}
              style={{ left: `${at}%` }}
              data-label={`${event.name} · +${formatDuration(sinceStart)}`}
              aria-label={`event ${event.name}`}
            />
          );
        })}
        {!bar && (
          // Outside the zoom window: say which way it lies rather than leave the row blank.
          <span className="wf-offscreen" style={node.startOffsetNano < window.from * total ? { left: 0 } : { right: 0 }}>
            {node.startOffsetNano < window.from * total ? '◂ ' : ''}
            {formatDuration(node.durationNano)}
            {node.startOffsetNano < window.from * total ? '' : ' ▸'}
          </span>
        )}
        {bar && (
          <span
            className={`wf-label ${labelPlace}`}
            style={labelPlace === 'after' ? { left: `${barEnd}%` } : { right: `${100 - (labelPlace === 'before' ? bar.left : barEnd)}%` }}
          >
            {formatDuration(node.durationNano)}
          </span>
        )}
      </div>
    </div>
  );
});

/** The marker of a span moved by the clock-skew adjuster. */
export function SkewMark({ skewNano, raw }: { skewNano: number; raw: boolean }): ReactNode {
  const shift = `${skewNano > 0 ? '+' : '−'}${formatDuration(Math.abs(skewNano))}`;
  return (
    <span
      className="badge skew skew-mark"
      title={
        raw
          ? `Clock skew: shown as recorded; the adjuster would shift it by ${shift}`
          : `Clock skew: shifted by ${shift} to fit inside its parent (its host's clock differs); tick "raw times" to see it as recorded`
      }
    >
      skew {shift}
    </span>
  );
}

function tickStyle(percent: number): { left: string; transform: string } {
  // Keep the first and last labels inside the ruler.
  return { left: `${percent}%`, transform: percent < 3 ? 'none' : percent > 94 ? 'translateX(-100%)' : 'translateX(-50%)' };
}

/** A span's log records (issue 17); with `onClick`, a button that opens the Logs tab on that span. */
export function LogCountBadge({ count, onClick }: { count: number; onClick?: (() => void) | undefined }): ReactNode {
  const title = `${count} log record${count === 1 ? '' : 's'} emitted in this span`;
  if (onClick === undefined) {
    return (
      <span className="badge log-count" title={title}>
        ≡ {count}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="badge log-count"
      title={`${title}: show them`}
      aria-label={`${title}: show them`}
      onClick={(event) => {
        // The row's own click selects the span; this one also opens its logs.
        event.stopPropagation();
        onClick();
      }}
    >
      ≡ {count}
    </button>
  );
}
