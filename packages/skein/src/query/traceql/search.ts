import { newestFirstSlices, type TimeSlice } from '../../model/newest-first-slices.js';
import { serviceNameOf, type AnyValue, type Span } from '../../model/span.js';
import { isStringLimitError } from '../../storage/sql-engine.js';
import type { TraceCondition } from '../../storage/traceql-condition.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import type { FieldExpr, ScalarExpr, SpansetExpr, TraceQLQuery } from './ast.js';
import { TraceQLUnsupportedError } from './errors.js';
import { evaluateSpans, type Spanset } from './evaluator.js';
import { fieldText } from './field-text.js';
import { parseTraceQL } from './parser.js';
import { traceConditionOf } from './prefilter-plan.js';
import { evaluateField, TraceView } from './trace-view.js';
import { anyOfValue } from './values.js';

/** Options of {@link executeTraceQLSearch}, with Tempo's defaults. */
export interface TraceQLSearchOptions {
  startNano: bigint;
  endNano: bigint;
  /** Traces returned at most (Tempo's `limit`, default 20). */
  limit?: number;
  /** Spans returned per spanset at most (Tempo's `spss`, default 3); `matched` still counts all. */
  spss?: number;
  /** Candidate traces the SQL prefilter may return, at most (default 10,000): bounds the work. */
  maxCandidates?: number;
  /** Candidate traces read and evaluated per storage round trip (default 50): bounds memory. */
  batchTraces?: number;
}

export interface TraceQLAttribute {
  key: string;
  value: AnyValue;
}

export interface TraceQLSpan {
  spanID: string;
  name: string;
  startTimeUnixNano: bigint;
  durationNanos: bigint;
  /** The attributes the query's conditions and `select(…)` read, as this span has them. */
  attributes: TraceQLAttribute[];
}

export interface TraceQLSpanset {
  spans: TraceQLSpan[];
  /** Spans of the spanset, all of them (`spans` holds at most `spss`). */
  matched: number;
  /** The `by(…)` values of a grouped spanset, keyed `by(field)`. */
  attributes: TraceQLAttribute[];
}

export interface TraceQLTraceResult {
  traceID: string;
  rootServiceName: string;
  rootTraceName: string;
  startTimeUnixNano: bigint;
  durationMs: number;
  spanSets: TraceQLSpanset[];
  /** Spans and error spans per service over the whole trace. */
  serviceStats: Record<string, { spanCount: number; errorCount: number }>;
}

export interface TraceQLSearchResult {
  traces: TraceQLTraceResult[];
  metrics: {
    /** Traces the SQL prefilter returned. */
    candidateTraces: number;
    /** Candidates read and evaluated before `limit` traces matched. */
    inspectedTraces: number;
    /** True when the prefilter hit `maxCandidates`: older matching traces may exist. */
    candidatesCapped: boolean;
    /** Candidates too big to read in one engine result (V8's string cap, ~1M spans): not evaluated. */
    skippedTraces: number;
  };
}

/** Tempo's root names for a trace whose root span is not stored (yet). */
export const ROOT_SPAN_MISSING = '<root span not yet received>';

const DEFAULT_LIMIT = 20;
const DEFAULT_SPSS = 3;
const DEFAULT_MAX_CANDIDATES = 10_000;
const DEFAULT_BATCH_TRACES = 50;

/**
 * TraceQL search: parse (a {@link TraceQLParseError} or {@link TraceQLUnsupportedError} is the
 * caller's 400), pick candidate traces in SQL, then evaluate the query exactly per candidate trace,
 * newest first, until `limit` traces matched. Memory holds the candidate IDs and one batch of
 * traces at a time.
 */
