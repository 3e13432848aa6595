import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../../model/span.js';
import type { SpanPopulation, SpanSelection } from '../../storage/span-analysis-types.js';
import type { TenantTraceReader } from '../../storage/trace-store.js';
import { rankAttributes, type AttributeRanking } from '../analysis/attribute-ranking.js';
import { runMetricsQuery } from '../tempo/tempo-metrics.js';
import type { MetricsQuery } from '../tempo/tempo-metrics-query.js';
import { planOf, type AlertRule } from './alert-rule.js';

/**
 * The "top distinguishing attribute" of a firing alert's offending spans (issue 16, item 2): the
 * analysis' attribute ranking (query/analysis/attribute-ranking.ts) over the rule's own spans.
 *
 * Which spans offend depends on what the rule measures:
 * - a rule on span **duration** (`quantile_over_time(duration, …)`, avg/min/max/sum, histogram)
 *   with `>`/`>=`: the spans at or above the threshold (TraceQL durations are seconds), against the
 *   rule's other spans; with `<`/`<=` the spans at or below it. "replica-3 is on 92 % of the spans
 *   slower than 1 s and 8 % of the others" is the sentence a latency page needs.
 * - every other rule (rate, counts, other attributes): the spans of the rule's window, where the
 *   condition held, against the same query's spans of the {@link BASELINE_MILLIS} before it.
 * The population is the rule's spanset filter over the window plus the baseline period, sampled
 * by storage beyond {@link RANKING_SAMPLE_SPANS} spans per group, so one ranking costs at most
 * one bounded aggregation; the evaluator also abandons it after a timeout. A ranking that fails
 * or finds nothing says why (`topAttributeReason`): the notification goes out either way.
 */

/** The period before the window the "what changed" ranking compares against. */
export const BASELINE_MILLIS = 30 * 60_000;
/** Spans counted per group (the analysis API's figure: 50,000 still resolve a 2-point gap). */
export const RANKING_SAMPLE_SPANS = 50_000;
const TOP_VALUES = 10;

export interface TopAttribute {
  /** `span.<key>`, `resource.<key>` or an intrinsic (`name`, `status`, `kind`). */
  attribute: string;
  value: string;
  /** Share of the offending spans with the value, and of the others. */
  selectionShare: number;
  baselineShare: number;
  selectionSpans: number;
  baselineSpans: number;
  /** What the offending spans were, in words (for the notification). */
  selection: string;
}

export type RankingEvidence = { topAttribute: TopAttribute } | { topAttribute: null; topAttributeReason: string };

interface Offending {
  population: SpanPopulation;
  selection: SpanSelection;
  described: string;
}

const DURATION_FUNCTIONS = new Set<MetricsQuery['fn']>([
  'quantile_over_time',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'histogram_over_time',
]);

/** A rule on span duration with a non-negative threshold: its offending spans are the ones beyond the threshold. */
function onDuration(rule: AlertRule, plan: MetricsQuery): boolean {
  const argument = plan.argument?.field;
  return DURATION_FUNCTIONS.has(plan.fn) && argument?.kind === 'intrinsic' && argument.name === 'duration' && rule.threshold >= 0;
}

/**
 * Exemplar spans of a latency rule's window that are themselves beyond the threshold: the metrics
 * query's own exemplars are the first spans of each series, mostly fast ones when a p99 breaches.
 * Undefined for other rules (their exemplars stand).
 */
export async function offendingExemplars(
  reader: TenantTraceReader,
  rule: AlertRule,
  nowMs: number,
  max: number,
): Promise<Array<{ traceId: string; spanId: string }> | undefined> {
  const plan = planOf(rule);
  if (!onDuration(rule, plan)) return undefined;
  const thresholdNano = BigInt(Math.round(rule.threshold * 1e9));
  const endNano = BigInt(nowMs) * 1_000_000n;
  const beyond = {
    field: { kind: 'intrinsic', name: 'duration' },
    op: rule.op.startsWith('>') ? '>=' : '<=',
    value: { type: 'duration', nanos: thresholdNano },
  } as const;
  const { series } = await runMetricsQuery(
    reader,
    { filter: { combine: 'all', conditions: [plan.filter, beyond] }, fn: 'count_over_time', quantiles: [], by: plan.by },
    { startNano: endNano - BigInt(rule.window) * 1_000_000n, endNano, stepNano: 0n, instant: true, exemplars: 4 * max },
  );
  const found = series
    .flatMap((s) => s.exemplars)
    .map((e) => ({
      traceId: String(e.labels.find((l) => l.key === 'trace:id')?.value['stringValue'] ?? ''),
      spanId: String(e.labels.find((l) => l.key === 'span:id')?.value['stringValue'] ?? ''),
    }))
    .filter((e, i, all) => e.traceId !== '' && all.findIndex((other) => other.traceId === e.traceId) === i);
  return found.slice(0, max);
}

