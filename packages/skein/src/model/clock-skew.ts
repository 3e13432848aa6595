/**
 * Clock-skew correction for search summaries: the same adjuster the UI's trace page applies
 * (packages/ui/src/model/clock-skew.ts), so a trace's duration in search results, in the scatter
 * and on its page is one number. Both implementations are held to the shared cases in
 * packages/ui/src/model/fixtures/clock-skew-cases.json.
 *
 * The rule (Jaeger's clock-skew adjuster, host-aware, with a tolerance): spans timed on another
 * host than their parent may be off by that host's clock error. Such a child that sticks out of
 * its (already adjusted) parent by more than {@link CLOCK_SKEW_TOLERANCE_NANO} is shifted by the
 * smallest amount that puts it inside; a SERVER child of a CLIENT parent is centred, splitting the
 * network latency evenly; a child longer than its parent is only moved to start with it. The shift
 * carries to the child's same-host descendants; a descendant on yet another host is judged afresh.
 * Times stay bigint: Unix nanoseconds exceed 2^53 (ARCHITECTURE decision 1).
 */

/** See the UI's CLOCK_SKEW_TOLERANCE_NANO for why 1 ms (demo processes disagree by tens of µs). */
export const CLOCK_SKEW_TOLERANCE_NANO = 1_000_000n;

/** What the adjuster needs of a span. */
export interface SkewSpan {
  spanId: string;
  /** Empty for a root. A parent that is not among the spans makes the span a root too. */
  parentSpanId: string;
  startNano: bigint;
  durationNano: bigint;
  /** Only the CLIENT → SERVER pair is treated specially. */
  kind: 'CLIENT' | 'SERVER' | 'OTHER';
  /** The clock the span was timed by (host.name, else service.instance.id, else the service). */
  hostKey: string;
}

/** The shift (ns) that puts a child inside its parent's adjusted interval; 0 when within tolerance. */
export function skewShift(
  child: { startNano: bigint; durationNano: bigint; kind: SkewSpan['kind'] },
  parent: { startNano: bigint; durationNano: bigint; kind: SkewSpan['kind'] },
): bigint {
  const tolerance = CLOCK_SKEW_TOLERANCE_NANO;
  const childEnd = child.startNano + child.durationNano;
  const parentEnd = parent.startNano + parent.durationNano;
  if (child.startNano >= parent.startNano - tolerance && childEnd <= parentEnd + tolerance) return 0n;
  if (child.durationNano > parent.durationNano) {
    return child.startNano < parent.startNano - tolerance ? parent.startNano - child.startNano : 0n;
  }
  if (parent.kind === 'CLIENT' && child.kind === 'SERVER') {
    // Non-negative here (the child is not longer), so bigint division floors as the UI's does.
    const latency = (parent.durationNano - child.durationNano) / 2n;
    return parent.startNano + latency - child.startNano;
  }
  return child.startNano < parent.startNano ? parent.startNano - child.startNano : parentEnd - childEnd;
}

/**
 * Per span ID, the shift the adjuster applies (0 for spans left alone). Span IDs are unique here
 * (the caller deduplicates, as the summaries do). A parent chain that loops is cut where it
 * closes: such spans are judged as roots, as the UI shows them at the top level.
 */
export function clockSkewShifts(spans: readonly SkewSpan[]): Map<string, bigint> {
  const byId = new Map<string, SkewSpan>();
  for (const span of spans) byId.set(span.spanId, span);
  const children = new Map<string, SkewSpan[]>();
  const roots: SkewSpan[] = [];
  for (const span of spans) {
    const parent = span.parentSpanId === '' ? undefined : byId.get(span.parentSpanId);
    if (parent === undefined) roots.push(span);
    else {
      const list = children.get(parent.spanId);
      if (list === undefined) children.set(parent.spanId, [span]);
      else list.push(span);
    }
  }
  // Spans in a parent cycle are reachable from no root: each cycle is entered at one of its
  // spans, treated as a root (the UI picks the earliest; which one matters only for such traces).
  const shifts = new Map<string, bigint>();
  interface Visit {
    span: SkewSpan;
    parent: SkewSpan | undefined;
    inherited: { host: string | undefined; delta: bigint };
  }
  const walk = (start: SkewSpan): void => {
    const stack: Visit[] = [{ span: start, parent: undefined, inherited: { host: undefined, delta: 0n } }];
    while (stack.length > 0) {
      const { span, parent, inherited } = stack.pop()!;
      if (shifts.has(span.spanId)) continue;
      let current = inherited;
      if (parent === undefined) current = { host: span.hostKey, delta: 0n };
      else if (span.hostKey !== inherited.host) {
        const parentDelta = shifts.get(parent.spanId) ?? 0n;
        current = {
          host: span.hostKey,
          delta: skewShift(span, { startNano: parent.startNano + parentDelta, durationNano: parent.durationNano, kind: parent.kind }),
        };
      }
      shifts.set(span.spanId, current.delta);
      for (const child of children.get(span.spanId) ?? []) stack.push({ span: child, parent: span, inherited: current });
    }
  };
  for (const root of roots) walk(root);
  const rest = spans
    .filter((span) => !shifts.has(span.spanId))
    .sort((a, b) => (a.startNano < b.startNano ? -1 : a.startNano > b.startNano ? 1 : 0));
  for (const span of rest) if (!shifts.has(span.spanId)) walk(span);
  return shifts;
}

/** A trace's start and duration after clock-skew correction (empty spans: zero both). */
export function skewCorrectedExtent(spans: readonly SkewSpan[]): { startNano: bigint; durationNano: bigint; shiftedCount: number } {
  if (spans.length === 0) return { startNano: 0n, durationNano: 0n, shiftedCount: 0 };
  const shifts = clockSkewShifts(spans);
  let start: bigint | undefined;
  let end: bigint | undefined;
  let shiftedCount = 0;
  for (const span of spans) {
    const delta = shifts.get(span.spanId) ?? 0n;
    if (delta !== 0n) shiftedCount++;
    const spanStart = span.startNano + delta;
    const spanEnd = spanStart + span.durationNano;
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
  }
  const durationNano = end! > start! ? end! - start! : 0n;
  return { startNano: start!, durationNano, shiftedCount };
}
