import { histogramMidpointNanos, MAX_HISTOGRAM_INDEX } from '../../model/latency-histogram.js';

/**
 * Finds a sustained step in an operation's latency quantile (p99, or p95 where traffic is too light
 * for p99) in the metrics tap's per-minute histograms (ARCHITECTURE decision 12: never raw spans).
 *
 * Method, in three explainable steps over the slots of the window (a slot = one or more minutes):
 * 1. Candidates: every split point with at least {@link MIN_SIDE_SLOTS} slots on each side. Each
 *    side's quantile comes from its merged histogram (exact merge, within 4.4 %). The split whose
 *    slower side is the most times slower than the faster side is the first estimate, per direction.
 * 2. Location: the quantile of one whole side is blind to where inside it a step lies (a window that
 *    starts a few minutes early still has a slow p99), so the split is refined on the share of calls
 *    slower than the geometric midpoint of the two levels: the split that best explains those
 *    per-slot counts as two constant shares (the binomial likelihood ratio, the classic change-point
 *    statistic for counts) is the change time.
 *    The quantiles are tried in order (p99, then p95): p95 speaks where traffic is too light for p99
 *    or where the body of the distribution moved and the far tail did not.
 * 3. Checks at that split: the slower side's quantile is at least `minRatio` × the faster side's;
 *    each side has enough calls beyond the quantile ({@link MIN_TAIL_CALLS} per third); and the step
 *    is sustained: every third of the slower side is itself `minRatio` × slower than the whole faster
 *    side, and every third of the faster side is `minRatio` × faster than the whole slower side. A
 *    single spike lies in one third, so the others fail; steady noise moves a quantile estimated
 *    from ≥ 10 tail calls per third by far less than 1.5× (the designed datasets in
 *    test/analysis/latency-change.test.ts: a step, a spike, steady log-normal noise).
 * Why not CUSUM on per-minute p99: at tens of calls a minute, a minute's p99 is one or two calls,
 * so its noise swamps the signal; merged histograms over segments have the counts to be stable.
 * One change per operation and window (the most significant): the story is "it jumped at 14:07".
 */

/** One slot's merged latency histogram (sparse, parallel arrays: model/latency-histogram.ts). */
export interface LatencySlot {
  readonly minute: number;
  readonly histogramIndexes: readonly number[];
  readonly histogramCounts: readonly number[];
}

export interface LatencyChangeOptions {
  /** The slower side must be at least this many times slower (> 1). */
  readonly minRatio: number;
  /** The quantiles to try in order: the first that finds a step is reported. */
  readonly quantiles: readonly number[];
}

export const DEFAULT_MIN_RATIO = 1.5;
export const DEFAULT_QUANTILES = [0.99, 0.95] as const;
/** Slots on each side of a change: a step must last this long to count. */
export const MIN_SIDE_SLOTS = 5;
/** Calls beyond the quantile in every third of a side (p99: 1,000 calls a third; p95: 200). */
export const MIN_TAIL_CALLS = 10;

export interface LatencySegment {
  /** First minute of the segment (inclusive) and end (exclusive). */
  readonly startMinute: number;
  readonly endMinute: number;
  readonly calls: number;
  readonly quantileNanos: number;
}

export interface LatencyChange {
  readonly quantile: number;
  readonly direction: 'up' | 'down';
  /** First minute of the changed level. */
  readonly changeMinute: number;
  readonly before: LatencySegment;
  readonly after: LatencySegment;
  /** after / before quantile. */
  readonly ratio: number;
  /** The level that separates the two: the geometric midpoint of the two quantiles (step 2). */
  readonly thresholdNanos: number;
}

/**
 * Cumulative per-bucket counts: row k holds the sum of slots [0, k), over the buckets the series
 * uses (a few dozen of the 330), so a side's quantile is one subtraction walk, not a merge and a sort.
 */
class PrefixHistograms {
  private readonly rows: Float64Array[];
  /** The lowest bucket index used; row position i is bucket `low + i`. */
  private readonly low: number;
  private readonly width: number;

