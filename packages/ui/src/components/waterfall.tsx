import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import type { Segment } from '../model/critical-path';
import { formatDuration, rulerTicks } from '../model/format';
import { serviceColor } from '../model/service-colors';
import { visibleRows, type SpanNode, type TraceTree } from '../model/trace-tree';

interface Props {
  tree: TraceTree;
  /** Critical segments per node key: drawn darker on the bars. */
  critical: ReadonlyMap<string, readonly Segment[]>;
  /** Times as recorded: skew markers then say what the adjuster would do. */
  raw: boolean;
  collapsed: ReadonlySet<string>;
  selectedKey: string | undefined;
  onSelect(key: string): void;
  onToggle(key: string): void;
}

const INDENT_PX = 14;

/** The span tree beside a timeline: one row per visible span, bars placed relative to the trace. */
export function Waterfall({ tree, critical, raw, collapsed, selectedKey, onSelect, onToggle }: Props): ReactNode {
  const rows = visibleRows(tree, collapsed);
  const total = Math.max(1, tree.durationNano);
  const ticks = rulerTicks(total, 6).filter((tick) => tick <= total);
  const pct = (nanos: number): number => (nanos / total) * 100;
  const selectedRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // A deep link may point far down a long trace.
    selectedRef.current?.scrollIntoView({ block: 'nearest' });
  }, [selectedKey]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = rows.findIndex((row) => row.key === selectedKey);
    const current = rows[index];
    let target: SpanNode | undefined;
    if (event.key === 'ArrowDown') target = rows[Math.min(rows.length - 1, index + 1)];
    else if (event.key === 'ArrowUp') target = rows[Math.max(0, index - 1)];
    else if (current && event.key === 'ArrowLeft' && current.children.length > 0 && !collapsed.has(current.key)) onToggle(current.key);
    else if (current && event.key === 'ArrowRight' && collapsed.has(current.key)) onToggle(current.key);
    else return;
    event.preventDefault();
    if (target) onSelect(target.key);
  };

  return (
    <div className="waterfall" role="tree" aria-label="Spans" tabIndex={0} onKeyDown={onKeyDown}>
      <div className="wf-header">
        <div className="wf-name-col">Service · span</div>
        <div className="wf-ruler">
          {ticks.map((tick) => (
            <span key={tick} className="wf-tick" style={tickStyle(pct(tick))}>
              {formatDuration(tick)}
            </span>
          ))}
        </div>
      </div>
      <div className="wf-rows">
        <div className="wf-grid" aria-hidden="true">
          {ticks.map((tick) => (
            <span key={tick} style={{ left: `${pct(tick)}%` }} />
          ))}
        </div>
        {rows.map((node) => {
          const span = node.span;
          const isCollapsed = collapsed.has(node.key);
          const selected = node.key === selectedKey;
          const error = span?.status.code === 'ERROR';
          const left = pct(node.startOffsetNano);
          const width = pct(node.durationNano);
          // The duration label goes after the bar, else before it, else (a wide bar) inside it.
          const labelPlace = left + width <= 84 ? 'after' : left >= 12 ? 'before' : 'inside';
          const color = span ? serviceColor(span.serviceName) : undefined;
          return (
            <div
              key={node.key}
              ref={selected ? selectedRef : undefined}
              className={`wf-row${selected ? ' selected' : ''}${error ? ' error' : ''}${span ? '' : ' placeholder'}`}
              role="treeitem"
              aria-level={node.depth + 1}
              aria-selected={selected}
              {...(node.children.length > 0 && { 'aria-expanded': !isCollapsed })}
              data-span-id={span?.spanId}
              onClick={() => onSelect(node.key)}
            >
              <div className="wf-name" style={{ paddingLeft: 6 + node.depth * INDENT_PX }}>
                {node.children.length > 0 ? (
                  <button
                    type="button"
                    className="wf-toggle"
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
                    <span className="wf-span-name" title={span.name}>
                      {span.name}
                    </span>
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
                    {isCollapsed && <span className="badge">{countDescendants(node)}</span>}
                  </>
                ) : (
                  <span className="wf-missing" title={`No span ${node.missingSpanId ?? ''} is stored; these spans name it as parent`}>
                    missing parent span {node.missingSpanId}
                  </span>
                )}
              </div>
              <div className="wf-timeline">
                <div
                  className="wf-bar"
                  style={{ left: `${left}%`, width: `max(2px, ${width}%)`, ...(color !== undefined && { background: color }) }}
                >
                  {span &&
                    critical.get(node.key)?.map(([from, to]) => (
                      <span
                        key={from}
                        className="wf-crit"
                        style={{
                          left: `${((from - node.startOffsetNano) / Math.max(1, node.durationNano)) * 100}%`,
                          width: `${((to - from) / Math.max(1, node.durationNano)) * 100}%`,
                        }}
                      />
                    ))}
                  {span?.events.map((event, index) => (
                    <span
                      key={index}
                      className={`wf-event${event.name === 'exception' ? ' exception' : ''}`}
                      style={{ left: `${eventPct(node, span.startTimeUnixNano, event.timeUnixNano)}%` }}
                      title={event.name}
                    />
                  ))}
                </div>
                <span
                  className={`wf-label ${labelPlace}`}
                  style={
                    labelPlace === 'after'
                      ? { left: `${left + width}%` }
                      : { right: `${100 - (labelPlace === 'before' ? left : left + width)}%` }
                  }
                >
                  {formatDuration(node.durationNano)}
                </span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

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

function eventPct(node: SpanNode, spanStart: string, eventTime: string): number {
  if (node.durationNano <= 0) return 0;
  const offset = Number(BigInt(eventTime) - BigInt(spanStart));
  return Math.min(100, Math.max(0, (offset / node.durationNano) * 100));
}

function countDescendants(node: SpanNode): number {
  return node.children.reduce((sum, child) => sum + 1 + countDescendants(child), 0);
}
