/** One slice of a time window, both ends inclusive, in Unix nanoseconds. */
export interface TimeSlice {
  startNano: bigint;
  endNano: bigint;
}

/**
 * Splits [startNano, endNano] into slices from the newest end backwards: the first `firstNano`
 * long, each next one twice the one before, the last clipped at `startNano`. A scan that can stop
 * once it has seen enough (search up to its limit, autocompletion up to its span budget) then reads
 * the newest data first and a window of any length takes O(log length) slices.
 */
export function* newestFirstSlices(startNano: bigint, endNano: bigint, firstNano: bigint): Generator<TimeSlice> {
  let end = endNano;
  let length = firstNano;
  while (end >= startNano) {
    const start = end - length + 1n > startNano ? end - length + 1n : startNano;
    yield { startNano: start, endNano: end };
    end = start - 1n;
    length *= 2n;
  }
}
