import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { rankingOf } from '../analysis/analysis-api.js';
import { DEFAULT_EXEMPLARS, findLatencyChanges, slotMinutesFor } from '../analysis/latency-change-api.js';
import { DEFAULT_MIN_RATIO } from '../analysis/latency-change.js';
import { ENTRY_KINDS } from '../metrics-api.js';
import { answering, lookback, lookbackNanos, MINUTE_NANO, nowNano } from './mcp-tool-support.js';

/**
 * The population analyses as MCP tools (issue 15, item 3): the same code as their HTTP routes
 * (`/api/v1/analysis/latency-changes`, `/api/v1/analysis/ranking`), read through the request's
 * tenant reader, so a model gets what a script gets.
 */
export function registerAnalysisTools(server: McpServer, reader: TenantTraceReader): void {
  server.registerTool(
    'find_latency_changes',
    {
      title: 'Find latency jumps',
      description:
        'Finds operations whose p99 latency (p95 when traffic is light) stepped up or down and stayed there, over a window, ' +
        'from the pre-aggregated metrics of 100 % of spans: per change the operation, the time it started, the quantile before ' +
        'and after (quantileMillis), the ratio, the level between the two (thresholdMillis) and the slowest stored trace IDs ' +
        'after it. A one-minute spike or steady noise is no change. Use it first when asked "what changed?" or "since when is ' +
        'it slow?"; then get_trace on an exemplar, and search_traces with minDuration = thresholdMillis for more.',
      inputSchema: {
        service: z.string().optional().describe('Only this service (resource attribute service.name). Default: every service.'),
        operation: z.string().optional().describe('Only this operation (span name).'),
        lookback: lookback('1h', 'The change must lie inside it with at least 5 minutes on each side.'),
        minRatio: z
          .number()
          .gt(1)
          .max(100)
          .default(DEFAULT_MIN_RATIO)
          .describe(`How many times slower (or faster) the new level must be. Default ${DEFAULT_MIN_RATIO}.`),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const endNano = nowNano();
        const startMinute = Number((endNano - lookbackNanos(input.lookback)) / MINUTE_NANO);
        const endMinute = Number(endNano / MINUTE_NANO) + 1;
        const changes = await findLatencyChanges(reader, {
          startMinute,
          endMinute,
          slotMinutes: slotMinutesFor(startMinute, endMinute),
          spanKinds: ENTRY_KINDS,
          minRatio: input.minRatio,
          exemplars: DEFAULT_EXEMPLARS,
          ...(input.service !== undefined && { serviceName: input.service }),
          ...(input.operation !== undefined && { spanName: input.operation }),
        });
        return { changes };
      }),
  );

  server.registerTool(
    'rank_attributes',
    {
      title: 'Which attribute explains these spans',
      description:
        'Answers "what do the slow (or failing) spans have in common?": compares a selection of spans with the rest of a ' +
        'population and ranks every span and resource attribute by the difference of the share of spans carrying each value ' +
        '(selectionShare − baselineShare), with a Bonferroni-corrected z-test; `significant: true` marks a likely cause, and ' +
        'an empty significant list means nothing stands out. The population is the spans of the window that pass traceql ' +
        'and/or service and operation; the selection is those of them that also pass the selection arguments (at least one). ' +
        'Typical use after find_latency_changes: service, operation, selectionMinDuration = thresholdMillis + "ms", ' +
        'selectionSince = the change time.',
      inputSchema: {
        traceql: z.string().optional().describe('A TraceQL spanset filter for the population, e.g. { span.http.route = "/cart" }.'),
        service: z.string().optional().describe('Only spans of this service (resource attribute service.name).'),
        operation: z.string().optional().describe('Only spans of this name.'),
        lookback: lookback('1h', 'The population is the spans starting in this window.'),
        selectionMinDuration: z.string().optional().describe('Select spans at least this long, as a duration: "650ms", "2s".'),
        selectionMaxDuration: z.string().optional().describe('Select spans at most this long, as a duration.'),
        selectionErrors: z.boolean().default(false).describe('Select spans whose status is ERROR.'),
        selectionSince: z
          .string()
          .optional()
          .describe('Select spans starting at or after this time: RFC 3339 (2026-11-23T14:07:00Z) or Unix nanoseconds.'),
        limit: z.number().int().min(1).max(50).default(10).describe('Most attributes returned, 1 to 50. Default 10.'),
      },
      annotations: { readOnlyHint: true },
    },
    (input) =>
      answering(async () => {
        const endNano = nowNano();
        const params = new URLSearchParams({
          start: String(endNano - lookbackNanos(input.lookback)),
          end: String(endNano),
          limit: String(input.limit),
          topValues: '5',
        });
        const set = (name: string, value: string | undefined): void => {
          if (value !== undefined) params.set(name, value);
        };
        set('q', input.traceql);
        set('service', input.service);
        set('spanName', input.operation);
        set('selectionMinDuration', input.selectionMinDuration);
        set('selectionMaxDuration', input.selectionMaxDuration);
        set('selectionStart', input.selectionSince);
        if (input.selectionErrors) params.set('selectionStatus', 'error');
        return rankingOf(reader, params);
      }),
  );
}
