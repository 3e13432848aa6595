import { useEffect, useRef, type ReactNode } from 'react';
import { formatDuration } from '../model/format';
import { serviceColor } from '../model/service-colors';
import type { SpanNode, TraceTree } from '../model/trace-tree';
import { windowFromDrag, type ZoomWindow } from '../model/trace-zoom';
import { useDragRange } from './use-drag-range';

interface Props {
  tree: TraceTree;
  /** Every node in fully expanded display order (what the minimap draws, one line each). */
  allRows: readonly SpanNode[];
  window: ZoomWindow;
  onZoom(window: ZoomWindow): void;
}

const HEIGHT_PX = 56;

/**
 * An overview of the whole trace above the waterfall: every span as a thin line at its time, in
 * display order, drawn on a canvas (a million spans would be a million DOM nodes). Dragging
 * across it selects the time window the waterfall shows.
 */
export function TraceMinimap({ tree, allRows, window, onZoom }: Props): ReactNode {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drag = useDragRange((a, b) => {
    const next = windowFromDrag(a, b);
    if (next) onZoom(next);
  });

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const draw = (): void => {
      const ratio = globalThis.devicePixelRatio || 1;
      const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      const height = Math.round(HEIGHT_PX * ratio);
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d');
      if (!context) return;
      context.clearRect(0, 0, width, height);
      const total = Math.max(1, tree.durationNano);
      const lineHeight = height / Math.max(1, allRows.length);
      const barHeight = Math.max(ratio, Math.min(lineHeight - (lineHeight > 3 ? 1 : 0), 6 * ratio));
      // One path per colour, filled once: a fillStyle change per span would dominate at 1M spans.
      const paths = new Map<string, Path2D>();
      const errors = new Path2D();
      allRows.forEach((node, index) => {
        if (!node.span) return;
        const x = (node.startOffsetNano / total) * width;
        const w = Math.max(ratio, (node.durationNano / total) * width);
        const y = Math.floor(index * lineHeight);
        if (node.span.status.code === 'ERROR') {
          errors.rect(x, y, w, barHeight);
          return;
        }
        const color = serviceColor(node.span.serviceName);
        let path = paths.get(color);
        if (!path) paths.set(color, (path = new Path2D()));
        path.rect(x, y, w, barHeight);
      });
      for (const [color, path] of paths) {
        context.fillStyle = color;
        context.fill(path);
      }
      context.fillStyle = getComputedStyle(canvas).getPropertyValue('--error').trim() || '#d92d20';
      context.fill(errors);
    };
    draw();
    // Redraw at the new width when the layout changes (details panel opened, window resized).
    const observer = new ResizeObserver(draw);
    observer.observe(canvas);
    return () => observer.disconnect();
  }, [tree, allRows]);

  const zoomed = window.from > 0 || window.to < 1;
  const selecting = drag.range && Math.abs(drag.range[1] - drag.range[0]) > 0.002 ? drag.range : undefined;
  return (
    <div
      className="minimap"
      {...drag.handlers}
      role="group"
      aria-label={`Trace overview, showing ${formatDuration(window.from * tree.durationNano)} to ${formatDuration(window.to * tree.durationNano)}: drag to zoom to a time window`}
      title="Drag to zoom to a time window"
    >
      <canvas ref={canvasRef} style={{ height: HEIGHT_PX }} aria-hidden="true" />
      {!zoomed && !selecting && <span className="minimap-hint">drag across to zoom</span>}
      {zoomed && (
        <>
          <div className="minimap-shade" style={{ left: 0, width: `${window.from * 100}%` }} />
          <div className="minimap-shade" style={{ left: `${window.to * 100}%`, right: 0 }} />
          <div className="minimap-window" style={{ left: `${window.from * 100}%`, width: `${(window.to - window.from) * 100}%` }} />
        </>
      )}
      {selecting && (
        <div
          className="drag-selection"
          style={{ left: `${Math.min(...selecting) * 100}%`, width: `${Math.abs(selecting[1] - selecting[0]) * 100}%` }}
        />
      )}
    </div>
  );
}
