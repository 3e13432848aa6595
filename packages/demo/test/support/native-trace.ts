/** Just enough of Skein's native trace format (docs/api.md) for the demo's assertions. */
export interface NativeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  serviceName: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: { key: string; value: Record<string, unknown> }[] }[];
  status: { code: string; message?: string };
}

export interface NativeTrace {
  traceId: string;
  spans: NativeSpan[];
}

/** An attribute's value as a string (OTLP JSON keeps int64 as strings already). */
export function attribute(span: NativeSpan, key: string): string | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (value === undefined) return undefined;
  const raw = Object.values(value)[0];
  return raw === undefined ? undefined : String(raw);
}

/** Start time in milliseconds (a double is plenty for differences between spans of one trace). */
export function startMs(span: NativeSpan): number {
  return Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000;
}

export function endMs(span: NativeSpan): number {
  return Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000;
}

export function childrenOf(trace: NativeTrace, span: NativeSpan): NativeSpan[] {
  return trace.spans.filter((s) => s.parentSpanId === span.spanId);
}

export function parentOf(trace: NativeTrace, span: NativeSpan): NativeSpan | undefined {
  return trace.spans.find((s) => s.spanId === span.parentSpanId);
}

/** Spans whose parent is named but not (yet) stored. */
export function orphans(trace: NativeTrace): NativeSpan[] {
  const ids = new Set(trace.spans.map((s) => s.spanId));
  return trace.spans.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId));
}

/** Levels in the span tree (a lone root is depth 1). */
export function depth(trace: NativeTrace): number {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  let deepest = 0;
  for (const span of trace.spans) {
    let level = 1;
    for (let parent = byId.get(span.parentSpanId); parent !== undefined; parent = byId.get(parent.parentSpanId)) level++;
    deepest = Math.max(deepest, level);
  }
  return deepest;
}

export function services(trace: NativeTrace): Set<string> {
  return new Set(trace.spans.map((s) => s.serviceName));
}
