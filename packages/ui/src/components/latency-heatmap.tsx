import { useMemo, useRef, useState, type PointerEvent, type ReactNode } from 'react';
import type { HeatmapResponse } from '../api/analysis-schemas';
import { formatDuration } from '../model/format';
import { useElementWidth } from './use-element-width';

/** A brushed region of the heatmap: a time range and a duration range, in the API's units. */
export interface HeatmapBrush {
  startNano: bigint;
  endNano: bigint;
  minDurationNano: bigint;
  maxDurationNano: bigint;
}

const HEIGHT = 260;
const LEFT = 64;
const BOTTOM = 22;
const TOP = 6;

/**
 * The latency heatmap: time across, log-scale duration up, each cell's colour the number of spans
 * (log scale), cells with errors outlined in red. Drag a rectangle to select the spans the ranking
 * explains; the selection is drawn from the URL, so a shared link shows it too.
 */
export function LatencyHeatmap({
  heatmap,
  brush,
  onBrush,
}: {
  heatmap: HeatmapResponse;
  brush: HeatmapBrush | undefined;
  onBrush(brush: HeatmapBrush): void;
}): ReactNode {
  const [ref, width] = useElementWidth<HTMLDivElement>(900);
  const layout = useMemo(() => {
    const buckets = heatmap.cells.map((c) => c.bucket);
    const low = buckets.length > 0 ? Math.min(...buckets) - 1 : 80;
    const high = buckets.length > 0 ? Math.max(...buckets) + 2 : 120;
    const maxCount = Math.max(1, ...heatmap.cells.map((c) => c.count));
    return { low, high, maxCount };
  }, [heatmap]);
  const plotWidth = Math.max(100, width - LEFT - 8);
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const cellWidth = plotWidth / Math.max(1, heatmap.slots);
  const rows = layout.high - layout.low;
  const cellHeight = plotHeight / Math.max(1, rows);
  const per = heatmap.bucketsPerDoubling;
  const start = BigInt(heatmap.startTimeUnixNano);
  const step = BigInt(heatmap.stepNano);
  const yOf = (bucket: number): number => TOP + plotHeight - (bucket - layout.low) * cellHeight;
  const bucketAt = (y: number): number => layout.low + (TOP + plotHeight - y) / cellHeight;
  const slotAt = (x: number): number => (x - LEFT) / cellWidth;
  const durationAt = (bucket: number): bigint => BigInt(Math.round(2 ** (bucket / per)));

  const drag = useRef<{ x: number; y: number } | undefined>(undefined);
  const [live, setLive] = useState<{ x0: number; y0: number; x1: number; y1: number } | undefined>(undefined);
  const point = (event: PointerEvent<SVGSVGElement>): { x: number; y: number } => {
    const box = event.currentTarget.getBoundingClientRect();
    return {
      x: Math.min(LEFT + plotWidth, Math.max(LEFT, event.clientX - box.left)),
      y: Math.min(TOP + plotHeight, Math.max(TOP, event.clientY - box.top)),
    };
  };
  const finish = (event: PointerEvent<SVGSVGElement>): void => {
    const from = drag.current;
    drag.current = undefined;
    setLive(undefined);
    if (!from) return;
    const to = point(event);
    if (Math.abs(to.x - from.x) < 3 && Math.abs(to.y - from.y) < 3) return;
    const slot0 = Math.floor(slotAt(Math.min(from.x, to.x)));
    const slot1 = Math.ceil(slotAt(Math.max(from.x, to.x)));
    const b0 = Math.floor(bucketAt(Math.max(from.y, to.y)));
    const b1 = Math.ceil(bucketAt(Math.min(from.y, to.y)));
    onBrush({
      startNano: start + BigInt(Math.max(0, slot0)) * step,
      endNano: start + BigInt(Math.max(slot0 + 1, slot1)) * step,
      minDurationNano: durationAt(b0),
      maxDurationNano: durationAt(Math.max(b0 + 1, b1)),
    });
  };

  // Axis ticks: each doubling's lower edge that fits, and about six times.
  const yTicks: number[] = [];
  const every = Math.max(1, Math.ceil(rows / per / 7)) * per;
  for (let b = Math.ceil(layout.low / per) * per; b <= layout.high; b += every) yTicks.push(b);
  const xTicks = Array.from({ length: 6 }, (_, i) => Math.round((i * heatmap.slots) / 6));
  const brushBox =
    brush &&
    (() => {
      const x0 = LEFT + (Number(brush.startNano - start) / Number(step)) * cellWidth;
      const x1 = LEFT + (Number(brush.endNano - start) / Number(step)) * cellWidth;
      const y0 = yOf(Math.log2(Math.max(1, Number(brush.maxDurationNano))) * per);
      const y1 = yOf(Math.log2(Math.max(1, Number(brush.minDurationNano))) * per);
      return {
        x: Math.max(LEFT, x0),
        y: Math.max(TOP, y0),
        w: Math.max(2, Math.min(LEFT + plotWidth, x1) - Math.max(LEFT, x0)),
        h: Math.max(2, Math.min(TOP + plotHeight, y1) - Math.max(TOP, y0)),
      };
    })();
  return (
    <div className="heatmap" ref={ref}>
      <svg
        width={width}
        height={HEIGHT}
        role="img"
        aria-label={`Latency heatmap of ${heatmap.totalSpans} spans; drag to select`}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          const p = point(event);
          drag.current = p;
          setLive({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
        }}
        onPointerMove={(event) => {
          if (!drag.current) return;
          const p = point(event);
          setLive({ x0: drag.current.x, y0: drag.current.y, x1: p.x, y1: p.y });
        }}
        onPointerUp={finish}
      >
        <rect className="heatmap-bg" x={LEFT} y={TOP} width={plotWidth} height={plotHeight} />
        {yTicks.map((b) => (
          <g key={b}>
            <line className="heatmap-grid" x1={LEFT} x2={LEFT + plotWidth} y1={yOf(b)} y2={yOf(b)} />
            <text className="axis-label" x={LEFT - 6} y={yOf(b) + 4} textAnchor="end">
              {formatDuration(2 ** (b / per))}
            </text>
          </g>
        ))}
        {xTicks.map((slot) => (
          <text key={slot} className="axis-label" x={LEFT + slot * cellWidth} y={HEIGHT - 6} textAnchor={slot === 0 ? 'start' : 'middle'}>
            {new Date(Number((start + BigInt(slot) * step) / 1_000_000n)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
          </text>
        ))}
        {heatmap.cells.map((cell) => {
          const intensity = Math.log1p(cell.count) / Math.log1p(layout.maxCount);
          return (
            <rect
              key={`${cell.slot}:${cell.bucket}`}
              className={`heatmap-cell${cell.errors > 0 ? ' has-errors' : ''}`}
              x={LEFT + cell.slot * cellWidth + 0.5}
              y={yOf(cell.bucket + 1) + 0.5}
              width={Math.max(1, cellWidth - 1)}
              height={Math.max(1, cellHeight - 1)}
              style={{ opacity: 0.15 + 0.85 * intensity }}
            >
              <title>
                {cell.count} span{cell.count === 1 ? '' : 's'} of {formatDuration(2 ** (cell.bucket / per))}–
                {formatDuration(2 ** ((cell.bucket + 1) / per))}
                {cell.errors > 0 ? `, ${cell.errors} with errors` : ''}
              </title>
            </rect>
          );
        })}
        {brushBox && !live && <rect className="heatmap-brush" x={brushBox.x} y={brushBox.y} width={brushBox.w} height={brushBox.h} />}
        {live && (
          <rect
            className="heatmap-brush live"
            x={Math.min(live.x0, live.x1)}
            y={Math.min(live.y0, live.y1)}
            width={Math.abs(live.x1 - live.x0)}
            height={Math.abs(live.y1 - live.y0)}
          />
        )}
      </svg>
    </div>
  );
}
