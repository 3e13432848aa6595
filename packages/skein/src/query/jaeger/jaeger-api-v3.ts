import type { IncomingMessage } from 'node:http';
import { JAEGER_SPAN_KIND } from '../../model/jaeger-json.js';
import { encodeOtlpJsonTraces, type OtlpJsonResourceSpans } from '../../model/otlp-json.js';
import { serviceNameOf, StatusCode, type KeyValue, type Span } from '../../model/span.js';
import type { AttributeFilter, TenantTraceReader } from '../../storage/trace-store.js';
import { parseGoDuration } from '../../model/go-duration.js';
import { parseGoBool, parseGoRfc3339, parseJaegerTraceId, parseGoInt, type Parsed } from './go-parse.js';
import { traceSpansOrNone } from './trace-spans.js';
import { goJsonMapError, v3Answer, v3Error, type JaegerAnswer } from './jaeger-http.js';

/**
 * Jaeger's api_v3 over HTTP, as its grpc-gateway-shaped handlers serve it: `/api/v3/services`,
 * `/api/v3/operations`, `/api/v3/traces/{id}`, `/api/v3/traces?query.*` and
 * `/api/v3/trace-summaries` (which the current Jaeger UI searches with). Parameters in both
 * spellings the current Jaeger reads: canonical camelCase (`query.serviceName`) first, the
 * snake_case of Jaeger ≤ 1.75 (`query.service_name`) as fallback. Traces are OTLP JSON inside
 * `result`; no match is Jaeger's 404 `No traces found`.
 */

const DEFAULT_SEARCH_DEPTH = 100;
const MAX_SEARCH_DEPTH = 10_000;

/** Canonical name first, then the deprecated alias; the name returned is the one that was used. */
function param(url: URL, canonical: string, deprecated: string): { value: string; name: string } {
  const value = url.searchParams.get(canonical) ?? '';
  if (value !== '') return { value, name: canonical };
  return { value: url.searchParams.get(deprecated) ?? '', name: deprecated };
}

const malformed = (name: string, error: string): JaegerAnswer => v3Error(400, `malformed parameter ${name}: ${error}`);

