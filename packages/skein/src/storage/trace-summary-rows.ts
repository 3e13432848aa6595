import type { SkewSpan } from '../model/clock-skew.js';
import { SpanKind } from '../model/span.js';
import { StorageError, type ServiceSpanCount, type TraceSummary } from './trace-store.js';

/**
 * One stored span of a search result, as the search's span read returns it (search-queries.ts
 * `traceSkeletonsSql`): one row per stored copy; copies of a span are dropped here.
 */
export interface SkeletonRow {
  trace_id: string;
  span_id: string;
  parent: string;
  name: string;
  status: number;
  startNano: bigint;
  /** Search semantics (a wrapped negative duration is 0): what the clock-skew adjuster reads. */
  durationNano: bigint;
  /** `start_ns + duration_ns` as the engine adds UInt64 (wrapping), what the summary's end is. */
  endNano: bigint;
  kind: number;
  service: string;
  resource: string;
}

/**
 * The span read's RowBinary result (`traceSkeletonsSql`'s columns and types, in order) as rows.
 * Binary instead of JSON text: the engine formats no text and JS parses none, and the three
 * times come as integers instead of strings turned into bigints: the search's span read of 20
 * traces (~760 rows) 21.5 → 19.7 ms at 10M spans (BENCHMARKS.md, issue 19 item 3, h26).
 */
export function decodeSkeletonRows(bytes: Buffer): SkeletonRow[] {
  const rows: SkeletonRow[] = [];
  let at = 0;
  const need = (length: number): void => {
    if (at + length > bytes.length) throw new StorageError('unavailable', 'search span read: RowBinary result ends inside a row');
  };
  const text = (): string => {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      need(1);
      const byte = bytes[at++]!;
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    need(length);
    const value = bytes.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  const uint8 = (): number => {
    need(1);
    return bytes[at++]!;
  };
  const uint64 = (): bigint => {
    need(8);
    const value = bytes.readBigUInt64LE(at);
    at += 8;
    return value;
  };
  while (at < bytes.length) {
    rows.push({
      trace_id: text(),
      span_id: text(),
      parent: text(),
      name: text(),
      status: uint8(),
      startNano: uint64(),
      durationNano: uint64(),
      endNano: uint64(),
      kind: uint8(),
      service: text(),
      resource: text(),
    });
  }
  return rows;
}

/** A trace summarised from its span rows, with the spans the clock-skew adjuster needs. */
export interface SummarisedTrace {
  summary: TraceSummary;
  /** Rows read for the trace, copies of a span included: the read's per-trace cap applies to these. */
  rowCount: number;
  /** In row order; `hostKey` is '' until the caller fills it in (it needs the resources). */
  spans: (SkewSpan & { service: string; resource: string })[];
}

/**
 * The summary of each trace whose every span is among `rows` (the first row of each span ID
 * counts, later copies are dropped), exactly as search-queries.ts
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
    const spanStart = row.startNano;
    const spanEnd = row.endNano;
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
    if (row.status === 2) errors++;
    perService.set(row.service, (perService.get(row.service) ?? 0) + 1);
    const key = { start: spanStart, spanId: row.span_id, row };
    if (first === undefined || earlier(key, first)) first = key;
    if (row.parent === '' && (root === undefined || earlier(key, root))) root = key;
    spans.push({
      spanId: row.span_id,
      parentSpanId: row.parent,
      startNano: spanStart,
      durationNano: row.durationNano,
      kind: row.kind === SpanKind.CLIENT ? 'CLIENT' : row.kind === SpanKind.SERVER ? 'SERVER' : 'OTHER',
      hostKey: '',
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
