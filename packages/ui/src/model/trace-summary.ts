import type { NativeTrace, TraceSummary } from '../api/schemas';
import { buildTraceViews } from './clock-skew';

/**
 * A full trace as a search result row, computed the way the search API computes its summaries
 * (docs/api.md): the root is the earliest span without a parent, else the earliest span with
 * `rootSpanMissing`; services by span count, then name; start and duration clock-skew corrected
 * as on the trace page. Used for traces opened from a file.
 */
export function summariseTrace(trace: NativeTrace): TraceSummary {
  const { adjusted } = buildTraceViews(trace);
  let root: NativeTrace['spans'][number] | undefined;
  let earliest: NativeTrace['spans'][number] | undefined;
  const perService = new Map<string, number>();
  let errorCount = 0;
  for (const span of trace.spans) {
    const spanStart = BigInt(span.startTimeUnixNano);
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
    startTimeUnixNano: adjusted.startNano.toString(),
    durationNano: Math.max(0, adjusted.durationNano).toString(),
    skewCorrected: true,
    spanCount: trace.spans.length,
    errorCount,
    services: [...perService]
      .map(([serviceName, spanCount]) => ({ serviceName, spanCount }))
      .sort((a, b) => b.spanCount - a.spanCount || a.serviceName.localeCompare(b.serviceName)),
  };
}
