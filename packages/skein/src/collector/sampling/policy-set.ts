import type { AndSubPolicyConfig, CompositeSubPolicyConfig, PolicyConfig } from './policy-config.js';
import { AlwaysSamplePolicy } from './policies/always-sample-policy.js';
import { BooleanAttributePolicy, NumericAttributePolicy, StringAttributePolicy } from './policies/attribute-policies.js';
import { AndPolicy, CompositePolicy, DropPolicy, NotPolicy } from './policies/combinator-policies.js';
import { LatencyPolicy } from './policies/latency-policy.js';
import type { Decision, PolicyEvaluator, TraceView } from './policies/policy.js';
import { ProbabilisticPolicy } from './policies/probabilistic-policy.js';
import { BytesLimitingPolicy, RateLimitingPolicy } from './policies/rate-limiting-policies.js';
import { SpanCountPolicy } from './policies/span-count-policy.js';
import { StatusCodePolicy } from './policies/status-code-policy.js';
import { TraceStatePolicy } from './policies/trace-state-policy.js';

/** The outcome for one trace: keep it or not, and the policy that settled it (none: no policy sampled it). */
export interface TraceDecision {
  readonly sampled: boolean;
  /** A policy label: the policy's name, or `<composite>/<sub-policy>` when a composite's sub-policy sampled. */
  readonly policy: string | undefined;
}

/** What a sampled trace's spans record of a policy label (the Collector's `recordpolicy` attributes). */
export interface PolicyAttribution {
  /** `tailsampling.policy`: the top-level policy's name. */
  readonly policy: string;
  /** `tailsampling.composite_policy`: the composite's sub-policy that sampled, when one did. */
  readonly compositePolicy: string | undefined;
}

/** The label of a composite's sub-policy: the metric label, and what the decision cache and journal keep. */
export function compositeLabel(composite: string, subPolicy: string): string {
  return `${composite}/${subPolicy}`;
}

type LabelledEvaluator = (trace: TraceView, nowMs: number) => { decision: Decision; label: string };

/**
 * Every configured policy, evaluated on a trace and combined as the Collector does: a `drop`
 * match wins; then an `inverted_not_sampled` (an `invert_match` policy that matched) vetoes;
 * then any `sampled` samples; then `inverted_sampled` samples when no policy said `not_sampled`;
 * otherwise the trace is not sampled. The policy reported is the first with the winning verdict.
 */
export class PolicySet {
  private readonly policies: readonly LabelledEvaluator[];
  private readonly attributions = new Map<string, PolicyAttribution>();

  constructor(configs: readonly PolicyConfig[]) {
    this.policies = configs.map((config) => {
      const { name } = config;
      this.attributions.set(name, { policy: name, compositePolicy: undefined });
      if (config.type !== 'composite') {
        const evaluator = buildPolicy(config);
        return (trace, nowMs) => ({ decision: evaluator.evaluate(trace, nowMs), label: name });
      }
      for (const sub of config.composite.composite_sub_policy) {
        this.attributions.set(compositeLabel(name, sub.name), { policy: name, compositePolicy: sub.name });
      }
      const composite = buildComposite(config.composite);
      return (trace, nowMs) => {
        const { decision, subPolicy } = composite.evaluateWithSubPolicy(trace, nowMs);
        return { decision, label: subPolicy === undefined ? name : compositeLabel(name, subPolicy) };
      };
    });
  }

  decide(trace: TraceView, nowMs: number): TraceDecision {
    const firstWith = new Map<Decision, string>();
    for (const evaluate of this.policies) {
      const { decision, label } = evaluate(trace, nowMs);
      if (!firstWith.has(decision)) firstWith.set(decision, label);
    }
    const dropped = firstWith.get('dropped') ?? firstWith.get('inverted_not_sampled');
    if (dropped !== undefined) return { sampled: false, policy: dropped };
    const sampled = firstWith.get('sampled');
    if (sampled !== undefined) return { sampled: true, policy: sampled };
    const invertedSampled = firstWith.get('inverted_sampled');
    if (invertedSampled !== undefined && !firstWith.has('not_sampled')) return { sampled: true, policy: invertedSampled };
    return { sampled: false, policy: undefined };
  }