function byKey(attributes: readonly KeyValue[]): KeyValue[] {
  return [...attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Jaeger's SortCollections adjuster: every attribute list sorted by key (shared objects kept shared). */
function sortedAttributes(spans: readonly Span[]): Span[] {
  const resources = new Map<Span['resource'], Span['resource']>();
  const scopes = new Map<Span['scope'], Span['scope']>();
  return spans.map((span) => {
    let resource = resources.get(span.resource);
    if (resource === undefined) {
      resource = { ...span.resource, attributes: byKey(span.resource.attributes) };
      resources.set(span.resource, resource);
    }
    let scope = scopes.get(span.scope);
    if (scope === undefined) {
      scope = { ...span.scope, attributes: byKey(span.scope.attributes) };
      scopes.set(span.scope, scope);
    }
    return {
      ...span,
      resource,
      scope,
      attributes: byKey(span.attributes),
      events: span.events.map((event) => ({ ...event, attributes: byKey(event.attributes) })),
      links: span.links.map((link) => ({ ...link, attributes: byKey(link.attributes) })),
    };
  });
}

/** `returnTraces`: the traces' resource spans, concatenated, or Jaeger's 404. */
function tracesAnswer(traces: readonly Span[][]): JaegerAnswer {
  if (traces.length === 0) return v3Error(404, 'No traces found');
  const resourceSpans: OtlpJsonResourceSpans[] = [];
  for (const spans of traces) resourceSpans.push(...encodeOtlpJsonTraces(sortedAttributes(spans)).resourceSpans);
  // Jaeger's OTLP JSON (pdata's marshaler) leaves out an empty scope name and writes `status` on
  // every span, `{}` when unset; Skein's encoder does the opposite on both counts.
  const result = resourceSpans.map((resource) => ({
    ...resource,
    scopeSpans: resource.scopeSpans.map(({ scope: { name, ...scope }, spans, ...rest }) => ({
      scope: name === '' ? scope : { name, ...scope },
      spans: spans.map((span) => ({ ...span, status: span.status ?? {} })),
      ...rest,
    })),
  }));
  return v3Answer({ result: { resourceSpans: result } });
}

/** The current Jaeger's trace ID: Jaeger's hex form, else standard or URL base64 of 8 or 16 bytes. */
function parseTraceId(text: string): Parsed<string> {
  const hex = parseJaegerTraceId(text);
  if (!('error' in hex) || text.length > 24) return hex;
  const normalised = text.replace(/-/g, '+').replace(/_/g, '/');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(normalised)) {
    const bytes = Buffer.from(normalised, 'base64');
    if (bytes.length === 16) return { value: bytes.toString('hex') };
    if (bytes.length === 8) return { value: `0000000000000000${bytes.toString('hex')}` };
  }
  return hex;
}

async function getTrace(reader: TenantTraceReader, url: URL, idText: string): Promise<JaegerAnswer> {
  const traceId = parseTraceId(idText);
  if ('error' in traceId) return malformed('trace_id', traceId.error);
  // Time bounds are hints for Jaeger's storage; Skein checks them and never filters by them.
  for (const [canonical, deprecated] of [
    ['startTime', 'start_time'],
    ['endTime', 'end_time'],
  ] as const) {
    const { value, name } = param(url, canonical, deprecated);
    if (value === '') continue;
    const parsed = parseGoRfc3339(value);
    if ('error' in parsed) return malformed(name, parsed.error);
  }
  const raw = param(url, 'rawTraces', 'raw_traces');
  if (raw.value !== '') {
    const parsed = parseGoBool(raw.value);
    if ('error' in parsed) return malformed(raw.name, parsed.error);
  }
  const spans = await traceSpansOrNone(reader, traceId.value);
  return tracesAnswer(spans.length === 0 ? [] : [spans]);
}

/** `parseFindTracesQuery` of the current Jaeger: the trace IDs of a v3 search, or its 400. */
async function findTraceIds(reader: TenantTraceReader, url: URL): Promise<string[] | JaegerAnswer> {
  const serviceName = param(url, 'query.serviceName', 'query.service_name').value;
  const operationName = param(url, 'query.operationName', 'query.operation_name').value;
  const attributes: AttributeFilter[] = [];
  let errorsOnly = false;
  const attributesText = url.searchParams.get('query.attributes') ?? '';
  if (attributesText !== '') {
    const problem = goJsonMapError(attributesText);
    if (problem !== undefined) return v3Error(400, `malformed parameter query.attributes: ${problem}`);
    for (const [key, value] of Object.entries((JSON.parse(attributesText) ?? {}) as Record<string, string | null>)) {
      if (key === 'error' && value === 'true') errorsOnly = true;
      else attributes.push({ key, value: value ?? '' });
    }
  }
  if ((url.searchParams.get('query.filter') ?? '') !== '') {
    return v3Error(400, 'malformed parameter query.filter: filter expressions are not supported by Skein');
  }
  const timeMin = param(url, 'query.startTimeMin', 'query.start_time_min');
  const timeMax = param(url, 'query.startTimeMax', 'query.start_time_max');
  if (timeMin.value === '' || timeMax.value === '') {
    // Jaeger ≤ 1.75 named the snake_case parameters here; a client that spells them so gets those names.
    const snake = [...url.searchParams.keys()].some((key) => key.startsWith('query.') && key.includes('_'));
    return v3Error(
      400,
      snake ? 'query.start_time_min and query.start_time_max are required' : 'query.startTimeMin and query.startTimeMax are required',
    );
  }
  const min = parseGoRfc3339(timeMin.value);
  if ('error' in min) return malformed(timeMin.name, min.error);
  const max = parseGoRfc3339(timeMax.value);
  if ('error' in max) return malformed(timeMax.name, max.error);
  // The current Jaeger refuses an empty or inverted window (1.75.0 searched it and found nothing).
  if (min.value >= max.value) return v3Error(400, 'query.startTimeMin must be before query.startTimeMax');
  let depth = param(url, 'query.searchDepth', 'query.search_depth');
  if (depth.value === '') depth = { value: url.searchParams.get('query.num_traces') ?? '', name: 'query.num_traces' };
  let searchDepth = DEFAULT_SEARCH_DEPTH;
  if (depth.value !== '') {
    const parsed = parseGoInt(depth.value, 'strconv.Atoi');
    if ('error' in parsed) return malformed(depth.name, parsed.error);
    if (parsed.value < 1n) return malformed(depth.name, 'must be greater than 0');
    searchDepth = Math.min(Number(parsed.value), MAX_SEARCH_DEPTH);
  }
  const durations: bigint[] = [];
  for (const [canonical, deprecated] of [
    ['query.durationMin', 'query.duration_min'],
    ['query.durationMax', 'query.duration_max'],
  ] as const) {
    const { value, name } = param(url, canonical, deprecated);
    const parsed = value === '' ? { value: 0n } : parseGoDuration(value);
    if ('error' in parsed) return malformed(name, parsed.error);
    durations.push(parsed.value);
  }
  const raw = param(url, 'query.rawTraces', 'query.raw_traces');
  if (raw.value !== '') {
    const parsed = parseGoBool(raw.value);
    if ('error' in parsed) return malformed(raw.name, parsed.error);
  }
  const [durationMin, durationMax] = durations as [bigint, bigint];
  const summaries = await reader.searchTraces({
    ...(serviceName !== '' && { serviceName }),
    ...(operationName !== '' && { spanName: operationName }),
    attributes,
    ...(durationMin > 0n && { minDurationNano: durationMin }),
    ...(durationMax > 0n && { maxDurationNano: durationMax }),
    errorsOnly,
    startTimeUnixNano: min.value < 0n ? 0n : min.value,
    endTimeUnixNano: max.value < 0n ? 0n : max.value,
    limit: searchDepth,
  });
  return summaries.map((summary) => summary.traceId);
}

async function readTraces(reader: TenantTraceReader, traceIds: readonly string[]): Promise<Span[][]> {
  const traces: Span[][] = [];
  for (const traceId of traceIds) {
    const spans = await traceSpansOrNone(reader, traceId);
    if (spans.length > 0) traces.push(spans);
  }
  return traces;
}

/** Jaeger's `summarizeTrace` (querysvc/summary.go) over a whole trace, in proto3 JSON. */
function traceSummary(traceId: string, spans: readonly Span[]): Record<string, unknown> {
  const spanIds = new Set(spans.map((span) => span.spanId));
  const services = new Map<string, { spanCount: number; errorSpanCount: number }>();
  let root: Span | undefined;
  let minStart: bigint | undefined;
  let maxEnd: bigint | undefined;
  let errors = 0;
  let orphans = 0;
  for (const span of spans) {
    const name = serviceNameOf(span.resource);
    const stats = services.get(name) ?? { spanCount: 0, errorSpanCount: 0 };
    services.set(name, stats);
    stats.spanCount++;
    if (span.status.code === StatusCode.ERROR) {
      stats.errorSpanCount++;
      errors++;
    }
    if (minStart === undefined || span.startTimeUnixNano < minStart) minStart = span.startTimeUnixNano;
    if (maxEnd === undefined || span.endTimeUnixNano > maxEnd) maxEnd = span.endTimeUnixNano;
    if (span.parentSpanId === '') {
      if (root === undefined || span.startTimeUnixNano < root.startTimeUnixNano) root = span;
    } else if (!spanIds.has(span.parentSpanId)) {
      orphans++;
    }
  }
  // proto3 JSON leaves out empty strings and zero numbers; int64 times are strings.
  const omitZero = (value: number): number | undefined => (value === 0 ? undefined : value);
  const rootService = root === undefined ? '' : serviceNameOf(root.resource);
  return {
    traceId,
    rootServiceName: rootService === '' ? undefined : rootService,
    rootOperationName: root === undefined || root.name === '' ? undefined : root.name,
    minStartTimeUnixNano: minStart?.toString(),
    maxEndTimeUnixNano: maxEnd?.toString(),
    spanCount: omitZero(spans.length),
    errorSpanCount: omitZero(errors),
    orphanSpanCount: omitZero(orphans),
    services: [...services.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, stats]) => ({ name, spanCount: omitZero(stats.spanCount), errorSpanCount: omitZero(stats.errorSpanCount) })),
  };
}

