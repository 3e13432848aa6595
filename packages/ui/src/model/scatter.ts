import type { TraceSummary } from '../api/schemas';
import { rulerTicks } from './format';

/**
 * The search page's scatter plot: each result trace is a dot at (start time, duration). Times are
 * decimal nanosecond strings; they are made relative to the plot's start with BigInt before any
 * float arithmetic so that nanosecond timestamps (> 2^53) lose nothing that matters on screen.
 */
export interface ScatterPoint {
  traceId: string;
  x: number;
  y: number;
  error: boolean;
  durationNano: number;
  startTimeUnixNano: string;
  label: string;
}

export interface ScatterTick {
  value: number;
  position: number;
}

export interface ScatterPlot {
  points: ScatterPoint[];
  /** Start of the time axis, Unix nanoseconds (decimal string), and its span in nanoseconds. */
  startUnixNano: string;
  spanNano: number;
  xTicks: ScatterTick[];
  yTicks: ScatterTick[];
}

export interface ScatterArea {
  /** The plotting area inside the axes, in SVG units. */
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Linear: differences read as lengths. Log: a 5 ms trace and a 5 s one both stay readable. */
export type ScatterScale = 'linear' | 'log';

/** The duration axis, top tick at or above the slowest trace so no dot sits above the last label. */
function durationAxis(
  durations: readonly number[],
  scale: ScatterScale,
  area: ScatterArea,
): { yOf(duration: number): number; ticks: number[] } {
  const bottom = area.top + area.height;
  const longest = Math.max(1, ...durations);
  if (scale === 'log') {
    // Whole decades around the data (1 µs … 10 s), a tick on each; ×2 and ×5 as well when the
    // data spans at most two decades, so there are always at least three labels.
    const shortest = Math.max(1, Math.min(...durations.filter((d) => d > 0), longest));
    const low = Math.floor(Math.log10(shortest));
    const high = Math.max(low + 1, Math.ceil(Math.log10(longest * 1.0001)));
    const ticks: number[] = [];
    for (let decade = low; decade <= high; decade++) {
      ticks.push(10 ** decade);
      if (high - low <= 2 && decade < high) ticks.push(2 * 10 ** decade, 5 * 10 ** decade);
    }
    const yOf = (duration: number): number => {
      const position = (Math.log10(Math.max(10 ** low, duration)) - low) / (high - low);
      return bottom - position * area.height;
    };
    return { yOf, ticks };
  }
  // Linear from zero, about four steps of 1, 2 or 5 × 10^n, the last one above the slowest trace.
  const ticks = rulerTicks(longest, 4);
  const step = ticks[1] ?? longest;
  while (ticks[ticks.length - 1]! < longest * 1.04) ticks.push(ticks[ticks.length - 1]! + step);
  const yMax = ticks[ticks.length - 1]!;
  return { yOf: (duration) => bottom - (duration / yMax) * area.height, ticks };
}

/**
 * Lays the traces out in `area`. The time axis spans the traces' own start times (padded by 5 %
 * either side, at least one second) rather than the search window, so a handful of recent traces
 * in a 7-day window do not collapse into one column. The duration axis starts at zero (linear) or
 * spans the decades of the data (log).
 */
export function scatterPlot(traces: readonly TraceSummary[], area: ScatterArea, scale: ScatterScale = 'linear'): ScatterPlot {
  if (traces.length === 0) return { points: [], startUnixNano: '0', spanNano: 0, xTicks: [], yTicks: [] };
  const starts = traces.map((trace) => BigInt(trace.startTimeUnixNano));
  let min = starts.reduce((a, b) => (b < a ? b : a));
  let max = starts.reduce((a, b) => (b > a ? b : a));
  const minimumSpan = 1_000_000_000n;
  const pad = (max - min) / 20n > minimumSpan / 2n ? (max - min) / 20n : minimumSpan / 2n;
  min -= pad;
  max += pad;
  const spanNano = Number(max - min);

  const axis = durationAxis(
    traces.map((trace) => Number(trace.durationNano)),
    scale,
    area,
  );
  const yOf = axis.yOf;
  const xOf = (start: bigint): number => area.left + (Number(start - min) / spanNano) * area.width;

  const points = traces.map((trace, index): ScatterPoint => {
    const duration = Number(trace.durationNano);
    return {
      traceId: trace.traceId,
      x: round(xOf(starts[index]!)),
      y: round(yOf(duration)),
      error: trace.errorCount > 0,
      durationNano: duration,
      startTimeUnixNano: trace.startTimeUnixNano,
      label: `${trace.rootServiceName}: ${trace.rootSpanName}`,
    };
  });

  // Time ticks on round wall-clock values (every 10 s, 1 min, …), as offsets from the axis start.
  const step = BigInt(Math.max(1, Math.round(rulerTicks(spanNano, 5)[1] ?? spanNano)));
  const xTicks: ScatterTick[] = [];
  for (let t = ((min + step - 1n) / step) * step; t <= max; t += step) {
    const value = Number(t - min);
    xTicks.push({ value, position: round(area.left + (value / spanNano) * area.width) });
  }
  const yTicks = axis.ticks.map((value) => ({ value, position: round(yOf(value)) }));
  return { points, startUnixNano: min.toString(), spanNano, xTicks, yTicks };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The wall-clock time (HH:MM:SS) of a tick `offsetNano` after `startUnixNano`, local time. */
export function tickTime(startUnixNano: string, offsetNano: number, timeZone?: string): string {
  const millis = Number(BigInt(startUnixNano) / 1_000_000n) + offsetNano / 1_000_000;
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone !== undefined && { timeZone }),
  }).format(new Date(millis));
}
