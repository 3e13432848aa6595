import type { ReactNode } from 'react';
import type { Segment } from '../model/critical-path';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import type { SpanNode, TraceTree } from '../model/trace-tree';
import { useElementWidth } from './use-element-width';

interface Props {
  tree: TraceTree;
  critical: ReadonlyMap<string, readonly Segment[]>;
  selectedKey: string | undefined;
  onSelect(key: string): void;
}

const ROW_PX = 24;
/**
 * A label needs this much box (px) to show a few characters and an ellipsis; narrower boxes show
 * none (the name is in the tooltip), and lose their padding, so no box grows past its time and
 * over its neighbour.
 */
const MIN_LABEL_PX = 36;

/** A flame chart on the trace's time axis: one level per depth, children below their parent. */
export function FlameGraph({ tree, critical, selectedKey, onSelect }: Props): ReactNode {
  const total = Math.max(1, tree.durationNano);
  const [canvasRef, canvasWidth] = useElementWidth<HTMLDivElement>(1000);
  const nodes: SpanNode[] = [];
  const stack = [...tree.roots];
  let maxDepth = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    nodes.push(node);
    maxDepth = Math.max(maxDepth, node.depth);
    stack.push(...node.children);
  }
  return (
    <div className="panel flame" role="group" aria-label="Flame graph">
      <div className="flame-canvas" ref={canvasRef} style={{ height: (maxDepth + 1) * ROW_PX }}>
        {nodes.map((node) => {
          const span = node.span;
          const label = span ? `${span.serviceName}: ${span.name}` : `missing parent ${node.missingSpanId ?? ''}`;
          const labelled = (node.durationNano / total) * canvasWidth >= MIN_LABEL_PX;
          return (
            <button
              type="button"
              key={node.key}
              data-span-id={span?.spanId}
              className={`flame-box${labelled ? '' : ' unlabelled'}${node.key === selectedKey ? ' selected' : ''}${span ? '' : ' placeholder'}${critical.has(node.key) && span ? ' critical' : ''}${span?.status.code === 'ERROR' ? ' error' : ''}`}
              style={{
                top: node.depth * ROW_PX,
                left: `${(node.startOffsetNano / total) * 100}%`,
                width: `max(2px, ${(node.durationNano / total) * 100}%)`,
                ...(span && { background: serviceColor(span.serviceName) }),
              }}
              title={`${label} · ${formatDuration(node.durationNano)} (self ${formatDuration(node.selfTimeNano)})`}
              onClick={() => span && onSelect(node.key)}
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
              {labelled && (
                <span className="flame-label">
                  {span?.name ?? label} <span className="flame-duration">{formatDuration(node.durationNano)}</span>
                </span>
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}