  constructor(slots: readonly LatencySlot[]) {
    const clamp = (index: number): number => Math.min(Math.max(index, 0), MAX_HISTOGRAM_INDEX);
    let low = MAX_HISTOGRAM_INDEX;
    let high = 0;
    for (const slot of slots)
      for (const index of slot.histogramIndexes) {
        low = Math.min(low, clamp(index));
        high = Math.max(high, clamp(index));
      }
    this.low = Math.min(low, high);
    this.width = high - this.low + 1;
    this.rows = [new Float64Array(this.width)];
    for (const slot of slots) {
      const row = Float64Array.from(this.rows[this.rows.length - 1]!);
      slot.histogramIndexes.forEach((index, position) => {
        row[clamp(index) - this.low]! += slot.histogramCounts[position]!;
      });
      this.rows.push(row);
    }
  }

  /**
   * Calls and the q quantile (ns) of slots [from, to); quantile undefined when empty. The rank rule
   * is histogramQuantileNanos' (model/latency-histogram.ts): the first bucket whose cumulative count
   * reaches q × total; its geometric midpoint is the answer.
   */
  range(from: number, to: number, q: number): { calls: number; quantileNanos: number | undefined } {
    const high = this.rows[to]!;
    const low = this.rows[from]!;
    let calls = 0;
    for (let i = 0; i < this.width; i++) calls += high[i]! - low[i]!;
    if (calls <= 1e-9) return { calls: 0, quantileNanos: undefined };
    const rank = Math.max(q * calls, Number.MIN_VALUE);
    let seen = 0;
    let last = 0;
    for (let i = 0; i < this.width; i++) {
      const count = high[i]! - low[i]!;
      if (count <= 1e-9) continue;
      last = i;
      seen += count;
      if (seen >= rank - 1e-9) return { calls, quantileNanos: histogramMidpointNanos(this.low + i) };
    }
    return { calls, quantileNanos: histogramMidpointNanos(this.low + last) };
  }

  /** Calls slower than `thresholdNanos` in slot k (bucket midpoints decide, as quantiles do). */
  slowerThan(slot: number, thresholdNanos: number): number {
    const high = this.rows[slot + 1]!;
    const low = this.rows[slot]!;
    let count = 0;
    for (let i = this.width - 1; i >= 0 && histogramMidpointNanos(this.low + i) > thresholdNanos; i--) count += high[i]! - low[i]!;
    return count;
  }
}

/** The most significant sustained quantile step in `slots` (ordered by minute, evenly spaced), or undefined. */
export function detectLatencyChange(
  slots: readonly LatencySlot[],
  slotMinutes: number,
  options: LatencyChangeOptions,
): LatencyChange | undefined {
  if (slots.length < 2 * MIN_SIDE_SLOTS) return undefined;
  const prefix = new PrefixHistograms(slots);
  for (const q of options.quantiles) {
    const minPartCalls = MIN_TAIL_CALLS / (1 - q);
    const found = firstEstimates(slots.length, prefix, q, minPartCalls, options.minRatio)
      .map((first) => confirmChange(slots, slotMinutes, prefix, q, minPartCalls, first, options.minRatio))
      .filter((change) => change !== undefined)
      .sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio)));
    if (found.length > 0) return found[0];
  }
  return undefined;
}

interface FirstEstimate {
  readonly direction: 'up' | 'down';
  readonly before: number;
  readonly after: number;
}

/** Step 1, both directions in one pass: per direction, the split with the largest ratio, when it reaches `minRatio`. */
function firstEstimates(n: number, prefix: PrefixHistograms, q: number, minPartCalls: number, minRatio: number): FirstEstimate[] {
  let up: FirstEstimate | undefined;
  let down: FirstEstimate | undefined;
  let bestUp = Math.log(minRatio);
  let bestDown = Math.log(minRatio);
  for (let split = MIN_SIDE_SLOTS; split <= n - MIN_SIDE_SLOTS; split++) {
    const before = prefix.range(0, split, q);
    const after = prefix.range(split, n, q);
    if (before.quantileNanos === undefined || after.quantileNanos === undefined) continue;
    if (before.calls < 3 * minPartCalls || after.calls < 3 * minPartCalls) continue;
    const logRatio = Math.log(after.quantileNanos / before.quantileNanos);
    if (logRatio >= bestUp) {
      bestUp = logRatio + 1e-12;
      up = { direction: 'up', before: before.quantileNanos, after: after.quantileNanos };
    }
    if (-logRatio >= bestDown) {
      bestDown = -logRatio + 1e-12;
      down = { direction: 'down', before: before.quantileNanos, after: after.quantileNanos };
    }
  }
  return [up, down].filter((estimate) => estimate !== undefined);
}