export async function executeTraceQLSearch(
  reader: TenantTraceReader,
  query: string | TraceQLQuery,
  options: TraceQLSearchOptions,
): Promise<TraceQLSearchResult> {
  const parsed = typeof query === 'string' ? parseTraceQL(query) : query;
  if (parsed.metrics !== undefined)
    throw new TraceQLUnsupportedError(
      `the metrics function ${parsed.metrics.fn}() in a search (use the metrics endpoints)`,
      parsed.metrics.pos,
    );
  const limit = positive(options.limit, DEFAULT_LIMIT, 'limit');
  const spss = positive(options.spss, DEFAULT_SPSS, 'spss');
  const maxCandidates = positive(options.maxCandidates, DEFAULT_MAX_CANDIDATES, 'maxCandidates');
  const batchTraces = positive(options.batchTraces, DEFAULT_BATCH_TRACES, 'batchTraces');

  const condition = traceConditionOf(parsed.spans);
  const reported = reportedFields(parsed.spans);
  // Events and links are read only when a condition or select() tests them.
  const eventsAndLinks = [...reported, ...selectedFields(parsed.spans)].some(
    (f) =>
      (f.type === 'attribute' && (f.scope === 'event' || f.scope === 'link')) || (f.type === 'intrinsic' && /^(event|link):/.test(f.name)),
  );
  const traces: TraceQLTraceResult[] = [];
  const seen = new Set<string>();
  let candidateCount = 0;
  let capped = false;
  let inspected = 0;
  let tooBig = 0;
  for (const slice of candidateSlices(condition, options.startNano, options.endNano)) {
    if (traces.length >= limit || candidateCount >= maxCandidates) break;
    const found = await reader.traceQLCandidates(condition, {
      startTimeUnixNano: slice.startNano,
      endTimeUnixNano: slice.endNano,
      limit: maxCandidates - candidateCount,
    });
    if (candidateCount + found.length >= maxCandidates) capped = true;
    // A trace whose matching spans fall into two slices is a candidate of both: evaluated once.
    const candidates = found.filter((id) => !seen.has(id) && seen.add(id));
    candidateCount += found.length;
    for (let start = 0; start < candidates.length && traces.length < limit; start += batchTraces) {
      const batch = candidates.slice(start, start + batchTraces);
      const spansById = await readBatch(reader, batch, eventsAndLinks);
      for (const traceId of batch) {
        if (traces.length >= limit) break;
        inspected++;
        const spans = spansById.get(traceId);
        if (spans === TOO_BIG) {
          tooBig++;
          continue;
        }
        if (spans === undefined || spans.length === 0) continue;
        const view = new TraceView(traceId, spans);
        const spansets = evaluateSpans(parsed.spans, view);
        if (spansets.length > 0) traces.push(traceResult(view, spansets, reported, spss));
      }
    }
  }
  return {
    traces,
    metrics: {
      candidateTraces: candidateCount,
      inspectedTraces: inspected,
      candidatesCapped: capped,
      skippedTraces: tooBig,
    },
  };
}

const TOO_BIG = 'too big' as const;

/** The newest slice of a sliced search; each older slice is twice as long. */
const FIRST_SLICE_NANO = 15n * 60n * 1_000_000_000n;

/**
 * The windows the prefilter scans, newest first. Tempo's search stops at `limit` traces, and so
 * does ours: a common condition over 24 h is answered from the newest 15 minutes instead of
 * grouping every trace of the day (10M spans, load ~15: 4.6 s p50 in one statement). Slices double,
 * so a rare condition costs at most ~7 statements over 24 h that together read the window once.
 * Only a condition that one span decides (`hasSpan`, an OR of such, or `true`) may be sliced: for
 * an AND of two spans' tests, the two spans of one trace can fall into different slices and
 * neither slice would see the trace meet both.
 */
export function* candidateSlices(condition: TraceCondition, startNano: bigint, endNano: bigint): Generator<TimeSlice> {
  if (!decidedBySingleSpan(condition)) {
    yield { startNano, endNano };
    return;
  }
  yield* newestFirstSlices(startNano, endNano, FIRST_SLICE_NANO);
}

function decidedBySingleSpan(condition: TraceCondition): boolean {
  switch (condition.kind) {
    case 'true':
    case 'hasSpan':
      return true;
    case 'or':
      return condition.parts.every(decidedBySingleSpan);
    case 'and': {
      const needed = condition.parts.filter((p) => p.kind !== 'true');
      return needed.length <= 1 && needed.every(decidedBySingleSpan);
    }
  }
}

/**
 * One batch of candidate traces. A batch whose result would pass V8's string cap is read again in
 * halves; a single trace that still does not fit is marked {@link TOO_BIG} (and reported).
 */
