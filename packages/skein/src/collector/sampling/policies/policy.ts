import type { Span } from '../../../model/span.js';

/**
 * A policy's verdict on one trace, with the Collector's meanings: the `inverted_*` verdicts come
 * from `invert_match` policies, and `inverted_not_sampled` vetoes every other policy's "sample"
 * (so "everything except health checks" can be written next to "all errors"); `dropped` is a
 * `drop` policy that matched, which vetoes everything.
 */
export type Decision = 'sampled' | 'not_sampled' | 'inverted_sampled' | 'inverted_not_sampled' | 'dropped';

/** A buffered trace as the policies see it. */
export interface TraceView {
  readonly traceId: string;
  readonly spans: readonly Span[];
}

/**
 * One configured policy. `evaluate` gets the clock reading (ms) because rate policies count per
 * second; everything else is a pure function of the spans.
 */
export interface PolicyEvaluator {
  evaluate(trace: TraceView, nowMs: number): Decision;
}

export const isSample = (decision: Decision): boolean => decision === 'sampled' || decision === 'inverted_sampled';

/** A policy that looks at one span at a time: sampled when any span matches. */
export function anySpan(trace: TraceView, matches: (span: Span) => boolean): Decision {
  for (const span of trace.spans) if (matches(span)) return 'sampled';
  return 'not_sampled';
}