/** Steps 2 and 3 for one direction's first estimate. */
function confirmChange(
  slots: readonly LatencySlot[],
  slotMinutes: number,
  prefix: PrefixHistograms,
  q: number,
  minPartCalls: number,
  first: FirstEstimate,
  minRatio: number,
): LatencyChange | undefined {
  const n = slots.length;
  const direction = first.direction;
  // Step 2: locate by the share of calls above the midpoint of the two levels.
  const thresholdNanos = Math.sqrt(first.before * first.after);
  const slow = slots.map((_, k) => prefix.slowerThan(k, thresholdNanos));
  const split = bestBinomialSplit(
    slow,
    slots.map((_, k) => prefix.range(k, k + 1, q).calls),
  );
  // Step 3: the checks at the located split.
  const before = prefix.range(0, split, q);
  const after = prefix.range(split, n, q);
  if (before.quantileNanos === undefined || after.quantileNanos === undefined) return undefined;
  const ratio = after.quantileNanos / before.quantileNanos;
  if ((direction === 'up' ? ratio : 1 / ratio) < minRatio) return undefined;
  const [slowFrom, slowTo, fastFrom, fastTo, slowQuantile, fastQuantile] =
    direction === 'up'
      ? [split, n, 0, split, after.quantileNanos, before.quantileNanos]
      : [0, split, split, n, before.quantileNanos, after.quantileNanos];
  for (const [from, to] of thirds(slowFrom, slowTo)) {
    const part = prefix.range(from, to, q);
    if (part.calls < minPartCalls || (part.quantileNanos ?? 0) < minRatio * fastQuantile) return undefined;
  }
  for (const [from, to] of thirds(fastFrom, fastTo)) {
    const part = prefix.range(from, to, q);
    if (part.calls < minPartCalls || (part.quantileNanos ?? Infinity) * minRatio > slowQuantile) return undefined;
  }
  const minuteOf = (slot: number): number => (slot < n ? slots[slot]!.minute : slots[n - 1]!.minute + slotMinutes);
  return {
    quantile: q,
    direction,
    changeMinute: minuteOf(split),
    before: { startMinute: minuteOf(0), endMinute: minuteOf(split), calls: before.calls, quantileNanos: before.quantileNanos },
    after: { startMinute: minuteOf(split), endMinute: minuteOf(n), calls: after.calls, quantileNanos: after.quantileNanos },
    ratio,
    thresholdNanos,
  };
}

/** [from, to) in three parts of (nearly) equal slot counts; fewer when there are fewer slots. */
function thirds(from: number, to: number): Array<[number, number]> {
  const length = to - from;
  const parts = Math.min(3, length);
  return Array.from({ length: parts }, (_, i) => [from + Math.floor((length * i) / parts), from + Math.floor((length * (i + 1)) / parts)]);
}

/** The split (MIN_SIDE_SLOTS … n − MIN_SIDE_SLOTS) maximising the two-share binomial log-likelihood. */
export function bestBinomialSplit(successes: readonly number[], trials: readonly number[]): number {
  const n = successes.length;
  const cumS = [0];
  const cumT = [0];
  for (let k = 0; k < n; k++) {
    cumS.push(cumS[k]! + successes[k]!);
    cumT.push(cumT[k]! + trials[k]!);
  }
  const logLikelihood = (s: number, t: number): number => {
    if (t <= 0) return 0;
    const p = Math.min(Math.max(s / t, 0), 1);
    return (s > 0 ? s * Math.log(p) : 0) + (t - s > 0 ? (t - s) * Math.log(1 - p) : 0);
  };
  let best = MIN_SIDE_SLOTS;
  let bestScore = -Infinity;
  for (let split = MIN_SIDE_SLOTS; split <= n - MIN_SIDE_SLOTS; split++) {
    const score = logLikelihood(cumS[split]!, cumT[split]!) + logLikelihood(cumS[n]! - cumS[split]!, cumT[n]! - cumT[split]!);
    if (score > bestScore + 1e-9) {
      bestScore = score;
      best = split;
    }
  }
  return best;
}
