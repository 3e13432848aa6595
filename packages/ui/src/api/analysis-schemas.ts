import * as z from 'zod/mini';

/** zod mirrors of the analysis API (docs/api.md, "Analysis"). */

const sampleSchema = z.object({ populationSpans: z.number(), sampledSpans: z.number(), rate: z.number() });
export type Sample = z.infer<typeof sampleSchema>;

export const heatmapResponseSchema = z.object({
  startTimeUnixNano: z.string(),
  endTimeUnixNano: z.string(),
  stepNano: z.number(),
  bucketsPerDoubling: z.number(),
  slots: z.number(),
  totalSpans: z.number(),
  cells: z.array(z.object({ slot: z.number(), bucket: z.number(), count: z.number(), errors: z.number() })),
});
export type HeatmapResponse = z.infer<typeof heatmapResponseSchema>;

const groupSchema = z.object({
  value: z.string(),
  type: z.string(),
  missing: z.boolean(),
  count: z.number(),
  errors: z.number(),
  p50Nano: z.number(),
  p95Nano: z.number(),
  p99Nano: z.number(),
  seriesCount: z.array(z.number()),
  seriesErrors: z.array(z.number()),
  seriesP95Nano: z.array(z.number()),
});
export type SpanGroup = z.infer<typeof groupSchema>;

export const groupByResponseSchema = z.object({
  by: z.string(),
  stepNano: z.number(),
  slots: z.number(),
  sample: sampleSchema,
  groups: z.array(groupSchema),
  other: z.object({ count: z.number(), errors: z.number(), groups: z.number() }),
});
export type GroupByResponse = z.infer<typeof groupByResponseSchema>;

const rankedValueSchema = z.object({
  value: z.string(),
  kind: z.string(),
  selectionCount: z.number(),
  baselineCount: z.number(),
  selectionShare: z.number(),
  baselineShare: z.number(),
  difference: z.number(),
  significant: z.boolean(),
});
export type RankedValue = z.infer<typeof rankedValueSchema>;

export const rankingResponseSchema = z.object({
  measure: z.string(),
  comparisons: z.number(),
  selection: z.object({ spans: z.number(), sample: sampleSchema }),
  baseline: z.object({ spans: z.number(), sample: sampleSchema }),
  attributes: z.array(
    z.object({
      attribute: z.string(),
      score: z.number(),
      significant: z.boolean(),
      compared: z.string(),
      distinctValues: z.number(),
      values: z.array(rankedValueSchema),
    }),
  ),
});
export type RankingResponse = z.infer<typeof rankingResponseSchema>;
export type RankedAttribute = RankingResponse['attributes'][number];

const pathDiffSchema = z.object({
  path: z.array(z.string()),
  change: z.string(),
  countA: z.number(),
  countB: z.number(),
  selfNanoA: z.number(),
  selfNanoB: z.number(),
  totalNanoA: z.number(),
  totalNanoB: z.number(),
  errorsA: z.number(),
  errorsB: z.number(),
  deltaSelfNano: z.number(),
});
export type PathDiff = z.infer<typeof pathDiffSchema>;

export const compareResponseSchema = z.object({
  paths: z.array(pathDiffSchema),
  durationNanoA: z.number(),
  durationNanoB: z.number(),
  spansA: z.number(),
  spansB: z.number(),
  a: z.union([z.string(), z.object({ name: z.string(), thresholdNano: z.number(), traceIds: z.array(z.string()) })]),
  b: z.union([z.string(), z.object({ name: z.string(), thresholdNano: z.number(), traceIds: z.array(z.string()) })]),
});
export type CompareResponse = z.infer<typeof compareResponseSchema>;

const latencySegmentSchema = z.object({
  startTimeUnixMillis: z.number(),
  endTimeUnixMillis: z.number(),
  calls: z.number(),
  quantileMillis: z.number(),
});

export const latencyChangeSchema = z.object({
  serviceName: z.string(),
  operation: z.string(),
  quantile: z.number(),
  direction: z.enum(['up', 'down']),
  changeTimeUnixMillis: z.number(),
  ratio: z.number(),
  thresholdMillis: z.number(),
  before: latencySegmentSchema,
  after: latencySegmentSchema,
  exemplars: z.array(
    z.object({
      traceId: z.string(),
      spanId: z.string(),
      timeUnixMillis: z.number(),
      kind: z.string(),
      durationMillis: z.number(),
      error: z.boolean(),
    }),
  ),
});
export type LatencyChange = z.infer<typeof latencyChangeSchema>;

export const latencyChangesResponseSchema = z.object({
  startTimeUnixMillis: z.number(),
  endTimeUnixMillis: z.number(),
  stepMillis: z.number(),
  minRatio: z.number(),
  changes: z.array(latencyChangeSchema),
});
