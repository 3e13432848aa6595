import type { IncomingMessage } from 'node:http';
import { OtlpDecodeError } from '../../model/decode-error.js';
import { JAEGER_SPAN_KIND, jaegerTraceId, toJaegerTrace, type JaegerTrace } from '../../model/jaeger-json.js';
import { decodeOtlpJsonTraces } from '../../model/otlp-json.js';
import type { Span } from '../../model/span.js';
import type { AttributeFilter, TenantTraceReader } from '../../storage/trace-store.js';
import { traceSpansOrNone } from './trace-spans.js';
import {
  goJsonMapError,
  METHOD_NOT_ALLOWED,
  prettyPrintIndent,
  structuredAnswer,
  structuredError,
  type JaegerAnswer,
} from './jaeger-http.js';
import { parseGoDuration } from '../../model/go-duration.js';
import { parseGoBool, parseGoInt, parseJaegerTraceId } from './go-parse.js';

/**
 * Jaeger's internal HTTP JSON API (`/api/services`, `/api/traces`, …), the one Jaeger UI and
 * Grafana's Jaeger data source call, with Jaeger's parameter rules and error texts
 * (cmd/query/app/http_handler.go and query_parser.go of Jaeger v1.75.0). Differences, on purpose
 * and documented in docs/migrate-from-jaeger.md: search results come newest first; `error=true`
 * means status ERROR; tags match span and resource attributes (not scope or event attributes).
 */

const MICRO = 1000n;
const MILLI = 1_000_000n;
const HOUR_NANO = 3_600_000_000_000n;
/** Jaeger's defaults: search looks back 2 days, dependencies 1 day, 100 traces. */
const DEFAULT_SEARCH_LOOKBACK_NANO = 48n * HOUR_NANO;
const DEFAULT_DEPENDENCIES_LOOKBACK_NANO = 24n * HOUR_NANO;
const DEFAULT_LIMIT = 100;
/** The store's largest search. */
const MAX_LIMIT = 10_000;

type Failure = { error: string };
const failed = (value: unknown): value is Failure => typeof value === 'object' && value !== null && 'error' in value;

/** Go's `r.FormValue`: the first value, '' when absent. */
function formValue(url: URL, name: string): string {
  return url.searchParams.get(name) ?? '';
}

function nowNano(): bigint {
  return BigInt(Date.now()) * MILLI;
}

/** Jaeger's `parseTime`: integer `units` since the epoch, `fallback` when absent. */
function parseTime(url: URL, name: string, unitNano: bigint, fallback: bigint): bigint | Failure {
  const text = formValue(url, name);
  if (text === '') return fallback;
  const parsed = parseGoInt(text);
  if ('error' in parsed) return { error: `unable to parse param '${name}': ${parsed.error}` };
  return parsed.value * unitNano;
}

interface SearchParameters {
  serviceName: string;
  operation: string;
  tags: Map<string, string>;
  startNano: bigint;
  endNano: bigint;
  limit: number;
  minDurationNano: bigint;
  maxDurationNano: bigint;
  traceIds: string[];
}

/** `parseTraceQueryParams` + `validateQuery`, in Jaeger's order, with its messages. */
function parseSearch(url: URL): SearchParameters | Failure {
  const now = nowNano();
  const startNano = parseTime(url, 'start', MICRO, now - DEFAULT_SEARCH_LOOKBACK_NANO);
  if (failed(startNano)) return startNano;
  const endNano = parseTime(url, 'end', MICRO, now);
  if (failed(endNano)) return endNano;
  const tags = new Map<string, string>();
  for (const tag of url.searchParams.getAll('tag')) {
    const parts = tag.split(':');
    if (parts.length <= 1) return { error: `malformed 'tag' parameter, expecting key:value, received: ${tag}` };
    tags.set(parts[0]!, parts.slice(1).join(':'));
  }
  for (const json of url.searchParams.getAll('tags')) {
    const problem = goJsonMapError(json);
    if (problem !== undefined) return { error: `malformed 'tags' parameter, cannot unmarshal JSON: ${problem}` };
    for (const [key, value] of Object.entries((JSON.parse(json) ?? {}) as Record<string, string | null>)) tags.set(key, value ?? '');
  }
  let limit = DEFAULT_LIMIT;
  const limitText = formValue(url, 'limit');
  if (limitText !== '') {
    const parsed = parseGoInt(limitText);
    if ('error' in parsed) return parsed;
    if (parsed.value > 2147483647n || parsed.value < -2147483648n)
      return { error: `strconv.ParseInt: parsing ${JSON.stringify(limitText)}: value out of range` };
    // Jaeger passes 0 or less on to storage as "no limit given"; Skein reads that as the default.
    limit = parsed.value <= 0n ? DEFAULT_LIMIT : Math.min(Number(parsed.value), MAX_LIMIT);
  }
  const durations: bigint[] = [];
  for (const name of ['minDuration', 'maxDuration']) {
    const text = formValue(url, name);
    const parsed = text === '' ? { value: 0n } : parseGoDuration(text);
    if ('error' in parsed) return { error: `unable to parse param '${name}': ${parsed.error}` };
    durations.push(parsed.value);
  }
  const [minDurationNano, maxDurationNano] = durations as [bigint, bigint];
  const traceIds: string[] = [];
  for (const id of url.searchParams.getAll('traceID')) {
    const parsed = parseJaegerTraceId(id);
    if ('error' in parsed) return { error: `cannot parse traceID param: ${parsed.error}` };
    traceIds.push(parsed.value);
  }
  const raw = formValue(url, 'raw');
  if (raw !== '') {
    const parsed = parseGoBool(raw);
    if ('error' in parsed) return { error: `unable to parse param 'raw': ${parsed.error}` };
  }
  const serviceName = formValue(url, 'service');
  if (traceIds.length === 0 && serviceName === '') return { error: "parameter 'service' is required" };
  if (minDurationNano !== 0n && maxDurationNano !== 0n && maxDurationNano < minDurationNano) {
    return { error: "'maxDuration' should be greater than 'minDuration'" };
  }
  return {
    serviceName,
    operation: formValue(url, 'operation'),
    tags,
    startNano,
    endNano,
    limit,
    minDurationNano,
    maxDurationNano,
    traceIds,
  };
}

