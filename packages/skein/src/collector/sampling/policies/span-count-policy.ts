import type { Decision, PolicyEvaluator, TraceView } from './policy.js';

/** `span_count`: the trace has between `min_spans` and `max_spans` spans, inclusive (max 0: no upper bound). */
export class SpanCountPolicy implements PolicyEvaluator {
  constructor(
    private readonly minSpans: number,
    private readonly maxSpans: number,
  ) {}

  evaluate(trace: TraceView): Decision {
    const count = trace.spans.length;
    return count >= this.minSpans && (this.maxSpans === 0 || count <= this.maxSpans) ? 'sampled' : 'not_sampled';
  }
}