  /**
   * The attributes a policy label stands for. A label this configuration does not know (a
   * decision replayed from a journal written with another configuration) is a plain policy name.
   */
  attributionOf(label: string): PolicyAttribution {
    return this.attributions.get(label) ?? { policy: label, compositePolicy: undefined };
  }
}

export function buildPolicy(config: PolicyConfig | AndSubPolicyConfig | CompositeSubPolicyConfig): PolicyEvaluator {
  switch (config.type) {
    case 'always_sample':
      return new AlwaysSamplePolicy();
    case 'latency':
      return new LatencyPolicy(config.latency.threshold_ms, config.latency.upper_threshold_ms);
    case 'status_code':
      return new StatusCodePolicy(config.status_code.status_codes);
    case 'probabilistic':
      return new ProbabilisticPolicy(config.probabilistic.sampling_percentage, config.probabilistic.hash_salt);
    case 'rate_limiting':
      return new RateLimitingPolicy(config.rate_limiting.spans_per_second);
    case 'bytes_limiting':
      return new BytesLimitingPolicy(config.bytes_limiting.bytes_per_second, config.bytes_limiting.burst_capacity);
    case 'string_attribute': {
      const c = config.string_attribute;
      return new StringAttributePolicy(c.key, c.values, c.enabled_regex_matching, c.invert_match);
    }
    case 'numeric_attribute': {
      const c = config.numeric_attribute;
      return new NumericAttributePolicy(c.key, c.min_value, c.max_value, c.invert_match);
    }
    case 'boolean_attribute': {
      const c = config.boolean_attribute;
      return new BooleanAttributePolicy(c.key, c.value, c.invert_match);
    }
    case 'span_count':
      return new SpanCountPolicy(config.span_count.min_spans, config.span_count.max_spans);
    case 'trace_state':
      return new TraceStatePolicy(config.trace_state.key, config.trace_state.values);
    case 'not':
      return new NotPolicy(buildPolicy(config.not.not_sub_policy));
    case 'and':
      return new AndPolicy(config.and.and_sub_policy.map(buildPolicy));
    case 'drop':
      return new DropPolicy(config.drop.drop_sub_policy.map(buildPolicy));
    case 'composite':
      return buildComposite(config.composite);
  }
}

/**
 * Sub-policies are asked in `policy_order` (those it leaves out follow, in the order listed).
 * A sub-policy in `rate_allocation` gets `percent` % of `max_total_spans_per_second` (0 %: an
 * equal share, as the Collector); the others share what the allocations leave, equally — the
 * Collector gives them nothing, which makes a trailing `always_sample` useless.
 */
function buildComposite(config: Extract<PolicyConfig, { type: 'composite' }>['composite']): CompositePolicy {
  const byName = new Map(config.composite_sub_policy.map((sub) => [sub.name, sub]));
  const ordered = [
    ...config.policy_order.map((name) => byName.get(name)!),
    ...config.composite_sub_policy.filter((sub) => !config.policy_order.includes(sub.name)),
  ];
  const total = config.max_total_spans_per_second;
  const equalShare = total / ordered.length;
  const allocated = new Map(config.rate_allocation.map((a) => [a.policy, a.percent > 0 ? (a.percent / 100) * total : equalShare]));
  const allocatedSum = [...allocated.values()].reduce((sum, value) => sum + value, 0);
  const unallocated = ordered.filter((sub) => !allocated.has(sub.name)).length;
  const remainderShare = unallocated > 0 ? Math.max(0, total - allocatedSum) / unallocated : 0;
  return new CompositePolicy(
    ordered.map((sub) => ({ name: sub.name, evaluator: buildPolicy(sub), spansPerSecond: allocated.get(sub.name) ?? remainderShare })),
    total,
  );
}
