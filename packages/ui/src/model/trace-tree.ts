import type { NativeSpan, NativeTrace } from '../api/schemas';

/**
 * Pure transforms from the API's flat span list to the tree the waterfall draws. Real traces are
 * messy: parents arrive late or never (orphans), span IDs repeat (Zipkin shared spans, retried
 * exports), and a bad client can even produce parent cycles. Nothing is dropped: every stored span
 * appears exactly once in the tree.
 */

export interface SpanNode {
  /** Unique per row: the span ID, or `spanId#n` for the n-th repeat of an ID, or `missing:<id>`. */
  key: string;
  /** Undefined for the placeholder that stands in for a parent span that never arrived. */
  span: NativeSpan | undefined;
  /** For a placeholder: the span ID its children name as parent. */
  missingSpanId: string | undefined;
  parentKey: string | undefined;
  children: SpanNode[];
  /** Nesting level in the drawn tree, 0 for top-level rows. */
  depth: number;
  /** Start relative to the trace start, and length, in nanoseconds (safe as numbers: relative). */
  startOffsetNano: number;
  durationNano: number;
  /** Duration not covered by any direct child (children's overlapping intervals count once). */
  selfTimeNano: number;
  /** Another span with the same ID came first (by start time). */
  duplicate: boolean;
  /** Its parent exists but the parent chain loops back to it: shown at the top level instead. */
  parentCycle: boolean;
  /** Clock-skew shift (ns) the adjuster applies to this span (see clock-skew.ts); 0 when none. */
  skewNano: number;
}

export interface TraceTree {
  traceId: string;
  roots: SpanNode[];
  byKey: Map<string, SpanNode>;
  /** The first span (by start time) with each span ID. */
  bySpanId: Map<string, SpanNode>;
  startNano: bigint;
  endNano: bigint;
  durationNano: number;
  spanCount: number;
  errorCount: number;
  /** Services in order of their first span. */
  services: string[];
  /** Levels of nesting, counting a missing parent as a level (it exists, it just has not arrived). */
  depth: number;
  orphanCount: number;
  duplicateCount: number;
  /** The earliest span without a parent, else the earliest span (as search's `rootSpanMissing`). */
  rootSpan: NativeSpan | undefined;
  rootSpanMissing: boolean;
  /** Spans with a non-zero `skewNano`. */
  skewedCount: number;
}

export interface BuildOptions {
  /** Per span object: the clock-skew shift to record on its node (times are taken as given). */
  skew?: ReadonlyMap<NativeSpan, number>;
}

/** A decimal string of Unix nanoseconds as [whole seconds, nanoseconds]: both exact as numbers. */
function splitNanos(text: string): [number, number] {
  const cut = text.length - 9;
  return cut > 0 ? [Number(text.slice(0, cut)), Number(text.slice(cut))] : [0, Number(text)];
}

