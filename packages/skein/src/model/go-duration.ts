/**
 * Go `time.ParseDuration` strings (`10s`, `1m30s`, `500ms`, `1.5h`), as the OpenTelemetry
 * Collector writes durations (`decision_wait`, `timeout`, `initial_interval`, `interval`), so a
 * Collector config carries over unchanged. Parsed to milliseconds, the unit of Skein's clocks and
 * timers. One parser for every part that reads Collector-shaped config (sampling, exporters).
 */
const UNIT_MILLIS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds, or undefined when `text` is not a non-negative Go duration. */
export function parseGoDurationMillis(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (UNIT_MILLIS[match[2] ?? ''] ?? NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}
