import type { SkewSpan } from '../model/clock-skew.js';
import { SpanKind } from '../model/span.js';
import type { ServiceSpanCount, TraceSummary } from './trace-store.js';

/**
 * One stored span of a search result, as the search's span read returns it (trace-queries.ts
 * `traceSkeletonsSql`): one row per stored copy; copies of a span are dropped here.
 */
export interface SkeletonRow {
  trace_id: string;
  span_id: string;
  parent: string;
  name: string;
  status: number;
  start_text: string;
  /** Search semantics (a wrapped negative duration is 0): what the clock-skew adjuster reads. */
  duration_text: string;
  /** `start_ns + duration_ns` as the engine adds UInt64 (wrapping), what the summary's end is. */
  end_text: string;
  kind: number;
  service: string;
  resource: string;
}

/** A trace summarised from its span rows, with the spans the clock-skew adjuster needs. */
export interface SummarisedTrace {
  summary: TraceSummary;
  /** Rows read for the trace, copies of a span included: the read's per-trace cap applies to these. */
  rowCount: number;
  /** In row order; `hostKey` is filled in by the caller (it needs the resources). */
  spans: (Omit<SkewSpan, 'hostKey'> & { service: string; resource: string })[];
}

/**
 * The summary of each trace whose every span is among `rows` (the first row of each span ID
 * counts, later copies are dropped), exactly as trace-queries.ts
 * `traceSummariesSql` computes it in the engine: span and error counts, earliest start, latest end
 * (`start + duration` as the engine adds it), the root (the parentless span earliest by (start,
 * span ID), else the earliest span), and spans per service. Computed here when the spans are read
 * anyway for the clock-skew correction: one read of the traces instead of two (issue 19 item 3).
 */
export function summariseSpanRows(rows: readonly SkeletonRow[]): Map<string, SummarisedTrace> {
  const traces = new Map<string, { rows: SkeletonRow[] }>();
  for (const row of rows) {
    const entry = traces.get(row.trace_id);
    if (entry === undefined) traces.set(row.trace_id, { rows: [row] });
    else entry.rows.push(row);
  }
  const out = new Map<string, SummarisedTrace>();
  for (const [traceId, { rows: copies }] of traces) {
    const firstCopies = new Map<string, SkeletonRow>();
    for (const row of copies) if (!firstCopies.has(row.span_id)) firstCopies.set(row.span_id, row);
    const spans = [...firstCopies.values()];
    out.set(traceId, { ...summarise(traceId, spans), rowCount: copies.length });
  }
  return out;
}

/** (start, span ID) order, as the engine compares the tuple: numbers, then bytes of hex text. */
function earlier(a: { start: bigint; spanId: string }, b: { start: bigint; spanId: string }): boolean {
  return a.start !== b.start ? a.start < b.start : a.spanId < b.spanId;
}

function summarise(traceId: string, rows: readonly SkeletonRow[]): Omit<SummarisedTrace, 'rowCount'> {
  let start: bigint | undefined;
  let end: bigint | undefined;
  let errors = 0;
  let root: { start: bigint; spanId: string; row: SkeletonRow } | undefined;
  let first: { start: bigint; spanId: string; row: SkeletonRow } | undefined;
  const perService = new Map<string, number>();
  const spans: SummarisedTrace['spans'] = [];
  for (const row of rows) {
    const spanStart = BigInt(row.start_text);
    const spanEnd = BigInt(row.end_text);
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
    if (Number(row.status) === 2) errors++;
    perService.set(row.service, (perService.get(row.service) ?? 0) + 1);
    const key = { start: spanStart, spanId: row.span_id, row };
    if (first === undefined || earlier(key, first)) first = key;
    if (row.parent === '' && (root === undefined || earlier(key, root))) root = key;
    spans.push({
      spanId: row.span_id,
      parentSpanId: row.parent,
      startNano: spanStart,
      durationNano: BigInt(row.duration_text),
      kind: Number(row.kind) === SpanKind.CLIENT ? 'CLIENT' : Number(row.kind) === SpanKind.SERVER ? 'SERVER' : 'OTHER',
      service: row.service,
      resource: row.resource,
    });
  }
  // Called with at least one row per trace: `first`, `start` and `end` are set.
  const shown = (root ?? first)!.row;
  const services: ServiceSpanCount[] = [...perService].map(([serviceName, spanCount]) => ({ serviceName, spanCount }));
  sortServices(services);
  return {
    summary: {
      traceId,
      rootServiceName: shown.service,
      rootSpanName: shown.name,
      rootSpanMissing: root === undefined,
      startTimeUnixNano: start!,
      durationNano: end! > start! ? end! - start! : 0n,
      spanCount: rows.length,
      errorCount: errors,
      services,
      skewCorrected: false,
    },
    spans,
  };
}

/** Span count descending, then byte order of the names, as the engine sorts strings. */
export function sortServices(services: ServiceSpanCount[]): void {
  services.sort((a, b) => b.spanCount - a.spanCount || Buffer.compare(Buffer.from(a.serviceName), Buffer.from(b.serviceName)));
}
