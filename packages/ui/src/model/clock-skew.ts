import type { NativeResource, NativeSpan, NativeTrace } from '../api/schemas';
import { buildTraceTree, type SpanNode, type TraceTree } from './trace-tree';

/**
 * Clock-skew correction, host-aware like Jaeger's adjuster (but on by default). Spans recorded on
 * different hosts are timed by different clocks, so a child from another host can appear to start
 * before its parent or end after it. Such a child is shifted by the smallest amount that puts it
 * inside its (already adjusted) parent; for a CLIENT → SERVER pair the server span is centred in
 * the client span, splitting the network latency evenly between request and response. The shift
 * applies to the whole subtree on that host; a descendant on yet another host is judged afresh
 * against its adjusted parent. Spans on the same host as their parent are never adjusted
 * individually (one clock cannot be skewed against itself).
 */

/**
 * How far (ns) a child may stick out of its parent before it counts as skewed. Processes on one
 * machine (the demo) disagree by tens of microseconds (OpenTelemetry JS times spans from
 * `performance.timeOrigin`, read once per process): without a tolerance 18 of the demo's 23
 * spans were "corrected" by under a millisecond each. Jaeger's adjuster has the mirror-image knob
 * (a maximum delta); both keep the adjuster to real clock problems. The backend applies the
 * same rule with the same value to search summaries (packages/skein/src/model/clock-skew.ts,
 * checked against the shared cases in fixtures/clock-skew-cases.json).
 */
export const CLOCK_SKEW_TOLERANCE_NANO = 1_000_000;

/** The clock a span was timed by: resource `host.name`, else `service.instance.id`, else its service. */
export function hostKey(span: NativeSpan, resources: readonly NativeResource[]): string {
  const attributes = resources[span.resourceIndex]?.attributes ?? [];
  const value = (key: string): string | undefined => {
    const found = attributes.find((attribute) => attribute.key === key)?.value.stringValue;
    return found === undefined || found === '' ? undefined : found;
  };
  const host = value('host.name');
  if (host !== undefined) return `host:${host}`;
  const instance = value('service.instance.id');
  if (instance !== undefined) return `instance:${instance}`;
  return `service:${span.serviceName}`;
}

/**
 * The shift (ns) that puts a child of raw interval [start, start + duration) inside its parent's
 * adjusted interval; 0 when it already fits, or sticks out by at most
 * {@link CLOCK_SKEW_TOLERANCE_NANO} on either side.
 */
export function skewFor(
  child: { start: number; duration: number; kind: string },
  parent: { start: number; duration: number; kind: string },
): number {
  const childEnd = child.start + child.duration;
  const parentEnd = parent.start + parent.duration;
  const tolerance = CLOCK_SKEW_TOLERANCE_NANO;
  if (child.start >= parent.start - tolerance && childEnd <= parentEnd + tolerance) return 0;
  // A child longer than its parent cannot fit: at most line up the starts (as Jaeger does).
  if (child.duration > parent.duration) return child.start < parent.start - tolerance ? parent.start - child.start : 0;
  if (parent.kind === 'CLIENT' && child.kind === 'SERVER') {
    const latency = Math.floor((parent.duration - child.duration) / 2);
    return parent.start + latency - child.start;
  }
  return child.start < parent.start ? parent.start - child.start : parentEnd - childEnd;
}

/** Per span: the shift the adjuster applies (0 for spans left alone), computed on a raw tree. */
export function computeClockSkew(tree: TraceTree, resources: readonly NativeResource[]): Map<NativeSpan, number> {
  const skew = new Map<NativeSpan, number>();
  interface Visit {
    node: SpanNode;
    parent: SpanNode | undefined;
    inherited: { host: string | undefined; delta: number };
  }
  // Iterative (parents before children, as the adjusted parent is needed): deep traces must not
  // overflow the stack.
  const stack: Visit[] = tree.roots.map((node) => ({ node, parent: undefined, inherited: { host: undefined, delta: 0 } }));
  while (stack.length > 0) {
    const { node, parent, inherited } = stack.pop()!;
    let current = inherited;
    if (node.span) {
      const host = hostKey(node.span, resources);
      if (parent?.span && !node.parentCycle && host !== inherited.host) {
        const delta = skewFor(
          { start: node.startOffsetNano, duration: node.durationNano, kind: node.span.kind },
          { start: parent.startOffsetNano + inherited.delta, duration: parent.durationNano, kind: parent.span.kind },
        );
        current = { host, delta };
      } else if (!parent?.span) {
        current = { host, delta: 0 };
      }
      skew.set(node.span, current.delta);
    } else {
      current = { host: undefined, delta: 0 };
    }
    for (const child of node.children) stack.push({ node: child, parent: node, inherited: current });
  }
  return skew;
}

/** A span moved in time by `delta` ns (its events with it). */
export function shiftSpan(span: NativeSpan, delta: number): NativeSpan {
  if (delta === 0) return span;
  const by = BigInt(delta);
  const move = (nanos: string): string => {
    const moved = BigInt(nanos) + by;
    return (moved < 0n ? 0n : moved).toString();
  };
  return {
    ...span,
    startTimeUnixNano: move(span.startTimeUnixNano),
    endTimeUnixNano: move(span.endTimeUnixNano),
    events: span.events.map((event) => ({ ...event, timeUnixNano: move(event.timeUnixNano) })),
  };
}

export interface TraceViews {
  /** Skew-corrected times: what the UI shows by default. */
  adjusted: TraceTree;
  /** Times as recorded; nodes still carry the `skewNano` the adjuster would apply. */
  raw: TraceTree;
  /** The adjusted spans (for span details, which read times from the span). */
  adjustedTrace: NativeTrace;
}

/** Both trees of a trace: skew-corrected and raw. Every span is in both, nothing is dropped. */
export function buildTraceViews(trace: NativeTrace): TraceViews {
  const raw = buildTraceTree(trace);
  const skew = computeClockSkew(raw, trace.resources);
  // The raw tree records the shifts on its own nodes (same result as rebuilding it with the
  // `skew` option, one O(n log n) build fewer: it matters on traces of 100k spans).
  let skewedCount = 0;
  for (const node of raw.byKey.values()) {
    node.skewNano = node.span ? (skew.get(node.span) ?? 0) : 0;
    if (node.skewNano !== 0) skewedCount++;
  }
  raw.skewedCount = skewedCount;
  if (skewedCount === 0) return { adjusted: raw, raw, adjustedTrace: trace };
  const shiftedSkew = new Map<NativeSpan, number>();
  const spans = trace.spans.map((span) => {
    const delta = skew.get(span) ?? 0;
    const shifted = shiftSpan(span, delta);
    shiftedSkew.set(shifted, delta);
    return shifted;
  });
  const adjustedTrace = { ...trace, spans };
  return { adjusted: buildTraceTree(adjustedTrace, { skew: shiftedSkew }), raw, adjustedTrace };
}
