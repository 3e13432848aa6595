import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseGoDurationNanos } from '../../model/go-duration.js';
import { normaliseTraceId } from '../../model/ids.js';
import { SPAN_KIND_NAMES } from '../../model/span.js';
import { SpanConditionError } from '../../storage/span-conditions.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { ApiError, fromStorage } from '../api-error.js';
import { readTraceSpans } from '../compact-trace-route.js';
import { ENTRY_KINDS, redOf } from '../metrics-api.js';
import { runMetricsQuery } from '../tempo/tempo-metrics.js';
import { planMetricsQuery } from '../tempo/traceql-metrics-plan.js';
import { isTraceQLError } from '../traceql/errors.js';
import { parseTraceQL } from '../traceql/parser.js';
import { executeTraceQLSearch } from '../traceql/search.js';
import { compareTraces } from './trace-comparison.js';
import { digestTrace, outlineTrace } from './trace-digest.js';

/**
 * The MCP tools (issue 16, item 4): each reads through the one tenant reader the request was
 * authenticated for (mcp-route.ts), so a model sees exactly what the same credential sees on the
 * HTTP APIs. Descriptions are written for a model that has never seen Skein: what the tool answers,
 * when to use it, what each argument means, with the defaults. Answers are compact JSON text.
 */

const MINUTE_NANO = 60_000_000_000n;
const MAX_LOOKBACK_NANO = 7n * 24n * 60n * MINUTE_NANO;

/** A window back from now, as a Go duration; refused with a message a model can act on. */
const lookback = (fallback: string, what: string) =>
  z
    .string()
    .default(fallback)
    .describe(`How far back from now to look, as a duration: "15m", "1h", "24h" (at most 168h). Default ${fallback}. ${what}`);

const traceIdSchema = z.string().describe('A trace ID: 1 to 32 hex digits (leading zeros may be left out), as search_traces returns it.');

class ToolInputError extends Error {}

function lookbackNanos(text: string): bigint {
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined || nanos <= 0n)
    throw new ToolInputError(`lookback ${JSON.stringify(text)} is not a duration such as 15m, 1h or 24h`);
  if (nanos > MAX_LOOKBACK_NANO) throw new ToolInputError(`lookback ${text} is longer than 168h`);
  return nanos;
}

function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

function traceIdOf(text: string): string {
  const id = normaliseTraceId(text);
  if (id === undefined) throw new ToolInputError(`${JSON.stringify(text)} is not a trace ID: expected 1 to 32 hex digits, not all zero`);
  return id;
}

function answer(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) }] };
}

/** Every failure a model can fix or report becomes a tool error (`isError`), never a protocol error. */
async function answering(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return answer(await work());
  } catch (thrown) {
    // Storage failures through the query layer's one mapping: an ApiError `storage error: …`.
    const error = fromStorage(thrown);
    const known =
      error instanceof ToolInputError || error instanceof ApiError || error instanceof SpanConditionError || isTraceQLError(error);
    if (!known) throw error;
    return { isError: true, content: [{ type: 'text', text: (error as Error).message }] };
  }
}

async function spansOf(reader: TenantTraceReader, traceId: string) {
  return readTraceSpans(reader, traceIdOf(traceId));
}

