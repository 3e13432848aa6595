import { bytesToHex } from '../model/ids.js';
import { isZeroId, SpanIdTable } from '../model/span-id-table.js';
import type { TraceOutlineColumns } from '../storage/trace-store.js';

/**
 * A trace's span tree, assembled once on the server for the windowed trace view (issue 19
 * item 5): the spans in display order (depth first, children by start time then span ID, as the
 * web UI's trace-tree.ts orders them) as typed arrays, so any window of rows under any fold state
 * is a walk that skips folded subtrees by their size, and the browser receives only the rows it
 * shows. ~60 B/span of typed arrays plus the column strings it was built from.
 *
 * Unlike the full view, the outline has no placeholder rows for missing parents (a span whose
 * parent is not stored is a top-level row, flagged `orphan`) and no clock-skew adjustment.
 */
export interface TraceOutline {
  readonly traceId: string;
  readonly spanCount: number;
  /** Display position → column index. */
  readonly order: Int32Array;
  /** Per display position: nesting level, spans in its subtree (itself included), direct children. */
  readonly depth: Int32Array;
  readonly subtreeSize: Int32Array;
  readonly childCount: Int32Array;
  /** Per display position: the parent's display position, −1 for a top-level row. */
  readonly parentPosition: Int32Array;
  /** Per column index: start relative to the trace start (ns, exact: below 2^53). */
  readonly startOffsetNano: Float64Array;
  /** Per column index: the parent is named but not stored. */
  readonly orphan: Uint8Array;
  readonly columns: TraceOutlineColumns;
  /** Whole Unix seconds and nanoseconds of the earliest start. */
  readonly startSeconds: number;
  readonly startNanos: number;
  readonly durationNano: number;
  readonly maxDepth: number;
  readonly errorCount: number;
  /** Services in order of their first span. */
  readonly services: readonly string[];
  /** Column index by span ID. */
  readonly ids: SpanIdTable;
  /** Column index → display position. */
  readonly positionOfIndex: Int32Array;
  /** Span names lower-cased, decoded at the first search (undefined until then). */
  lowerNames: string[] | undefined;
}

const decoder = new TextDecoder();

export function spanIdOf(outline: TraceOutline, index: number): string {
  return bytesToHex(outline.columns.spanIds, index * 8, index * 8 + 8);
}

export function parentSpanIdOf(outline: TraceOutline, index: number): string {
  const at = index * 8;
  return isZeroId(outline.columns.parentSpanIds, at) ? '' : bytesToHex(outline.columns.parentSpanIds, at, at + 8);
}

export function nameOf(outline: TraceOutline, index: number): string {
  const { nameBytes, nameOffsets } = outline.columns;
  return decoder.decode(nameBytes.subarray(nameOffsets[index]!, nameOffsets[index + 1]!));
}

export function serviceOf(outline: TraceOutline, index: number): string {
  return outline.columns.services[outline.columns.serviceIndex[index]!] ?? '';
}

const ERROR_STATUS = 2;

