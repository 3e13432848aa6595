import { useMemo, useState, type ReactNode } from 'react';
import type { TraceSummary } from '../api/schemas';
import { formatDuration, formatTimestamp } from '../model/format';
import { scatterPlot, tickTime, type ScatterPoint, type ScatterScale } from '../model/scatter';
import { navigate } from '../router';
import { useElementWidth } from './use-element-width';

const HEIGHT = 190;
const SCALE_KEY = 'skein.scatterScale';

function initialScale(): ScatterScale {
  try {
    return localStorage.getItem(SCALE_KEY) === 'log' ? 'log' : 'linear';
  } catch {
    return 'linear';
  }
}
const MARGIN = { left: 62, right: 16, top: 12, bottom: 26 };

/**
 * Duration over time, one dot per result trace: slow outliers and error bursts stand out before
 * reading the list. Hover names the trace, a click opens it.
 */
export function TraceScatter({ traces }: { traces: readonly TraceSummary[] }): ReactNode {
  const [ref, width] = useElementWidth<HTMLDivElement>(800);
  const [hovered, setHovered] = useState<ScatterPoint | undefined>();
  const [scale, setScale] = useState<ScatterScale>(initialScale);
  const area = useMemo(
    () => ({
      left: MARGIN.left,
      top: MARGIN.top,
      width: Math.max(100, width - MARGIN.left - MARGIN.right),
      height: HEIGHT - MARGIN.top - MARGIN.bottom,
    }),
    [width],
  );
  const plot = useMemo(() => scatterPlot(traces, area, scale), [traces, area, scale]);
  const bottom = area.top + area.height;
  // Errors drawn last, so a red dot is never hidden under a blue one.
  const points = [...plot.points].sort((a, b) => Number(a.error) - Number(b.error));
  return (
    <div className="scatter" ref={ref}>
      <div className="scatter-toolbar">
        <label className="inline-check scatter-scale" title="Logarithmic duration axis: fast and slow traces both readable">
          <input
            type="checkbox"
            name="logScale"
            checked={scale === 'log'}
            onChange={(event) => {
              const next: ScatterScale = event.target.checked ? 'log' : 'linear';
              setScale(next);
              try {
                localStorage.setItem(SCALE_KEY, next);
              } catch {
                // Private mode: this page only.
              }
            }}
          />
          log scale
        </label>
      </div>
      <svg width={width} height={HEIGHT} role="img" aria-label={`Duration over time of ${traces.length} traces`}>
        {plot.yTicks.map((tick) => (
          <g key={`y${tick.value}`}>
            <line className="scatter-grid" x1={area.left} x2={area.left + area.width} y1={tick.position} y2={tick.position} />
            <text className="scatter-label" x={area.left - 8} y={tick.position} textAnchor="end" dominantBaseline="middle">
              {tick.value === 0 ? '0' : formatDuration(tick.value)}
            </text>
          </g>
        ))}
        {plot.xTicks.map((tick) => (
          <text key={`x${tick.value}`} className="scatter-label" x={tick.position} y={bottom + 17} textAnchor="middle">
            {tickTime(plot.startUnixNano, tick.value)}
          </text>
        ))}
        <line className="scatter-axis" x1={area.left} x2={area.left + area.width} y1={bottom} y2={bottom} />
        {points.map((point) => (
          <circle
            key={point.traceId}
            className={`scatter-point${point.error ? ' error' : ''}${hovered?.traceId === point.traceId ? ' hovered' : ''}`}
            data-trace-id={point.traceId}
            cx={point.x}
            cy={point.y}
            r={hovered?.traceId === point.traceId ? 7 : 5}
            onMouseEnter={() => setHovered(point)}
            onMouseLeave={() => setHovered(undefined)}
            onClick={() => navigate(`/trace/${point.traceId}`)}
          >
            <title>{`${point.label} · ${formatDuration(point.durationNano)}`}</title>
          </circle>
        ))}
      </svg>
      {hovered && (
        <div
          className="scatter-tooltip"
          role="tooltip"
          // Beside the dot, on whichever side has room, so it never covers the dot itself.
          style={{
            top: Math.min(Math.max(4, hovered.y - 30), HEIGHT - 70),
            ...(hovered.x > width - 290 ? { right: width - hovered.x + 14 } : { left: hovered.x + 14 }),
          }}
        >
          <strong>{hovered.label}</strong>
          <span>
            {formatDuration(hovered.durationNano)}
            {hovered.error && <span className="error-text"> · errors</span>}
          </span>
          <span className="muted">{formatTimestamp(hovered.startTimeUnixNano)}</span>
        </div>
      )}
    </div>
  );
}
