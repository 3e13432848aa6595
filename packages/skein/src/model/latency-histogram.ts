/**
 * The mergeable latency histogram stored per series and minute (ARCHITECTURE decision 12): an
 * OpenTelemetry exponential histogram of scale 3 over microseconds, kept sparse as
 * (bucket index → count). Bucket i holds durations in (2^((i−1)/8), 2^(i/8)] µs; index 0 holds
 * everything up to 1 µs. Two histograms merge by adding counts per index (ClickHouse `sumMap`), so
 * any window of minutes, services or operations is one exact merge.
 *
 * Stated error: a quantile is answered with its bucket's geometric midpoint 2^((i−½)/8) µs, so the
 * answer is within 2^(1/16) − 1 ≈ 4.4 % (relative) of the true value of the span at that rank.
 * 330 indexes cover 1 µs … 2^41 µs (25 days); longer spans land in the last one.
 */

export const HISTOGRAM_SCALE = 3;
const PER_OCTAVE = 1 << HISTOGRAM_SCALE;
export const MAX_HISTOGRAM_INDEX = 41 * PER_OCTAVE;
/** Upper bound of the relative error of {@link histogramQuantileNanos}. */
export const HISTOGRAM_RELATIVE_ERROR = 2 ** (1 / (2 * PER_OCTAVE)) - 1;

/** The bucket index of a duration in nanoseconds (a number: sub-ns precision is irrelevant here). */
export function histogramIndexOf(durationNanos: number): number {
  const micros = durationNanos / 1000;
  if (!(micros > 1)) return 0;
  const index = Math.ceil(Math.log2(micros) * PER_OCTAVE);
  return index > MAX_HISTOGRAM_INDEX ? MAX_HISTOGRAM_INDEX : index;
}

/** The upper bound of bucket `index`, in nanoseconds. */
export function histogramUpperBoundNanos(index: number): number {
  return 2 ** (index / PER_OCTAVE) * 1000;
}

/** The value reported for bucket `index`: its geometric midpoint (index 0: 1 µs). */
export function histogramMidpointNanos(index: number): number {
  return index === 0 ? 1000 : 2 ** ((index - 0.5) / PER_OCTAVE) * 1000;
}

/**
 * The `q` quantile (0..1) of a sparse histogram given as parallel index and count arrays (any
 * order), in nanoseconds; undefined when it is empty. The rank is `q × total` rounded up, as
 * Prometheus' histogram_quantile and most SQL quantile functions place it.
 */
export function histogramQuantileNanos(indexes: readonly number[], counts: readonly number[], q: number): number | undefined {
  const order = indexes.map((_, position) => position).sort((a, b) => indexes[a]! - indexes[b]!);
  let total = 0;
  for (const count of counts) total += count;
  if (total <= 0) return undefined;
  const rank = Math.max(q * total, Number.MIN_VALUE);
  let seen = 0;
  for (const position of order) {
    seen += counts[position]!;
    if (seen >= rank - 1e-9) return histogramMidpointNanos(indexes[position]!);
  }
  return histogramMidpointNanos(indexes[order[order.length - 1]!]!);
}