/** Byte order of two spans' IDs: the order of their hex forms. */
function compareIds(ids: Uint8Array, a: number, b: number): number {
  for (let k = 0; k < 8; k++) {
    const difference = ids[a * 8 + k]! - ids[b * 8 + k]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Column indexes by (start, span ID). The engine's `groupArray` returns rows in no set order, so
 * this is a sort of up to millions: a radix sort on the start offsets (whole nanoseconds below
 * 2^53), then runs of equal starts by ID with a comparator. At 1M spans the comparator sort alone
 * took ~150 ms of the outline's ~430 ms assembly (bench/trace-outline-bench.ts).
 */
export function startOrder(spanIds: Uint8Array, offsets: Float64Array): Int32Array {
  const count = offsets.length;
  let order = new Int32Array(count);
  let sorted = true;
  let max = 0;
  for (let i = 0; i < count; i++) {
    order[i] = i;
    if (offsets[i]! > max) max = offsets[i]!;
    if (i > 0 && (offsets[i - 1]! > offsets[i]! || (offsets[i - 1] === offsets[i] && compareIds(spanIds, i - 1, i) > 0))) sorted = false;
  }
  if (sorted) return order;
  if (count < 1024) return order.sort((a, b) => offsets[a]! - offsets[b]! || compareIds(spanIds, a, b));
  // Least significant 16 bits first, as many passes as the largest offset needs (a minute of
  // trace is 36 bits: 3 passes). Each pass is stable, so the result is ordered by the whole value.
  let other = new Int32Array(count);
  const counts = new Int32Array(65_537);
  for (let shift = 0; shift === 0 || max >= 2 ** shift; shift += 16) {
    const divisor = 2 ** shift;
    counts.fill(0);
    for (let i = 0; i < count; i++) counts[(Math.floor(offsets[order[i]!]! / divisor) % 65_536) + 1]!++;
    for (let d = 0; d < 65_536; d++) counts[d + 1]! += counts[d]!;
    for (let i = 0; i < count; i++) {
      const index = order[i]!;
      other[counts[Math.floor(offsets[index]! / divisor) % 65_536]!++] = index;
    }
    [order, other] = [other, order];
  }
  // Equal starts (rare: clocks tick in µs at best) are ordered by span ID.
  for (let i = 0; i < count;) {
    let end = i + 1;
    while (end < count && offsets[order[end]!] === offsets[order[i]!]) end++;
    if (end - i > 1) order.subarray(i, end).sort((a, b) => compareIds(spanIds, a, b));
    i = end;
  }
  return order;
}

export function buildTraceOutline(traceId: string, columns: TraceOutlineColumns): TraceOutline {
  const count = columns.spanCount;
  let firstSeconds = Infinity;
  let firstNanos = 0;
  for (let i = 0; i < count; i++) {
    const seconds = columns.startSeconds[i]!;
    const nanos = columns.startNanos[i]!;
    if (seconds < firstSeconds || (seconds === firstSeconds && nanos < firstNanos)) {
      firstSeconds = seconds;
      firstNanos = nanos;
    }
  }
  const offsets = new Float64Array(count);
  let endOffset = 0;
  let errorCount = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = (columns.startSeconds[i]! - firstSeconds) * 1e9 + (columns.startNanos[i]! - firstNanos);
    endOffset = Math.max(endOffset, offsets[i]! + columns.durationsNano[i]!);
    if (columns.statusCodes[i] === ERROR_STATUS) errorCount++;
  }
  const byStart = startOrder(columns.spanIds, offsets);
  const ids = columns.idTable ?? new SpanIdTable(columns.spanIds, count);
  if (columns.idTable === undefined) for (let i = 0; i < count; i++) ids.add(i);

  // Children lists in start order, as one array cut by offsets (no array per span).
  const parent = new Int32Array(count).fill(-1);
  const orphan = new Uint8Array(count);
  const children = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) {
    if (isZeroId(columns.parentSpanIds, i * 8)) continue;
    const p = ids.get(columns.parentSpanIds, i * 8);
    if (p < 0) orphan[i] = 1;
    else if (p !== i) {
      parent[i] = p;
      children[p + 1]!++;
    }
  }
  for (let i = 0; i < count; i++) children[i + 1]! += children[i]!;
  const childList = new Int32Array(count);
  const fill = children.slice(0, count);
  for (const i of byStart) {
    const p = parent[i]!;
    if (p >= 0) childList[fill[p]!++] = i;
  }

  const order = new Int32Array(count);
  const depth = new Int32Array(count);
  const childCount = new Int32Array(count);
  const parentPosition = new Int32Array(count);
  const placed = new Uint8Array(count);
  let next = 0;
  let maxDepth = 0;
  // Depth first with an explicit stack (a 1,000-level chain must not overflow the JS stack).
  const stack: number[] = [];
  const stackParent: number[] = [];
  const stackDepth: number[] = [];
  const walk = (root: number): void => {
    stack.push(root);
    stackParent.push(-1);
    stackDepth.push(0);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const parentAt = stackParent.pop()!;
      const level = stackDepth.pop()!;
      if (placed[i]) continue;
      placed[i] = 1;
      const position = next++;
      order[position] = i;
      depth[position] = level;
      parentPosition[position] = parentAt;
      maxDepth = Math.max(maxDepth, level + 1);
      for (let c = children[i + 1]! - 1; c >= children[i]!; c--) {
        stack.push(childList[c]!);
        stackParent.push(position);
        stackDepth.push(level + 1);
      }
    }
  };
  for (const i of byStart) if (parent[i] === -1) walk(i);
  // Spans on a parent cycle are reachable from no root: each cycle is shown from its earliest span.
  for (const i of byStart) if (!placed[i]) walk(i);

  // Counted from the placement, not the parent links: the span a cycle is shown from keeps no
  // child edge back into the cycle.
  const subtreeSize = new Int32Array(count).fill(1);
  for (let position = count - 1; position > 0; position--) {
    const p = parentPosition[position]!;
    if (p >= 0) {
      subtreeSize[p]! += subtreeSize[position]!;
      childCount[p]!++;
    }
  }
  const positionOfIndex = new Int32Array(count);
  for (let position = 0; position < count; position++) positionOfIndex[order[position]!] = position;
  const services: string[] = [];
  const seen = new Uint8Array(columns.services.length);
  for (const i of byStart) {
    const service = columns.serviceIndex[i]!;
    if (!seen[service]) {
      seen[service] = 1;
      services.push(columns.services[service] ?? '');
    }
  }
  return {
    traceId,
    spanCount: count,
    order,
    depth,
    subtreeSize,
    childCount,
    parentPosition,
    startOffsetNano: offsets,
    orphan,
    columns,
    startSeconds: count === 0 ? 0 : firstSeconds,
    startNanos: firstNanos,
    durationNano: endOffset,
    maxDepth,
    errorCount,
    services,
    ids,
    positionOfIndex,
    lowerNames: undefined,
  };
}

