import { rulerTicks } from './format';

/**
 * The timeline's zoom window: a stretch of the trace as fractions of its duration, [from, to)
 * with 0 ≤ from < to ≤ 1. Fractions (not nanoseconds) survive the raw-times toggle, which
 * changes the trace's duration, and keep the `zoom=` URL parameter short.
 */
export interface ZoomWindow {
  from: number;
  to: number;
}

export const FULL_WINDOW: ZoomWindow = { from: 0, to: 1 };

/** The narrowest window a drag can select (1/10,000 of the trace): below it bars are noise. */
export const MIN_ZOOM_WIDTH = 1e-4;

/** Drags shorter than this share of the strip are clicks, not selections. */
const MIN_DRAG_SHARE = 0.005;

const DIGITS = 5;

/** `zoom=0.125,0.5` → the window; undefined when absent, malformed, out of range or empty. */
export function parseZoom(param: string | null | undefined): ZoomWindow | undefined {
  if (!param) return undefined;
  const match = /^(\d*\.?\d+),(\d*\.?\d+)$/.exec(param);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (!(from >= 0 && to <= 1 && to - from >= MIN_ZOOM_WIDTH / 2)) return undefined;
  if (from === 0 && to === 1) return undefined;
  return { from, to };
}

/** The URL form: fixed precision, trailing zeros trimmed (`0.125,0.5`). */
export function formatZoom(window: ZoomWindow): string {
  const trim = (value: number): string => String(Number(value.toFixed(DIGITS)));
  return `${trim(window.from)},${trim(window.to)}`;
}

export function isFullWindow(window: ZoomWindow): boolean {
  return window.from <= 0 && window.to >= 1;
}

/**
 * The window a drag selects. `a` and `b` are the drag's ends as fractions (0–1) of the strip it
 * happened on, which shows `base`: the minimap shows the whole trace (base = FULL_WINDOW), the
 * ruler the current window. Undefined for a click or a tiny drag. Narrow selections widen
 * around their centre to MIN_ZOOM_WIDTH, and everything is clamped to the trace.
 */
export function windowFromDrag(a: number, b: number, base: ZoomWindow = FULL_WINDOW): ZoomWindow | undefined {
  const lo = clamp01(Math.min(a, b));
  const hi = clamp01(Math.max(a, b));
  if (hi - lo < MIN_DRAG_SHARE) return undefined;
  const span = base.to - base.from;
  let from = base.from + lo * span;
  let to = base.from + hi * span;
  if (to - from < MIN_ZOOM_WIDTH) {
    const centre = (from + to) / 2;
    from = centre - MIN_ZOOM_WIDTH / 2;
    to = centre + MIN_ZOOM_WIDTH / 2;
    if (from < 0) [from, to] = [0, MIN_ZOOM_WIDTH];
    if (to > 1) [from, to] = [1 - MIN_ZOOM_WIDTH, 1];
  }
  return { from: clamp01(from), to: clamp01(to) };
}

/** Where a bar goes on a strip showing `window`, in percent; clipped flags say it runs off an edge. */
export interface BarPlacement {
  left: number;
  width: number;
  clippedLeft: boolean;
  clippedRight: boolean;
}

/**
 * The part of [startNano, startNano + durationNano) inside the window, as percent of the strip;
 * undefined when the span lies entirely outside it. A zero-length span inside stays a point.
 */
export function placeBar(startNano: number, durationNano: number, totalNano: number, window: ZoomWindow): BarPlacement | undefined {
  const total = Math.max(1, totalNano);
  const winFrom = window.from * total;
  const winTo = window.to * total;
  const winLength = Math.max(1e-9, winTo - winFrom);
  const end = startNano + durationNano;
  if (end < winFrom || startNano > winTo || (durationNano > 0 && (end === winFrom || startNano === winTo))) return undefined;
  const from = Math.max(startNano, winFrom);
  const to = Math.min(end, winTo);
  return {
    left: ((from - winFrom) / winLength) * 100,
    width: ((to - from) / winLength) * 100,
    clippedLeft: startNano < winFrom,
    clippedRight: end > winTo,
  };
}

/** A point in time (ns from the trace start) as percent of a strip showing `window`; may be outside 0–100. */
export function placePoint(offsetNano: number, totalNano: number, window: ZoomWindow): number {
  const total = Math.max(1, totalNano);
  return ((offsetNano / total - window.from) / Math.max(1e-12, window.to - window.from)) * 100;
}

/** Ruler ticks inside the window: round steps of the window's length, as ns from the trace start. */
export function windowTicks(totalNano: number, window: ZoomWindow, count = 6): number[] {
  const total = Math.max(1, totalNano);
  const from = window.from * total;
  const length = (window.to - window.from) * total;
  const step = rulerTicks(length, count)[1];
  if (step === undefined || !(step > 0)) return [from];
  const ticks: number[] = [];
  // The first multiple of the step at or after the window's start, so labels stay round numbers.
  for (let t = Math.max(0, Math.ceil(from / step - 1e-9) * step); t <= from + length + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
