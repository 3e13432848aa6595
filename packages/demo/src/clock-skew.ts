/**
 * A skewed host clock, for one process. OpenTelemetry JS takes span times from `Date.now()` and
 * `performance.timeOrigin + performance.now()`; shifting both by the same offset moves every span
 * this process records (automatic HTTP spans included) exactly as a host whose wall clock is off
 * would, while durations stay true because `performance.now()` is untouched. Timers do not use
 * either value, so nothing else in the process changes.
 */
const realDateNow = Date.now.bind(Date);
const realTimeOrigin = performance.timeOrigin;
let offsetMs = 0;
let installed = false;

/** Replaces the two clock sources with offset-aware ones; the offset starts at 0 (no skew). */
export function installClockSkewHook(): void {
  if (installed) return;
  installed = true;
  Date.now = () => realDateNow() + offsetMs;
  Object.defineProperty(performance, 'timeOrigin', { configurable: true, get: () => realTimeOrigin + offsetMs });
}

export function setClockSkew(ms: number): void {
  offsetMs = ms;
}

export function clockSkew(): number {
  return offsetMs;
}