/**
 * Which rows show: a span's children show when it is expanded; a span is expanded when its depth
 * is below `foldDepth`, unless its display position is in `toggled` (which flips that default).
 */
export interface FoldState {
  foldDepth: number;
  toggled: ReadonlySet<number>;
}

export function isExpanded(outline: TraceOutline, position: number, fold: FoldState): boolean {
  return outline.depth[position]! < fold.foldDepth !== fold.toggled.has(position);
}

/** Display positions of the visible rows, in order: one walk that jumps over folded subtrees. */
export function visibleRows(outline: TraceOutline, fold: FoldState): Int32Array {
  const rows: number[] = [];
  let position = 0;
  while (position < outline.spanCount) {
    rows.push(position);
    position += outline.childCount[position]! > 0 && !isExpanded(outline, position, fold) ? outline.subtreeSize[position]! : 1;
  }
  return Int32Array.from(rows);
}

/** Traces above this many spans open folded (as the web UI's trace-tree.ts BIG_TRACE_SPANS). */
const FOLD_ABOVE_SPANS = 5_000;

/**
 * The fold depth a trace opens with, as the full view's `defaultCollapsed`: the most top levels
 * whose rows fit `budget` (at least two) show, the last of them folded; small traces unfolded.
 */
export function defaultFoldDepth(outline: TraceOutline, noFold: number, budget = 2_000): number {
  if (outline.spanCount <= FOLD_ABOVE_SPANS) return noFold;
  const perDepth = new Array<number>(outline.maxDepth).fill(0);
  for (let position = 0; position < outline.spanCount; position++) perDepth[outline.depth[position]!]!++;
  let shown = 0;
  let rows = 0;
  while (shown < perDepth.length && rows + perDepth[shown]! <= budget) rows += perDepth[shown++]!;
  return Math.max(2, shown) - 1;
}

/** Ancestors' display positions of a row, nearest first. */
export function ancestorsOf(outline: TraceOutline, position: number): number[] {
  const ancestors: number[] = [];
  for (let p = outline.parentPosition[position]!; p >= 0; p = outline.parentPosition[p]!) ancestors.push(p);
  return ancestors;
}

const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * Case-insensitive substring matches of `text` in service or span name, or the span with that
 * exact span ID: how many, and the first one after display position `after` (wrapping to the
 * first match; −1: from the top). Names are decoded once, at the first search of the outline.
 */
export function searchOutline(outline: TraceOutline, text: string, after: number): { count: number; next: number | undefined } {
  const needle = text.trim().toLowerCase();
  if (SPAN_ID.test(needle)) {
    const index = outline.ids.get(Buffer.from(needle, 'hex'), 0);
    if (index >= 0) return { count: 1, next: outline.positionOfIndex[index]! };
  }
  outline.lowerNames ??= Array.from({ length: outline.spanCount }, (_, i) => nameOf(outline, i).toLowerCase());
  const names = outline.lowerNames;
  const serviceMatches = outline.columns.services.map((service) => service.toLowerCase().includes(needle));
  const { serviceIndex } = outline.columns;
  let count = 0;
  let first: number | undefined;
  let next: number | undefined;
  for (let position = 0; position < outline.spanCount; position++) {
    const i = outline.order[position]!;
    if (serviceMatches[serviceIndex[i]!] || names[i]!.includes(needle)) {
      count++;
      first ??= position;
      if (next === undefined && position > after) next = position;
    }
  }
  return { count, next: next ?? first };
}