export function registerSkeinTools(server: McpServer, reader: TenantTraceReader): void {
  server.registerTool(
    'search_traces',
    {
      title: 'Search traces',
      description:
        'Finds recent traces, newest first. Either give `traceql` (a TraceQL query such as ' +
        '{ resource.service.name = "checkout" && status = error } or { span.http.route = "/api/cart" && duration > 500ms }), ' +
        'or any of the simple filters (service, operation, attributes, minDuration, maxDuration, errorsOnly), not both. ' +
        'Returns per trace: traceId, root service and operation, start time, duration in ms, span and error counts. ' +
        'Use get_trace with a returned traceId to read one trace.',
      inputSchema: {
        traceql: z
          .string()
          .optional()
          .describe('A TraceQL spanset query, e.g. { span.db.system = "redis" && duration > 100ms }. Leave out to use the filters.'),
        service: z.string().optional().describe('Only traces with a span of this service (resource attribute service.name).'),
        operation: z.string().optional().describe('Only traces with a span of this name (needs no service).'),
        attributes: z
          .record(z.string(), z.string())
          .optional()
          .describe('Span or resource attributes that one span must all carry, as {"http.status_code": "500"}; values compare as text.'),
        minDuration: z.string().optional().describe('Only spans at least this long, as a duration: "250ms", "2s".'),
        maxDuration: z.string().optional().describe('Only spans at most this long, as a duration.'),
        errorsOnly: z.boolean().default(false).describe('Only traces with a span whose status is ERROR.'),
        lookback: lookback('1h', 'Traces starting in this window are searched.'),
        limit: z.number().int().min(1).max(100).default(20).describe('Most traces returned, 1 to 100. Default 20.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const endNano = nowNano();
        const startNano = endNano - lookbackNanos(input.lookback);
        const filtered =
          input.service !== undefined ||
          input.operation !== undefined ||
          input.attributes !== undefined ||
          input.minDuration !== undefined ||
          input.maxDuration !== undefined ||
          input.errorsOnly;
        if (input.traceql !== undefined) {
          if (filtered) throw new ToolInputError('give either traceql or the simple filters, not both');
          const result = await executeTraceQLSearch(reader, input.traceql, { startNano, endNano, limit: input.limit });
          return {
            traces: result.traces.map((trace) => ({
              traceId: trace.traceID,
              rootService: trace.rootServiceName,
              rootOperation: trace.rootTraceName,
              startTime: new Date(Number(trace.startTimeUnixNano / 1_000_000n)).toISOString(),
              durationMillis: trace.durationMs,
              matchedSpans: trace.spanSets.reduce((sum, set) => sum + set.matched, 0),
              spanCount: Object.values(trace.serviceStats).reduce((sum, s) => sum + s.spanCount, 0),
              errorCount: Object.values(trace.serviceStats).reduce((sum, s) => sum + s.errorCount, 0),
            })),
            ...(result.metrics.candidatesCapped && { note: 'more traces may match: narrow the query or the lookback' }),
          };
        }
        const duration = (key: string, text: string | undefined): bigint | undefined => {
          if (text === undefined) return undefined;
          const nanos = parseGoDurationNanos(text);
          if (nanos === undefined) throw new ToolInputError(`${key} ${JSON.stringify(text)} is not a duration such as 250ms or 2s`);
          return nanos;
        };
        const minDurationNano = duration('minDuration', input.minDuration);
        const maxDurationNano = duration('maxDuration', input.maxDuration);
        const traces = await reader.searchTraces({
          ...(input.service !== undefined && { serviceName: input.service }),
          ...(input.operation !== undefined && { spanName: input.operation }),
          attributes: Object.entries(input.attributes ?? {}).map(([key, value]) => ({ key, value })),
          ...(minDurationNano !== undefined && { minDurationNano }),
          ...(maxDurationNano !== undefined && { maxDurationNano }),
          errorsOnly: input.errorsOnly,
          startTimeUnixNano: startNano,
          endTimeUnixNano: endNano,
          limit: input.limit,
        });
        return {
          traces: traces.map((trace) => ({
            traceId: trace.traceId,
            rootService: trace.rootServiceName,
            rootOperation: trace.rootSpanName,
            startTime: new Date(Number(trace.startTimeUnixNano / 1_000_000n)).toISOString(),
            durationMillis: Number(trace.durationNano) / 1e6,
            spanCount: trace.spanCount,
            errorCount: trace.errorCount,
            services: trace.services.map((s) => s.serviceName),
          })),
        };
      }),
  );

  server.registerTool(
    'get_trace',
    {
      title: 'Read one trace, summarised',
      description:
        'Reads a trace and summarises it for analysis: root service and operation, duration, span count, tree shape ' +
        '(depth, widest fan-out, spans/errors/self time per service), the critical path (the spans the end-to-end time ' +
        'waited on, with the milliseconds each contributed), the bottleneck (the span with most critical time of its own), ' +
        'and error spans with their status message and exception. With includeSpans, also one page of the span tree as ' +
        'indented rows "service: operation [KIND] +startMs durationMs (ERROR …) #spanId"; ask for further pages with `page`.',
      inputSchema: {
        traceId: traceIdSchema,
        includeSpans: z.boolean().default(false).describe('Also return a page of the span tree rows. Default false (summary only).'),
        page: z.number().int().min(1).default(1).describe('Which page of span rows, from 1. The answer says how many pages there are.'),
        pageSize: z.number().int().min(10).max(1000).default(200).describe('Span rows per page, 10 to 1000. Default 200.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const spans = await spansOf(reader, input.traceId);
        const summary = digestTrace(spans[0]!.traceId, spans);
        if (!input.includeSpans) return summary;
        const outline = outlineTrace(spans, input.page, input.pageSize);
        if (input.page > outline.pages) throw new ToolInputError(`page ${input.page} is past the last page, ${outline.pages}`);
        return { ...summary, spans: outline };
      }),
  );

  server.registerTool(
    'list_services',
    {
      title: 'List services',
      description: 'Lists every service name that has sent traces, sorted. Use the names with the other tools.',
      annotations: { readOnlyHint: true },
    },
    () => answering(async () => ({ services: await reader.listServices() })),
  );

  server.registerTool(
    'list_operations',
    {
      title: 'List operations of a service',
      description: "Lists a service's operations (span names) with their span kind (SERVER, CLIENT, INTERNAL, PRODUCER, CONSUMER).",
      inputSchema: { service: z.string().min(1).describe('A service name, as list_services returns it.') },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => ({
        service: input.service,
        operations: (await reader.listOperations(input.service)).map((op) => ({ name: op.name, spanKind: SPAN_KIND_NAMES[op.spanKind] })),
      })),
  );

  server.registerTool(
    'get_red_metrics',
    {
      title: 'RED metrics (rate, errors, duration)',
      description:
        'Request rate (calls per second), error count and ratio, and latency percentiles (p50/p95/p99 in ms) of services, ' +
        'or of one service per operation, over a window. Counted from every span before sampling, per minute, so the window ' +
        'is in whole minutes. Entry spans only (SERVER and CONSUMER): the requests a service answered.',
      inputSchema: {
        service: z.string().optional().describe('Only this service; with it, the figures are per operation of the service.'),
        lookback: lookback('1h', 'Whole minutes.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const nanos = lookbackNanos(input.lookback);
        const endMinute = Number(nowNano() / MINUTE_NANO) + 1;
        const minutes = Math.max(1, Number((nanos + MINUTE_NANO - 1n) / MINUTE_NANO));
        const startMinute = endMinute - minutes;
        const points = await reader.readSeries({
          startMinute,
          endMinute,
          stepMinutes: minutes,
          groupBy: input.service === undefined ? 'service' : 'operation',
          spanKinds: ENTRY_KINDS,
          ...(input.service !== undefined && { serviceName: input.service }),
        });
        return {
          windowMinutes: minutes,
          rows: points.map((point) => ({
            service: point.serviceName,
            ...(input.service !== undefined && { operation: point.spanName }),
            ...redOf([point], minutes * 60),
          })),
        };
      }),
  );

  server.registerTool(
    'get_dependencies',
    {
      title: 'Service dependencies',
      description: 'Which service calls which (caller → callee), with call and error counts, over a window: the service map as a list.',
      inputSchema: { lookback: lookback('1h', '') },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const end = nowNano();
        return { dependencies: await reader.getDependencies(end - lookbackNanos(input.lookback), end) };
      }),
  );

  server.registerTool(
    'query_metrics',
    {
      title: 'TraceQL metrics over a window',
      description:
        'Runs a TraceQL metrics query over a window and returns one value per series for the whole window, e.g. ' +
        '{ resource.service.name = "checkout" } | quantile_over_time(duration, 0.99) (seconds), ' +
        '{ status = error } | rate() by (resource.service.name) (spans per second), ' +
        '{ span.db.system = "redis" && duration > 500ms } | count_over_time(). Useful to test a condition before alerting on it.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .describe(
            'A TraceQL metrics query: a spanset filter { … } piped into rate(), count_over_time(), avg_over_time(duration), quantile_over_time(duration, 0.99), … optionally with by(…).',
          ),
        lookback: lookback('15m', ''),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const endNano = nowNano();
        const planned = planMetricsQuery(parseTraceQL(input.query));
        const { series } = await runMetricsQuery(reader, planned, {
          startNano: endNano - lookbackNanos(input.lookback),
          endNano,
          stepNano: 0n,
          instant: true,
          exemplars: 3,
        });
        return {
          series: series.map((s) => ({
            labels: Object.fromEntries(s.labels.map((label) => [label.key, Object.values(label.value)[0] ?? null])),
            value: s.values[0] ?? null,
            exampleTraceIds: s.exemplars.map((e) => e.labels.find((l) => l.key === 'trace:id')?.value['stringValue']),
          })),
        };
      }),
  );

  server.registerTool(
    'compare_traces',
    {
      title: 'Compare two traces',
      description:
        'Compares two traces (typically a slow or failing one against a normal one of the same operation) by call path ' +
        '("service: operation > service: operation …" from the root): calls only in A, only in B, and calls in both whose ' +
        'count, summed duration or errors differ, largest time change first (deltaMillis = B − A).',
      inputSchema: {
        traceIdA: traceIdSchema.describe('The first trace (the baseline): 1 to 32 hex digits.'),
        traceIdB: traceIdSchema.describe('The second trace (the one to explain): 1 to 32 hex digits.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const [a, b] = await Promise.all([spansOf(reader, input.traceIdA), spansOf(reader, input.traceIdB)]);
        return compareTraces(a[0]!.traceId, a, b[0]!.traceId, b);
      }),
  );

  server.registerPrompt(
    'investigate_service',
    {
      title: 'Investigate a service',
      description: 'Steps to find why a service is slow or failing, using the tools above.',
      argsSchema: { service: z.string().describe('The service to investigate, as list_services names it.') },
    },
    ({ service }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Investigate the service ${JSON.stringify(service)} in Skein. 1) get_red_metrics with service=${JSON.stringify(service)} ` +
              'for the last hour: which operations are slow or failing? 2) search_traces for its slowest or failing traces ' +
              '(errorsOnly, or minDuration). 3) get_trace on two of them: what does the critical path wait on, which span is the ' +
              'bottleneck, what exceptions are there? 4) compare_traces between a bad trace and a normal one of the same operation. ' +
              '5) get_dependencies: is a downstream service the cause? Conclude with the most likely cause and the trace IDs as evidence.',
          },
        },
      ],
    }),
  );
}
