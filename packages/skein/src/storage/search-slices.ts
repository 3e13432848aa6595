/**
 * Trace search, newest first in time slices (issue 19 item 3): a search wants the `limit` traces
 * whose earliest matching span in the window is newest, and on a busy store the newest minutes
 * hold them, so reading the whole window (a day of a service's spans) to rank every trace is
 * mostly wasted. The window is read in slices from its end, each older one twice as long, and
 * the search stops as soon as the answer is known to be exact, never approximately:
 *
 * - a trace's key is its earliest matching span in the window (Jaeger's per-span semantics: one
 *   span meets every condition); a slice sees only the matching spans inside it;
 * - a slice whose statement returned fewer than `limit` traces saw every matching trace in it,
 *   with its earliest match there: such slices merge exactly (minimum of the keys);
 * - a slice cut at `limit` is read again as one statement over everything from its start to the
 *   window's end, which ranks that span of time exactly; later slices do the same;
 * - once `limit` traces are ranked over [sliceStart, end], they are the answer if none of them has
 *   a span before `sliceStart` (then no older matching span can lower its key, and every trace not
 *   ranked has its key below `sliceStart` or below theirs). The trace's earliest span comes from
 *   the summaries read anyway; if one started earlier, the search goes on to older slices.
 */

/** The first slice: the last 5 minutes of the window (measured: see BENCHMARKS.md, issue 19 item 3). */
export const FIRST_SLICE_NANO = 5n * 60n * 1_000_000_000n;

export interface SliceMatch {
  traceId: string;
  /** Start of the trace's earliest matching span in the slice read. */
  firstMatchNano: bigint;
}

/** The summaries of `traceIds` (in the search's order), or undefined if one starts before `notBefore`. */
export type SummariseFound<T> = (traceIds: readonly string[], notBefore: bigint | undefined) => Promise<T[] | undefined>;

/**
 * The search over [startNano, endNano] (both inclusive) in slices. `matches(from, to, limit)` runs
 * the search statement over [from, to]: at most `limit` traces, newest earliest match first, ties
 * by trace ID.
 */
export async function searchInSlices<T>(
  startNano: bigint,
  endNano: bigint,
  limit: number,
  matches: (fromNano: bigint, toNano: bigint, limit: number) => Promise<SliceMatch[]>,
  summarise: SummariseFound<T>,
): Promise<T[]> {
  let known = new Map<string, bigint>();
  /** False once a slice was cut at `limit`: `known` then holds only the top of [sliceStart, end]. */
  let complete = true;
  let upper = endNano;
  for (let length = FIRST_SLICE_NANO; ; length *= 2n) {
    const sliceStart = endNano - startNano < length ? startNano : endNano - length + 1n;
    const whole = sliceStart === startNano;
    const found = complete ? await matches(sliceStart, upper, limit) : [];
    if (complete && found.length < limit) {
      for (const match of found) {
        const key = known.get(match.traceId);
        if (key === undefined || match.firstMatchNano < key) known.set(match.traceId, match.firstMatchNano);
      }
    } else {
      // The first slice's statement already covered [sliceStart, end]: no need to read it again.
      const ranked = complete && upper === endNano ? found : await matches(sliceStart, endNano, limit);
      complete = false;
      known = new Map(ranked.map((match) => [match.traceId, match.firstMatchNano]));
    }
    if (known.size >= limit || whole) {
      const ranked = [...known].sort(([aId, aKey], [bId, bKey]) =>
        aKey !== bKey ? (aKey > bKey ? -1 : 1) : aId < bId ? -1 : aId > bId ? 1 : 0,
      );
      const top = ranked.slice(0, limit).map(([traceId]) => traceId);
      if (top.length === 0) return [];
      const summaries = await summarise(top, whole ? undefined : sliceStart);
      if (summaries !== undefined) return summaries;
    }
    if (whole) throw new Error('unreachable: the whole window needs no check');
    upper = sliceStart - 1n;
  }
}
