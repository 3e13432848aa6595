import type { TenantTraceReader } from '../storage/trace-store.js';
import { ApiError, badParameter, readingStorage } from './api-error.js';
import { QueryParams } from './query-params.js';
import type { TraceOutlineCache } from './trace-outline-cache.js';
import {
  ancestorsOf,
  defaultFoldDepth,
  isExpanded,
  nameOf,
  parentSpanIdOf,
  searchOutline,
  serviceOf,
  spanIdOf,
  type FoldState,
  type TraceOutline,
} from './trace-outline.js';

const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 5_000;
/** Flipped rows a request may name: the query string stays well below Node's 16 KiB header limit. */
const MAX_TOGGLED = 1_000;
const MAX_SUMMARY_BUCKETS = 2_000;
const NO_FOLD = 1_000_000;

/** One row of the window, as the web UI's windowed trace view draws it (docs/api.md). */
interface OutlineRow {
  /** Display position in the fully expanded tree: what `toggled` and `after` name. */
  position: number;
  spanId: string;
  parentSpanId: string;
  depth: number;
  service: string;
  name: string;
  startOffsetNano: number;
  durationNano: number;
  error: boolean;
  orphan: boolean;
  children: number;
  /** Spans below it. */
  descendants: number;
  expanded: boolean;
}

function rowOf(outline: TraceOutline, position: number, fold: FoldState): OutlineRow {
  const i = outline.order[position]!;
  const { columns } = outline;
  return {
    position,
    spanId: spanIdOf(outline, i),
    parentSpanId: parentSpanIdOf(outline, i),
    depth: outline.depth[position]!,
    service: serviceOf(outline, i),
    name: nameOf(outline, i),
    startOffsetNano: outline.startOffsetNano[i]!,
    durationNano: columns.durationsNano[i]!,
    error: columns.statusCodes[i] === 2,
    orphan: outline.orphan[i] === 1,
    children: outline.childCount[position]!,
    descendants: outline.subtreeSize[position]! - 1,
    expanded: outline.childCount[position]! > 0 && isExpanded(outline, position, fold),
  };
}

/** `buckets` slices of the visible rows: each one's earliest start, latest end and errors. */
function summarise(outline: TraceOutline, rows: Int32Array, buckets: number): Array<[number, number, number]> {
  const count = Math.min(buckets, rows.length);
  const summary: Array<[number, number, number]> = [];
  for (let b = 0; b < count; b++) {
    const from = Math.floor((b * rows.length) / count);
    const to = Math.floor(((b + 1) * rows.length) / count);
    let start = Infinity;
    let end = 0;
    let errors = 0;
    for (let r = from; r < to; r++) {
      const i = outline.order[rows[r]!]!;
      const offset = outline.startOffsetNano[i]!;
      start = Math.min(start, offset);
      end = Math.max(end, offset + outline.columns.durationsNano[i]!);
      if (outline.columns.statusCodes[i] === 2) errors++;
    }
    summary.push([start, end, errors]);
  }
  return summary;
}

function positions(raw: string | undefined, name: string, spanCount: number): number[] {
  if (raw === undefined || raw === '') return [];
  const parts = raw.split(',');
  if (parts.length > MAX_TOGGLED) throw badParameter(name, `at most ${MAX_TOGGLED} positions, got ${parts.length}`);
  return parts.map((part) => {
    const value = Number(part);
    if (!/^\d+$/.test(part) || value >= spanCount)
      throw badParameter(name, `expected row positions 0..${spanCount - 1}, got ${JSON.stringify(part)}`);
    return value;
  });
}

/**
 * `GET /api/v1/traces/{id}/outline`: a window of a trace's rows under a fold state, from the
 * outline the server assembled once (trace-outline.ts, cached). The browser asks for the rows it
 * shows, so opening a 1M-span trace costs one narrow storage read and a few kB per scroll step.
 * With `search`, the window is placed on the next match after `after`, whose folded ancestors are
 * expanded (the answer's `toggled` is the fold state to continue with).
 */
export async function outlineResponse(reader: TenantTraceReader, cache: TraceOutlineCache, traceId: string, url: URL): Promise<object> {
  const params = new QueryParams(url.searchParams);
  let offset = params.integer('offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = params.integer('limit', 0, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const foldParam = params.integer('fold', 0, NO_FOLD);
  const buckets = params.integer('summary', 0, MAX_SUMMARY_BUCKETS) ?? 0;
  const search = params.string('search');
  const after = params.integer('after', 0, Number.MAX_SAFE_INTEGER) ?? -1;
  const toggledText = params.string('toggled');
  params.rejectUnknown();
  const outline = await readingStorage(cache.outline(reader, traceId));
  if (outline.spanCount === 0) throw new ApiError('not_found', `trace ${traceId} not found`);
  const foldDepth = foldParam ?? defaultFoldDepth(outline, NO_FOLD);
  const toggled = new Set(positions(toggledText, 'toggled', outline.spanCount));
  let found: { count: number; position?: number; row?: number } | undefined;
  let next: number | undefined;
  if (search !== undefined && search !== '') {
    const result = searchOutline(outline, search, after);
    next = result.next;
    found = { count: result.count };
    if (next !== undefined) {
      for (const ancestor of ancestorsOf(outline, next)) {
        if (!isExpanded(outline, ancestor, { foldDepth, toggled })) {
          if (toggled.has(ancestor)) toggled.delete(ancestor);
          else toggled.add(ancestor);
        }
      }
    }
  }
  const fold = { foldDepth, toggled };
  const visible = cache.visible(reader, outline, fold);
  if (found && next !== undefined) {
    const row = lowerBound(visible, next);
    found = { count: found.count, position: next, row };
    offset = Math.max(0, row - Math.floor(limit / 3));
  }
  const rows: OutlineRow[] = [];
  for (let r = offset; r < Math.min(visible.length, offset + limit); r++) rows.push(rowOf(outline, visible[r]!, fold));
  const root = outline.order[0]!;
  return {
    traceId,
    spanCount: outline.spanCount,
    rowCount: visible.length,
    startTimeUnixNano: (BigInt(outline.startSeconds) * 1_000_000_000n + BigInt(outline.startNanos)).toString(),
    durationNano: outline.durationNano,
    depth: outline.maxDepth,
    errorCount: outline.errorCount,
    services: outline.services,
    root: { service: serviceOf(outline, root), name: nameOf(outline, root), spanId: spanIdOf(outline, root) },
    fold: foldDepth,
    toggled: [...toggled].sort((a, b) => a - b),
    offset,
    rows,
    ...(buckets > 0 && { summary: summarise(outline, visible, buckets) }),
    ...(found && { search: found }),
  };
}

/** Index of `value` in the ascending `rows` (visible rows are display positions in order). */
function lowerBound(rows: Int32Array, value: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (rows[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
