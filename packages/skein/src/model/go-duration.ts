/**
 * Go `time.ParseDuration` strings (`10s`, `1m30s`, `500ms`, `1.5h`, `.5s`, `0`), as the
 * OpenTelemetry Collector writes durations (`decision_wait`, `timeout`, `initial_interval`), so a
 * Collector config carries over unchanged. The one parser of durations in Skein: config keys
 * (model/duration-schema.ts), query parameters and CLI flags all answer the same.
 *
 * Exact in nanoseconds (bigint): `0.000000001s` is 1 ns and `1.5s` is 1 500 000 000 ns with no
 * float rounding; fractions finer than a nanosecond are truncated, as Go does. Negative durations
 * are refused: no duration Skein reads has a meaning below zero.
 */
const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu; Go accepts both
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
// Longer units first in the alternation so `ms` is not read as `m` followed by `s`.
const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;

/** Nanoseconds, or undefined when `text` is not a non-negative Go duration. */
export function parseGoDurationNanos(text: string): bigint | undefined {
  // Go accepts a bare "0" (and only zero) without a unit.
  if (text === '0') return 0n;
  if (text === '') return undefined;
  let total = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    const whole = match[1] ?? '';
    const fraction = match[2] ?? '';
    if (whole === '' && fraction === '') return undefined; // `.s` or `s`: no digits
    const unit = UNIT_NANOS[match[3] ?? '']!;
    total += BigInt(whole || '0') * unit + (BigInt(fraction || '0') * unit) / 10n ** BigInt(fraction.length);
  }
  return total;
}

/** Milliseconds (fractional below 1 ms), or undefined when `text` is not a non-negative Go duration. */
export function parseGoDurationMillis(text: string): number | undefined {
  const nanos = parseGoDurationNanos(text);
  return nanos === undefined ? undefined : nanosToMillis(nanos);
}

/** Milliseconds of a nanosecond count, exact to the nanosecond for durations below ~104 days. */
export function nanosToMillis(nanos: bigint): number {
  return Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
}
