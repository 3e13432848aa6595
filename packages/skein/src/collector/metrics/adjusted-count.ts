import { MAX_THRESHOLD, parseOtTraceState } from '../processors/ot-tracestate.js';

/**
 * The adjusted count of a span (OpenTelemetry "TraceState: Probability Sampling"): a span that was
 * kept by a sampler with rejection threshold T stands for 2^56 / (2^56 − T) spans, which its
 * `ot=th:` tracestate member carries. No `th:` (or a malformed one): 1. The last tracestate seen is
 * remembered: spans of one trace (and of one sampler) carry the same text, so parsing is rare.
 */
export class AdjustedCounter {
  private lastTraceState = '';
  private lastWeight = 1;

  weightOf(traceState: string): number {
    if (traceState === '') return 1;
    if (traceState === this.lastTraceState) return this.lastWeight;
    const { threshold } = parseOtTraceState(traceState);
    const weight = threshold === undefined || threshold >= MAX_THRESHOLD ? 1 : Number(MAX_THRESHOLD) / Number(MAX_THRESHOLD - threshold);
    this.lastTraceState = traceState;
    this.lastWeight = weight;
    return weight;
  }
}
