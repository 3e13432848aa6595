import type { TraceSummary } from '../api/schemas';

/**
 * Orders for the search result list (`sort=` in the URL). The API answers newest first; the other
 * orders are applied in the browser to the traces it returned. Ties fall back to newest first,
 * then trace ID, so the order never depends on the sort algorithm.
 */
export const TRACE_SORT_ORDERS = ['recent', 'longest', 'shortest', 'most-spans', 'most-errors'] as const;
export type TraceSortOrder = (typeof TRACE_SORT_ORDERS)[number];
export const DEFAULT_SORT: TraceSortOrder = 'recent';

export const TRACE_SORT_LABELS: Record<TraceSortOrder, string> = {
  recent: 'Most recent',
  longest: 'Longest first',
  shortest: 'Shortest first',
  'most-spans': 'Most spans',
  'most-errors': 'Most errors',
};

export function isTraceSortOrder(value: string): value is TraceSortOrder {
  return (TRACE_SORT_ORDERS as readonly string[]).includes(value);
}

// Nanosecond strings exceed 2^53: compare them as BigInt.
function compareNanos(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function newestFirst(a: TraceSummary, b: TraceSummary): number {
  return compareNanos(b.startTimeUnixNano, a.startTimeUnixNano) || a.traceId.localeCompare(b.traceId);
}

const PRIMARY: Record<TraceSortOrder, (a: TraceSummary, b: TraceSummary) => number> = {
  recent: () => 0,
  longest: (a, b) => compareNanos(b.durationNano, a.durationNano),
  shortest: (a, b) => compareNanos(a.durationNano, b.durationNano),
  'most-spans': (a, b) => b.spanCount - a.spanCount,
  'most-errors': (a, b) => b.errorCount - a.errorCount,
};

/** A sorted copy; the input is left as it is. */
export function sortTraces(traces: readonly TraceSummary[], order: TraceSortOrder): TraceSummary[] {
  const primary = PRIMARY[order];
  return [...traces].sort((a, b) => primary(a, b) || newestFirst(a, b));
}
