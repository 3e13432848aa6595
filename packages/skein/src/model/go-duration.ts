/**
 * Go `time.ParseDuration` strings (`10s`, `1m30s`, `500ms`, `1.5h`, `.5s`, `0`), as the
 * OpenTelemetry Collector writes durations (`decision_wait`, `timeout`, `initial_interval`), so a
 * Collector config carries over unchanged. The one parser of durations in Skein: config keys
 * (model/duration-schema.ts), query parameters, CLI flags, TraceQL literals and Jaeger's query
 * parameters (which answer with Go's own error texts) all go through {@link parseGoDuration}.
 *
 * Exact in nanoseconds (bigint): `0.000000001s` is 1 ns and `1.5s` is 1 500 000 000 ns with no
 * float rounding; fractions finer than a nanosecond are truncated, as Go does.
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
const INT64_MAX = 2n ** 63n - 1n;

/** Nanoseconds, or Go's error text (`time: invalid duration "x"`, `time: missing unit …`, `time: unknown unit …`). */
export type GoDurationParse = { value: bigint } | { error: string };

/** Go's strconv.Quote for the texts these errors quote (JSON's quoting agrees on printable text). */
function quote(text: string): string {
  return JSON.stringify(text);
}

/**
 * Go's `time.ParseDuration`, signs included, with its error texts: Jaeger answers a bad parameter
 * with exactly these words (test/jaeger-golden/). A value beyond int64 nanoseconds (~292 years) is
 * invalid, as in Go.
 */
export function parseGoDuration(text: string): GoDurationParse {
  const invalid = { error: `time: invalid duration ${quote(text)}` };
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  // Go accepts a bare "0" (and only zero) without a unit.
  if (rest === '0') return { value: 0n };
  if (rest === '') return invalid;
  let total = 0n;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const whole = number[1] ?? '';
    const fraction = number[2];
    if (whole === '' && (fraction === undefined || fraction === '')) return invalid; // `.s` or `s`: no digits
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') return { error: `time: missing unit in duration ${quote(text)}` };
    const unitNanos = UNIT_NANOS[unit];
    if (unitNanos === undefined) return { error: `time: unknown unit ${quote(unit)} in duration ${quote(text)}` };
    rest = rest.slice(unit.length);
    let nanos = BigInt(whole === '' ? '0' : whole) * unitNanos;
    if (fraction !== undefined && fraction !== '') {
      // Go keeps the fraction's leading digits exactly; beyond the nanosecond it truncates.
      nanos += (BigInt(fraction) * unitNanos) / 10n ** BigInt(fraction.length);
    }
    total += nanos;
    if (total > INT64_MAX) return invalid;
  }
  return { value: negative ? -total : total };
}

/**
 * Nanoseconds, or undefined when `text` is not an unsigned Go duration: no duration Skein reads
 * has a meaning below zero, and a leading sign (`+1s` too) is refused rather than guessed at.
 */
export function parseGoDurationNanos(text: string): bigint | undefined {
  if (text.startsWith('-') || text.startsWith('+')) return undefined;
  const parsed = parseGoDuration(text);
  return 'error' in parsed ? undefined : parsed.value;
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
