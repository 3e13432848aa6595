import type { NativeTrace, TraceSummary } from '../api/schemas';

/**
 * A full trace as a search result row, computed the way the search API computes its summaries
 * (docs/api.md): the root is the earliest span without a parent, else the earliest span with
 * `rootSpanMissing`; services by span count, then name. Used for traces opened from a file.
 */
export function summariseTrace(trace: NativeTrace): TraceSummary {
  let start: bigint | undefined;
  let end: bigint | undefined;
  let root: NativeTrace['spans'][number] | undefined;
  let earliest: NativeTrace['spans'][number] | undefined;
  const perService = new Map<string, number>();
  let errorCount = 0;
  for (const span of trace.spans) {
    const spanStart = BigInt(span.startTimeUnixNano);
    const spanEnd = BigInt(span.endTimeUnixNano);
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
    if (!earliest || spanStart < BigInt(earliest.startTimeUnixNano)) earliest = span;
    if (span.parentSpanId === '' && (!root || spanStart < BigInt(root.startTimeUnixNano))) root = span;
    perService.set(span.serviceName, (perService.get(span.serviceName) ?? 0) + 1);
    if (span.status.code === 'ERROR') errorCount++;
  }
  const shown = root ?? earliest;
  return {
    traceId: trace.traceId,
    rootServiceName: shown?.serviceName ?? '',
    rootSpanName: shown?.name ?? '',
    rootSpanMissing: root === undefined,
    startTimeUnixNano: (start ?? 0n).toString(),
    durationNano: ((end ?? 0n) - (start ?? 0n)).toString(),
    spanCount: trace.spans.length,
    errorCount,
    services: [...perService]
      .map(([serviceName, spanCount]) => ({ serviceName, spanCount }))
      .sort((a, b) => b.spanCount - a.spanCount || a.serviceName.localeCompare(b.serviceName)),
  };
}