/** The rule's offending spans and the population they are compared within. */
export function offendingSpans(rule: AlertRule, nowMs: number): Offending {
  const plan = planOf(rule);
  const toNano = BigInt(nowMs) * 1_000_000n;
  const windowStartNano = toNano - BigInt(rule.window) * 1_000_000n;
  if (onDuration(rule, plan)) {
    const population = { filter: plan.filter, fromNano: windowStartNano - BigInt(BASELINE_MILLIS) * 1_000_000n, toNano };
    // Seconds to nanoseconds without float drift for thresholds like 0.3.
    const thresholdNano = BigInt(Math.round(rule.threshold * 1e9));
    const above = rule.op.startsWith('>');
    return {
      population,
      selection: above ? { minDurationNano: thresholdNano } : { maxDurationNano: thresholdNano },
      described: `spans ${above ? 'at or above' : 'at or below'} ${rule.threshold}s against the rule's other spans`,
    };
  }
  return {
    population: { filter: plan.filter, fromNano: windowStartNano - BigInt(BASELINE_MILLIS) * 1_000_000n, toNano },
    selection: { fromNano: windowStartNano, toNano },
    described: `spans of the last ${rule.window} ms against the ${BASELINE_MILLIS / 60_000} minutes before`,
  };
}

/** The most over-represented significant value of the best-ranked significant attribute. */
export function topAttributeOf(ranking: AttributeRanking, described: string): RankingEvidence {
  if (ranking.selection.spans === 0) return { topAttribute: null, topAttributeReason: 'no offending spans found in the window' };
  if (ranking.baseline.spans === 0) return { topAttribute: null, topAttributeReason: `no spans to compare with (${described})` };
  for (const attribute of ranking.attributes) {
    const value = attribute.values.find((v) => v.significant && v.difference > 0);
    if (value === undefined) continue;
    return {
      topAttribute: {
        attribute: attribute.attribute,
        value: valueText(attribute.attribute, value.value),
        selectionShare: round(value.selectionShare),
        baselineShare: round(value.baselineShare),
        selectionSpans: ranking.selection.spans,
        baselineSpans: ranking.baseline.spans,
        selection: described,
      },
    };
  }
  return { topAttribute: null, topAttributeReason: `no attribute value is significantly over-represented (${described})` };
}

/** Storage counts status and kind as their OTLP numbers; a notification names them as TraceQL does (`error`, `server`). */
function valueText(attribute: string, value: string): string {
  const names: readonly string[] | undefined =
    attribute === 'status' ? STATUS_CODE_NAMES : attribute === 'kind' ? SPAN_KIND_NAMES : undefined;
  const name = names?.[Number(value)];
  return name === undefined || !/^\d+$/.test(value) ? value : name.toLowerCase();
}

function round(share: number): number {
  return Math.round(share * 1000) / 1000;
}

export async function rankOffendingSpans(reader: TenantTraceReader, rule: AlertRule, nowMs: number): Promise<RankingEvidence> {
  const { population, selection, described } = offendingSpans(rule, nowMs);
  const counts = await reader.countAttributeValues({
    ...population,
    selection,
    topValues: TOP_VALUES,
    maxSampleSpans: RANKING_SAMPLE_SPANS,
  });
  return topAttributeOf(rankAttributes(counts, TOP_VALUES, 1_000), described);
}

/** One line for an Alertmanager annotation: `span.k8s.pod = "replica-3" (92% of offending spans, 8% of others)`. */
export function topAttributeText(evidence: RankingEvidence): string {
  if (evidence.topAttribute === null) return `not available: ${evidence.topAttributeReason}`;
  const top = evidence.topAttribute;
  const percent = (share: number): string => `${Math.round(share * 100)}%`;
  return `${top.attribute} = ${JSON.stringify(top.value)} (${percent(top.selectionShare)} of offending spans, ${percent(top.baselineShare)} of others; ${top.selection})`;
}