/** Plain code-unit order: IDs are hex, and `localeCompare` is many times slower on big traces. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNodes(a: SpanNode, b: SpanNode): number {
  return a.startOffsetNano - b.startOffsetNano || compareIds(a.key, b.key);
}

export function buildTraceTree(trace: NativeTrace, options: BuildOptions = {}): TraceTree {
  // Times are decimal strings beyond 2^53. Parsing each into a BigInt dominated opening 100k+
  // span traces, so each is split once into whole seconds and nanoseconds (both exact numbers);
  // offsets from the trace start are then exact too (below 2^53 ns: 104 days).
  const count = trace.spans.length;
  const startSec = new Float64Array(count);
  const startSub = new Float64Array(count);
  const durations = new Float64Array(count);
  let first = 0;
  let last = 0;
  let lastSec = 0;
  let lastSub = 0;
  for (let i = 0; i < count; i++) {
    const span = trace.spans[i]!;
    const [sec, sub] = splitNanos(span.startTimeUnixNano);
    const [endSec, endSub] = splitNanos(span.endTimeUnixNano);
    startSec[i] = sec;
    startSub[i] = sub;
    durations[i] = (endSec - sec) * 1e9 + (endSub - sub);
    if (sec < startSec[first]! || (sec === startSec[first]! && sub < startSub[first]!)) first = i;
    if (i === 0 || endSec > lastSec || (endSec === lastSec && endSub > lastSub)) {
      last = i;
      lastSec = endSec;
      lastSub = endSub;
    }
  }
  const startNano = count === 0 ? 0n : BigInt(trace.spans[first]!.startTimeUnixNano);
  const endNano = count === 0 ? 0n : BigInt(trace.spans[last]!.endTimeUnixNano);
  const offsets = new Float64Array(count);
  for (let i = 0; i < count; i++) offsets[i] = (startSec[i]! - startSec[first]!) * 1e9 + (startSub[i]! - startSub[first]!);
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => offsets[a]! - offsets[b]! || compareIds(trace.spans[a]!.spanId, trace.spans[b]!.spanId),
  );
  const spans = order.map((i) => trace.spans[i]!);

  const byKey = new Map<string, SpanNode>();
  const bySpanId = new Map<string, SpanNode>();
  const repeats = new Map<string, number>();
  const nodes: SpanNode[] = [];
  for (let position = 0; position < count; position++) {
    const span = spans[position]!;
    // Repeats of an ID are rare: count them only when the ID is taken already (one map lookup
    // per span instead of a get and a set).
    const seen = bySpanId.has(span.spanId) ? (repeats.get(span.spanId) ?? 1) : 0;
    if (seen > 0) repeats.set(span.spanId, seen + 1);
    const node: SpanNode = {
      key: seen === 0 ? span.spanId : `${span.spanId}#${seen}`,
      span,
      missingSpanId: undefined,
      parentKey: undefined,
      children: [],
      depth: 0,
      startOffsetNano: offsets[order[position]!]!,
      durationNano: durations[order[position]!]!,
      selfTimeNano: 0,
      duplicate: seen > 0,
      parentCycle: false,
      skewNano: options.skew?.get(span) ?? 0,
    };
    nodes.push(node);
    byKey.set(node.key, node);
    if (seen === 0) bySpanId.set(span.spanId, node);
  }

  const roots: SpanNode[] = [];
  const placeholders = new Map<string, SpanNode>();
  let orphanCount = 0;
  for (const node of nodes) {
    const parentId = node.span!.parentSpanId;
    if (parentId === '') {
      roots.push(node);
      continue;
    }
    const parent = bySpanId.get(parentId);
    if (parent && parent !== node) {
      attach(parent, node);
      continue;
    }
    // The parent never arrived (or a span names itself as parent): group under a placeholder.
    orphanCount++;
    let placeholder = placeholders.get(parentId);
    if (!placeholder) {
      placeholder = {
        key: `missing:${parentId}`,
        span: undefined,
        missingSpanId: parentId,
        parentKey: undefined,
        children: [],
        depth: 0,
        startOffsetNano: node.startOffsetNano,
        durationNano: 0,
        selfTimeNano: 0,
        duplicate: false,
        parentCycle: false,
        skewNano: 0,
      };
      placeholders.set(parentId, placeholder);
      byKey.set(placeholder.key, placeholder);
      roots.push(placeholder);
    }
    attach(placeholder, node);
    const end = Math.max(placeholder.startOffsetNano + placeholder.durationNano, node.startOffsetNano + node.durationNano);
    placeholder.startOffsetNano = Math.min(placeholder.startOffsetNano, node.startOffsetNano);
    placeholder.durationNano = end - placeholder.startOffsetNano;
  }

  // Spans on a parent cycle are reachable from no root; lift each such cycle's earliest span
  // to the top level so its whole loop is shown.
  const reached = new Set<SpanNode>();
  const mark = (from: SpanNode): void => {
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      // A loop, not push(...children): a span with 100k+ children would exceed the argument limit.
      for (const child of node.children) stack.push(child);
    }
  };
  roots.forEach(mark);
  for (const node of nodes) {
    if (reached.has(node)) continue;
    const parent = node.parentKey === undefined ? undefined : byKey.get(node.parentKey);
    if (parent) parent.children = parent.children.filter((child) => child !== node);
    node.parentKey = undefined;
    node.parentCycle = true;
    roots.push(node);
    mark(node);
  }

  // Iterative: a trace thousands of levels deep (a recursive batch job) must not overflow the stack.
  let depth = 0;
  roots.sort(compareNodes);
  const pending: SpanNode[] = [...roots];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.span) depth = Math.max(depth, node.depth + 1);
    node.children.sort(compareNodes);
    for (const child of node.children) {
      child.depth = node.depth + 1;
      pending.push(child);
    }
    node.selfTimeNano = node.span ? selfTime(node) : 0;
  }

  const services: string[] = [];
  const seenServices = new Set<string>();
  let errorCount = 0;
  for (const span of spans) {
    if (span.status.code === 'ERROR') errorCount++;
    if (!seenServices.has(span.serviceName)) {
      seenServices.add(span.serviceName);
      services.push(span.serviceName);
    }
  }
  const trueRoot = spans.find((span) => span.parentSpanId === '');

  return {
    traceId: trace.traceId,
    roots,
    byKey,
    bySpanId,
    startNano,
    endNano,
    durationNano: Number(endNano - startNano),
    spanCount: spans.length,
    errorCount,
    services,
    depth,
    orphanCount,
    duplicateCount: nodes.filter((node) => node.duplicate).length,
    rootSpan: trueRoot ?? spans[0],
    rootSpanMissing: trueRoot === undefined && spans.length > 0,
    skewedCount: nodes.filter((node) => node.skewNano !== 0).length,
  };
}

function attach(parent: SpanNode, child: SpanNode): void {
  parent.children.push(child);
  child.parentKey = parent.key;
}

/** The span's duration minus the union of its direct children's intervals, clipped to the span. */
export function selfTime(node: SpanNode): number {
  const start = node.startOffsetNano;
  const end = start + node.durationNano;
  const intervals = node.children
    .map((child) => [Math.max(start, child.startOffsetNano), Math.min(end, child.startOffsetNano + child.durationNano)] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let runFrom = -Infinity;
  let runTo = -Infinity;
  for (const [from, to] of intervals) {
    if (from > runTo) {
      if (runTo > runFrom) covered += runTo - runFrom;
      runFrom = from;
      runTo = to;
    } else {
      runTo = Math.max(runTo, to);
    }
  }
  if (runTo > runFrom) covered += runTo - runFrom;
  return node.durationNano - covered;
}

/**
 * Rows in display order, skipping the descendants of collapsed nodes. With `keep` (a filter:
 * matches and their ancestors) only those rows are listed, and collapsing is ignored so every
 * match shows.
 */
export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<string>, keep?: ReadonlySet<string>): SpanNode[] {
  const rows: SpanNode[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (keep && !keep.has(node.key)) continue;
    rows.push(node);
    if (keep || !collapsed.has(node.key)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return rows;
}

/** Per node key: how many descendants it has (what a collapsed row hides). O(n), iterative. */
export function descendantCounts(tree: TraceTree): Map<string, number> {
  const order: SpanNode[] = [];
  const stack = [...tree.roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  const counts = new Map<string, number>();
  // Reverse pre-order visits children before their parent.
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    let sum = 0;
    for (const child of node.children) sum += 1 + (counts.get(child.key) ?? 0);
    counts.set(node.key, sum);
  }
  return counts;
}

/** Every node's position in the fully expanded display order (for search's next/previous). */
export function displayOrder(tree: TraceTree): Map<string, number> {
  const order = new Map<string, number>();
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.set(node.key, order.size);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return order;
}

/** Traces above this many spans open with deep subtrees collapsed. */
export const BIG_TRACE_SPANS = 5_000;

/**
 * What a big trace opens with collapsed: the deepest levels are folded so that about `budget`
 * rows show at first (but always the top two levels). Small traces open fully expanded. A person
 * looking at 100k spans starts from the top of the tree anyway, and the rows stay few.
 */
export function defaultCollapsed(tree: TraceTree, budget = 2_000, threshold = BIG_TRACE_SPANS): Set<string> {
  const collapsed = new Set<string>();
  if (tree.spanCount <= threshold) return collapsed;
  const perDepth: number[] = [];
  for (const node of tree.byKey.values()) perDepth[node.depth] = (perDepth[node.depth] ?? 0) + 1;
  // Show levels 0..shown-1: the most levels whose rows fit the budget, at least two.
  let shown = 0;
  let rows = 0;
  while (shown < perDepth.length && rows + (perDepth[shown] ?? 0) <= budget) rows += perDepth[shown++] ?? 0;
  shown = Math.max(2, shown);
  for (const node of tree.byKey.values()) if (node.depth === shown - 1 && node.children.length > 0) collapsed.add(node.key);
  return collapsed;
}

/** Keys of a node's ancestors, nearest first: what must be expanded to show it. */
export function ancestorKeys(tree: TraceTree, key: string): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  let parentKey = tree.byKey.get(key)?.parentKey;
  while (parentKey !== undefined && !seen.has(parentKey)) {
    keys.push(parentKey);
    seen.add(parentKey);
    parentKey = tree.byKey.get(parentKey)?.parentKey;
  }
  return keys;
}

/** Span counts per service, most spans first, then by name (as the search API sorts them). */
export function spansPerService(tree: TraceTree): { serviceName: string; spanCount: number }[] {
  const counts = new Map<string, number>();
  for (const node of tree.byKey.values()) if (node.span) counts.set(node.span.serviceName, (counts.get(node.span.serviceName) ?? 0) + 1);
  return [...counts]
    .map(([serviceName, spanCount]) => ({ serviceName, spanCount }))
    .sort((a, b) => b.spanCount - a.spanCount || a.serviceName.localeCompare(b.serviceName));
}
