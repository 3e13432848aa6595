import { isSample, type Decision, type PolicyEvaluator, type TraceView } from './policy.js';

/** `and`: sampled when every sub-policy samples (inverted verdicts count as their plain meaning). */
export class AndPolicy implements PolicyEvaluator {
  constructor(private readonly subPolicies: readonly PolicyEvaluator[]) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    for (const sub of this.subPolicies) if (!isSample(sub.evaluate(trace, nowMs))) return 'not_sampled';
    return 'sampled';
  }
}

/** `not`: the opposite of its one sub-policy's plain verdict; inverted verdicts pass through, as the Collector. */
export class NotPolicy implements PolicyEvaluator {
  constructor(private readonly subPolicy: PolicyEvaluator) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    const decision = this.subPolicy.evaluate(trace, nowMs);
    if (decision === 'sampled') return 'not_sampled';
    if (decision === 'not_sampled') return 'sampled';
    return decision;
  }
}

/**
 * `drop`: when every sub-policy matches, the trace is `dropped`, which no other policy can
 * overrule; otherwise it has no say (`not_sampled`).
 */
export class DropPolicy implements PolicyEvaluator {
  constructor(private readonly subPolicies: readonly PolicyEvaluator[]) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    for (const sub of this.subPolicies) if (!isSample(sub.evaluate(trace, nowMs))) return 'not_sampled';
    return 'dropped';
  }
}

export interface CompositeSubPolicy {
  readonly name: string;
  readonly evaluator: PolicyEvaluator;
  /** Spans per second this sub-policy may sample. */
  readonly spansPerSecond: number;
}

/**
 * `composite`: sub-policies in `policy_order`; the first one that samples the trace decides, and
 * the trace is sampled only if that sub-policy's per-second span budget and the total
 * (`max_total_spans_per_second`) both still have room for all its spans; otherwise it is not
 * sampled (later sub-policies are not asked, as the Collector). Budgets restart every wall-clock
 * second.
 */
export class CompositePolicy implements PolicyEvaluator {
  private currentSecond = -1;
  private readonly spentBySub: number[];
  private spentTotal = 0;

  constructor(
    private readonly subPolicies: readonly CompositeSubPolicy[],
    private readonly maxTotalSpansPerSecond: number,
  ) {
    this.spentBySub = subPolicies.map(() => 0);
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    return this.evaluateWithSubPolicy(trace, nowMs).decision;
  }

  /** The verdict and, when sampled, the sub-policy that sampled (recorded as `tailsampling.composite_policy`). */
  evaluateWithSubPolicy(trace: TraceView, nowMs: number): { decision: Decision; subPolicy: string | undefined } {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.spentBySub.fill(0);
      this.spentTotal = 0;
    }
    const spans = trace.spans.length;
    for (const [index, sub] of this.subPolicies.entries()) {
      if (!isSample(sub.evaluator.evaluate(trace, nowMs))) continue;
      const spentIfSampled = this.spentBySub[index]! + spans;
      if (spentIfSampled > sub.spansPerSecond || this.spentTotal + spans > this.maxTotalSpansPerSecond) {
        return { decision: 'not_sampled', subPolicy: undefined };
      }
      this.spentBySub[index] = spentIfSampled;
      this.spentTotal += spans;
      return { decision: 'sampled', subPolicy: sub.name };
    }
    return { decision: 'not_sampled', subPolicy: undefined };
  }
}