async function jaegerTrace(reader: TenantTraceReader, traceId: string): Promise<JaegerTrace | undefined> {
  const spans = await traceSpansOrNone(reader, traceId);
  return spans.length === 0 ? undefined : toJaegerTrace(traceId, spans);
}

async function search(reader: TenantTraceReader, url: URL): Promise<JaegerAnswer> {
  const query = parseSearch(url);
  if (failed(query)) return structuredError(400, query.error);
  if (query.traceIds.length > 0) {
    const traces: JaegerTrace[] = [];
    const errors: unknown[] = [];
    for (const traceId of query.traceIds) {
      const trace = await jaegerTrace(reader, traceId);
      if (trace === undefined) errors.push({ msg: 'trace not found', traceID: jaegerTraceId(traceId) });
      else traces.push(trace);
    }
    return structuredAnswer(traces, { errors: errors.length > 0 ? errors : null, indent: prettyPrintIndent(url) });
  }
  let errorsOnly = false;
  const attributes: AttributeFilter[] = [];
  for (const [key, value] of query.tags) {
    // Jaeger's `error` tag is the span status (the translator's `error=true` on status ERROR).
    if (key === 'error' && value === 'true') errorsOnly = true;
    else attributes.push({ key, value });
  }
  const summaries = await reader.searchTraces({
    serviceName: query.serviceName,
    ...(query.operation !== '' && { spanName: query.operation }),
    attributes,
    ...(query.minDurationNano > 0n && { minDurationNano: query.minDurationNano }),
    ...(query.maxDurationNano > 0n && { maxDurationNano: query.maxDurationNano }),
    errorsOnly,
    startTimeUnixNano: query.startNano < 0n ? 0n : query.startNano,
    endTimeUnixNano: query.endNano < 0n ? 0n : query.endNano,
    limit: query.limit,
  });
  const traces: JaegerTrace[] = [];
  for (const summary of summaries) {
    const trace = await jaegerTrace(reader, summary.traceId);
    if (trace !== undefined) traces.push(trace);
  }
  return structuredAnswer(traces, { indent: prettyPrintIndent(url) });
}

async function getTrace(reader: TenantTraceReader, url: URL, idText: string): Promise<JaegerAnswer> {
  const traceId = parseJaegerTraceId(idText);
  if ('error' in traceId) return structuredError(400, traceId.error);
  // start/end are hints to narrow a storage scan in Jaeger; Skein's lookup by ID needs none, so
  // they are checked as Jaeger checks them and never hide the trace.
  for (const name of ['start', 'end']) {
    const hint = parseTime(url, name, MICRO, 0n);
    if (failed(hint)) return structuredError(400, hint.error);
  }
  const raw = formValue(url, 'raw');
  if (raw !== '') {
    const parsed = parseGoBool(raw);
    if ('error' in parsed) return structuredError(400, `unable to parse param 'raw': ${parsed.error}`);
  }
  const trace = await jaegerTrace(reader, traceId.value);
  if (trace === undefined) return structuredError(404, 'trace not found');
  return structuredAnswer([trace], { indent: prettyPrintIndent(url) });
}

async function dependencies(reader: TenantTraceReader, url: URL): Promise<JaegerAnswer> {
  const endNano = parseTime(url, 'endTs', MILLI, nowNano());
  if (failed(endNano)) return structuredError(400, endNano.error);
  let lookbackNano = DEFAULT_DEPENDENCIES_LOOKBACK_NANO;
  const lookbackText = formValue(url, 'lookback');
  if (lookbackText !== '') {
    const parsed = parseGoInt(lookbackText);
    if ('error' in parsed) return structuredError(400, `unable to parse param 'lookback': ${parsed.error}`);
    lookbackNano = parsed.value * MILLI;
  }
  const service = formValue(url, 'service');
  const start = endNano - lookbackNano;
  const edges = await reader.getDependencies(start < 0n ? 0n : start, endNano < 0n ? 0n : endNano);
  const links = edges
    .filter((edge) => service === '' || edge.parentService === service || edge.childService === service)
    .map((edge) => ({ parent: edge.parentService, child: edge.childService, callCount: edge.callCount }));
  return structuredAnswer(links, { indent: prettyPrintIndent(url) });
}

