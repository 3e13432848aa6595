import { z } from 'zod';
import { parseGoDurationNanos } from '../../model/go-duration.js';
import type { SpanSelection } from '../../storage/span-analysis-types.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { RANKING_SAMPLE_SPANS } from '../analysis/analysis-api.js';
import { rankAttributes } from '../analysis/attribute-ranking.js';
import { planSpanFilter } from '../tempo/traceql-metrics-plan.js';
import { parseTraceQL } from '../traceql/parser.js';

/**
 * MCP `rank_attributes` (issue 16, item 4): the analysis' attribute ranking
 * (query/analysis/attribute-ranking.ts, the same as `/api/v1/analysis/ranking` and Explore's "Why?")
 * for a model: which attribute values are over-represented among the selected spans (slow ones,
 * failing ones, a filter) compared with the other spans of the population. Cut to the significant
 * findings and a few values per attribute so the answer fits a model's context.
 */

const TOP_VALUES = 10;
const VALUES_SHOWN = 3;

export const RANKING_DESCRIPTION =
  'Answers "what do these spans have in common that the others do not?": ranks span and resource attributes (and name, ' +
  'status, kind) by how over-represented each value is among the selected spans (slow ones: minDuration; failing ones: ' +
  'errorsOnly; or any TraceQL selection) compared with the rest of the population (filter, lookback). selectionShare and ' +
  'baselineShare are the shares of each group carrying the value; significant means the gap is at least 10 points, has ' +
  'at least 5 spans and passes a two-proportion z-test with Bonferroni correction. Use it to find the cause of a latency ' +
  'or error spike (a host, a version, a customer tier), then confirm with search_traces and get_trace.';

export const rankingInput = {
  filter: z
    .string()
    .default('{ }')
    .describe('The population: a TraceQL spanset filter such as { resource.service.name = "checkout" }. Default { } (all spans).'),
  minDuration: z.string().optional().describe('Select spans at least this long, as a duration: "500ms", "2s".'),
  maxDuration: z.string().optional().describe('Select spans at most this long, as a duration (with minDuration: a band).'),
  errorsOnly: z.boolean().optional().describe('Select the spans with status error.'),
  selection: z
    .string()
    .optional()
    .describe('Select the spans matching this TraceQL spanset filter, e.g. { span.http.status_code >= 500 }.'),
  limit: z.number().int().min(1).max(50).default(5).describe('Attributes to return, most explaining first. Default 5.'),
};

export interface RankingToolInput {
  filter: string;
  minDuration?: string | undefined;
  maxDuration?: string | undefined;
  errorsOnly?: boolean | undefined;
  selection?: string | undefined;
  limit: number;
}

export class RankingInputError extends Error {}

function durationNano(name: string, text: string): bigint {
  const nanos = parseGoDurationNanos(text);
  if (nanos === undefined || nanos < 0n)
    throw new RankingInputError(`${name} ${JSON.stringify(text)} is not a duration such as 500ms or 2s`);
  return nanos;
}

export async function rankAttributesTool(
  reader: TenantTraceReader,
  input: RankingToolInput,
  window: { fromNano: bigint; toNano: bigint },
): Promise<unknown> {
  const selection: SpanSelection = {};
  if (input.minDuration !== undefined) selection.minDurationNano = durationNano('minDuration', input.minDuration);
  if (input.maxDuration !== undefined) selection.maxDurationNano = durationNano('maxDuration', input.maxDuration);
  if (input.errorsOnly === true) selection.errorsOnly = true;
  if (input.selection !== undefined) selection.filter = planSpanFilter(parseTraceQL(input.selection));
  if (Object.keys(selection).length === 0)
    throw new RankingInputError('give a selection: minDuration, maxDuration, errorsOnly or selection (a TraceQL filter)');
  const counts = await reader.countAttributeValues({
    filter: planSpanFilter(parseTraceQL(input.filter)),
    ...window,
    selection,
    topValues: TOP_VALUES,
    maxSampleSpans: RANKING_SAMPLE_SPANS,
  });
  const ranking = rankAttributes(counts, TOP_VALUES, input.limit);
  const share = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    selectedSpans: ranking.selection.spans,
    otherSpans: ranking.baseline.spans,
    sampled: ranking.selection.sample.rate < 1 || ranking.baseline.sample.rate < 1,
    attributes: ranking.attributes.map((attribute) => ({
      attribute: attribute.attribute,
      significant: attribute.significant,
      values: attribute.values.slice(0, VALUES_SHOWN).map((v) => ({
        value: v.value,
        selectionShare: share(v.selectionShare),
        baselineShare: share(v.baselineShare),
        significant: v.significant,
      })),
    })),
  };
}