/** Answers api_v3 routes (GET), else `undefined`. Storage failures reject (the caller answers 500). */
export async function answerJaegerApiV3(
  reader: () => TenantTraceReader,
  request: IncomingMessage,
  url: URL,
): Promise<JaegerAnswer | undefined> {
  const path = url.pathname;
  if (!path.startsWith('/api/v3/') || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
  if (path === '/api/v3/services') return v3Answer({ services: await reader().listServices() });
  if (path === '/api/v3/operations') {
    const service = url.searchParams.get('service') ?? '';
    const spanKind = param(url, 'spanKind', 'span_kind').value;
    const operations = service === '' ? [] : await reader().listOperations(service);
    return v3Answer({
      operations: operations
        // The current Jaeger answers an unspecified kind as "internal" (the UI needs a string).
        .map((operation) => ({ name: operation.name, spanKind: JAEGER_SPAN_KIND[operation.spanKind] || 'internal' }))
        .filter((operation) => spanKind === '' || operation.spanKind === spanKind),
    });
  }
  if (path === '/api/v3/traces' || path === '/api/v3/trace-summaries') {
    const found = await findTraceIds(reader(), url);
    if (!Array.isArray(found)) return found;
    const traces = await readTraces(reader(), found);
    if (path === '/api/v3/traces') return tracesAnswer(traces);
    return v3Answer({ summaries: traces.map((spans) => traceSummary(spans[0]!.traceId, spans)) });
  }
  const match = /^\/api\/v3\/traces\/([^/]+)$/.exec(path);
  if (match !== null) return getTrace(reader(), url, decodeURIComponent(match[1]!));
  return undefined;
}