/** Jaeger's HTTP server's default request body limit (confighttp's `max_request_body_size`). */
const MAX_TRANSFORM_BODY_BYTES = 20 * 1024 * 1024;

async function readBodyText(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_TRANSFORM_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `POST /api/transform`: an OTLP JSON file (Jaeger UI's trace upload) as Jaeger traces, one per
 * trace ID in order of first appearance, spans and tags in file order (no adjusters run there).
 */
async function transform(request: IncomingMessage, url: URL): Promise<JaegerAnswer> {
  const text = await readBodyText(request);
  if (text === undefined) return structuredError(400, 'http: request body too large');
  let spans: Span[];
  try {
    spans = decodeOtlpJsonTraces(text);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return structuredError(400, `cannot unmarshal OTLP : ${error.message}`);
    throw error;
  }
  const byTrace = new Map<string, Span[]>();
  for (const span of spans) {
    const trace = byTrace.get(span.traceId);
    if (trace === undefined) byTrace.set(span.traceId, [span]);
    else trace.push(span);
  }
  const traces = [...byTrace].map(([traceId, traceSpans]) => toJaegerTrace(traceId, traceSpans, { adjusted: false }));
  return structuredAnswer(traces, { indent: prettyPrintIndent(url) });
}

/** `POST /api/archive/{id}`: Skein has no archive storage, so Jaeger's answer without one. */
function archive(idText: string): JaegerAnswer {
  const traceId = parseJaegerTraceId(idText);
  if ('error' in traceId) return structuredError(400, traceId.error);
  return structuredError(500, 'archive span storage was not configured');
}

/**
 * Answers the request when its path is one of Jaeger's internal API routes (GET only, as Jaeger
 * registers them: other methods get its bare 405), else `undefined`. Storage failures reject (the
 * caller answers 500).
 */
export async function answerJaegerQuery(
  reader: () => TenantTraceReader,
  request: IncomingMessage,
  url: URL,
): Promise<JaegerAnswer | undefined> {
  const path = url.pathname;
  const segments = path.split('/').slice(1);
  const isGet = request.method === 'GET' || request.method === 'HEAD';
  if (segments[0] !== 'api') return undefined;
  if (path === '/api/services') {
    if (!isGet) return METHOD_NOT_ALLOWED;
    const services = await reader().listServices();
    return structuredAnswer(services.length === 0 ? null : services, { total: services.length, indent: prettyPrintIndent(url) });
  }
  if (segments.length === 4 && segments[1] === 'services' && segments[3] === 'operations' && segments[2] !== '') {
    if (!isGet) return METHOD_NOT_ALLOWED;
    // Jaeger reads the name with url.QueryUnescape: `+` is a space there.
    const operations = await reader().listOperations(decodeURIComponent(segments[2]!.replace(/\+/g, ' ')));
    const names = [...new Set(operations.map((operation) => operation.name))];
    return structuredAnswer(names.length === 0 ? null : names, { total: names.length, indent: prettyPrintIndent(url) });
  }
  if (path === '/api/operations') {
    if (!isGet) return METHOD_NOT_ALLOWED;
    const service = formValue(url, 'service');
    if (service === '') return structuredError(400, "parameter 'service' is required");
    const spanKind = formValue(url, 'spanKind');
    const operations = (await reader().listOperations(service))
      .map((operation) => ({ name: operation.name, spanKind: JAEGER_SPAN_KIND[operation.spanKind] }))
      .filter((operation) => spanKind === '' || operation.spanKind === spanKind);
    return structuredAnswer(operations, { total: operations.length, indent: prettyPrintIndent(url) });
  }
  if (path === '/api/traces') return isGet ? search(reader(), url) : METHOD_NOT_ALLOWED;
  if (segments.length === 3 && segments[1] === 'traces' && segments[2] !== '') {
    return isGet ? getTrace(reader(), url, decodeURIComponent(segments[2]!)) : METHOD_NOT_ALLOWED;
  }
  if (path === '/api/dependencies') return isGet ? dependencies(reader(), url) : METHOD_NOT_ALLOWED;
  const isPost = request.method === 'POST';
  if (path === '/api/transform') return isPost ? transform(request, url) : METHOD_NOT_ALLOWED;
  if (segments.length === 3 && segments[1] === 'archive' && segments[2] !== '') {
    return isPost ? archive(decodeURIComponent(segments[2]!)) : METHOD_NOT_ALLOWED;
  }
  return undefined;
}