async function readBatch(
  reader: TenantTraceReader,
  traceIds: string[],
  eventsAndLinks: boolean,
): Promise<Map<string, Span[] | typeof TOO_BIG>> {
  try {
    return await reader.getTraces(traceIds, { eventsAndLinks });
  } catch (error) {
    if (!isStringLimitError(error)) throw error;
    if (traceIds.length === 1) return new Map([[traceIds[0]!, TOO_BIG]]);
    const half = Math.ceil(traceIds.length / 2);
    const [a, b] = [
      await readBatch(reader, traceIds.slice(0, half), eventsAndLinks),
      await readBatch(reader, traceIds.slice(half), eventsAndLinks),
    ];
    return new Map([...a, ...b]);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function traceResult(view: TraceView, spansets: Spanset[], reported: FieldExpr[], spss: number): TraceQLTraceResult {
  const serviceStats: Record<string, { spanCount: number; errorCount: number }> = {};
  for (const span of view.spans) {
    const service = serviceNameOf(span.resource);
    const stats = (serviceStats[service] ??= { spanCount: 0, errorCount: 0 });
    stats.spanCount++;
    if (span.status.code === 2) stats.errorCount++;
  }
  return {
    traceID: view.traceId,
    rootServiceName: view.root === undefined ? ROOT_SPAN_MISSING : serviceNameOf(view.root.resource),
    rootTraceName: view.root === undefined ? ROOT_SPAN_MISSING : view.root.name,
    startTimeUnixNano: view.startNano,
    durationMs: Number(view.durationNano / 1_000_000n),
    spanSets: spansets.map((ss) => ({
      spans: ss.spans.slice(0, spss).map((span) => spanResult(view, span, [...reported, ...ss.selected])),
      matched: ss.spans.length,
      attributes: ss.groupBy.map(({ field, value }) => ({ key: `by(${fieldText(field)})`, value: anyOfValue(value) })),
    })),
    serviceStats,
  };
}

/** Span-level fields whose values Tempo reports on matched spans (name and duration have their own keys). */
const NOT_REPORTED = new Set(['span:name', 'span:duration', 'span:id']);

function spanResult(view: TraceView, span: Span, fields: FieldExpr[]): TraceQLSpan {
  const attributes: TraceQLAttribute[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    const key = reportedKey(field);
    if (key === undefined || seen.has(key)) continue;
    const value = evaluateField(field, { trace: view, span });
    if (value.kind === 'nil') continue;
    seen.add(key);
    attributes.push({ key, value: anyOfValue(value) });
  }
  return {
    spanID: span.spanId,
    name: span.name,
    startTimeUnixNano: span.startTimeUnixNano,
    durationNanos: span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n,
    attributes,
  };
}

function reportedKey(field: FieldExpr): string | undefined {
  if (field.type === 'attribute') return field.name;
  if (field.type === 'intrinsic') {
    if (NOT_REPORTED.has(field.name) || field.name.startsWith('trace:')) return undefined;
    return field.name.slice(field.name.indexOf(':') + 1);
  }
  return undefined;
}

/** The attributes and intrinsics the filters of a query compare (reported on matched spans). */
function reportedFields(expr: SpansetExpr): FieldExpr[] {
  const out: FieldExpr[] = [];
  const walkField = (e: FieldExpr): void => {
    if (e.type === 'attribute' || e.type === 'intrinsic') out.push(e);
    else if (e.type === 'unary') walkField(e.operand);
    else if (e.type === 'binary') {
      walkField(e.left);
      walkField(e.right);
    }
  };
  const walk = (s: SpansetExpr): void => {
    if (s.type === 'filter') {
      if (s.condition !== undefined) walkField(s.condition);
    } else if (s.type === 'spansetOp') {
      walk(s.left);
      walk(s.right);
    } else {
      for (const stage of s.stages) if (stage.type === 'filter' || stage.type === 'spansetOp' || stage.type === 'pipeline') walk(stage);
    }
  };
  walk(expr);
  return out;
}

/** The fields of every `select(…)` and `by(…)` stage and aggregate of a query. */
function selectedFields(expr: SpansetExpr): FieldExpr[] {
  if (expr.type === 'filter') return [];
  if (expr.type === 'spansetOp') return [...selectedFields(expr.left), ...selectedFields(expr.right)];
  return expr.stages.flatMap((stage): FieldExpr[] => {
    if (stage.type === 'select' || stage.type === 'by') return stage.fields;
    if (stage.type === 'scalarFilter') return [...aggregateFields(stage.left), ...aggregateFields(stage.right)];
    if (stage.type === 'coalesce') return [];
    return selectedFields(stage);
  });
}

function aggregateFields(expr: ScalarExpr): FieldExpr[] {
  if (expr.type === 'aggregate') return expr.field === undefined ? [] : [expr.field];
  if (expr.type === 'arithmetic') return [...aggregateFields(expr.left), ...aggregateFields(expr.right)];
  return [];
}
