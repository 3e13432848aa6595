import type { Span } from '../../model/span.js';
import { DecisionCache } from './decision-cache.js';
import { PolicySet, type PolicyAttribution } from './policy-set.js';
import type { TailSamplingConfig } from './tail-sampling-config.js';
import { TraceBuffer, type BufferedTrace } from './trace-buffer.js';
import { traceKeyOf, type TraceKey } from './trace-key.js';

/** The span attribute naming the policy that sampled the trace (the Collector's `recordpolicy` attribute). */
export const SAMPLING_POLICY_ATTRIBUTE = 'tailsampling.policy';
/** The span attribute naming the composite's sub-policy that sampled the trace, as the Collector. */
export const COMPOSITE_POLICY_ATTRIBUTE = 'tailsampling.composite_policy';
/** The `policy` label of decisions no policy made (nothing sampled the trace). */
export const NO_POLICY = 'none';

/** One trace decided: it has left the buffer; sampled ones have their spans tagged with the policy. */
export interface SamplingDecision {
  readonly trace: BufferedTrace;
  readonly sampled: boolean;
  /** The policy label that settled it (a composite's sub-policy as `composite/sub`), or {@link NO_POLICY}. */
  readonly policy: string;
}

/** How `consume` splits a batch: spans of traces still to be decided, and late spans of decided ones. */
export interface ClassifiedSpans {
  readonly fresh: Span[];
  /** Late spans of sampled traces, already tagged with the policy: pass them on at once. */
  readonly lateSampled: Span[];
  /** Late spans of traces not sampled: dropped (`tail_late_span_dropped`). */
  readonly lateDropped: number;
}

export type SamplerConfig = Pick<
  TailSamplingConfig,
  'decision_wait' | 'early_decision_quiet_period' | 'max_spans_per_trace' | 'num_traces' | 'decision_cache' | 'policies'
>;

/**
 * The tail sampler's pure core: the buffer of undecided traces, the policies and the decision
 * cache. It has no timers, no I/O and no promises: time is the `now` its caller passes (ms), and
 * every call that decides traces returns the decisions for the caller to deliver, journal and
 * count. So it is tested with a fake clock and nothing else.
 *
 * When a trace is decided: `decision_wait` after its first span; earlier once its root span has
 * arrived and nothing came for `early_decision_quiet_period`; at once when it reaches
 * `max_spans_per_trace`; and when the buffer holds more than `num_traces`, its oldest traces are
 * decided early to make room — a trace is never evicted undecided. Decided traces leave the
 * buffer; the decision cache makes their late spans follow the decision (architecture decision 5).
 */
export class TailSampler {
  private readonly buffer = new TraceBuffer();
  private readonly cache: DecisionCache;
  private readonly policies: PolicySet;
  /**
   * Sampled traces (ID → policy) not yet resolved (taken by the next stage and recorded as such):
   * left out of {@link resolvedDecisions}, and their late spans follow the decision even when the
   * cache no longer holds it — buffered again, they would be released by the resolving record of
   * the first decision and lost to a crash.
   */
  private readonly unresolved = new Map<string, string>();
  /** After a replay, the bounds (size cap, num_traces) are enforced once, on the next tick. */
  private enforceBoundsOnTick = false;

  constructor(private readonly config: SamplerConfig) {
    this.policies = new PolicySet(config.policies);
    this.cache = new DecisionCache(config.decision_cache.sampled_cache_size, config.decision_cache.non_sampled_cache_size);
  }

  get traceCount(): number {
    return this.buffer.traceCount;
  }

  get spanCount(): number {
    return this.buffer.spanCount;
  }

  /** Splits a batch by what is known of each span's trace; late sampled spans get the policy attribute. */
  classify(spans: readonly Span[]): ClassifiedSpans {
    const fresh: Span[] = [];
    const lateSampled: Span[] = [];
    let lateDropped = 0;
    for (const span of spans) {
      const key = traceKeyOf(span);
      const decision = this.buffer.get(key) === undefined ? this.decisionOf(key) : undefined;
      if (decision === undefined) fresh.push(span);
      else if (decision === false) lateDropped++;
      else {
        tagPolicy(span, this.policies.attributionOf(decision));
        lateSampled.push(span);
      }
    }
    return { fresh, lateSampled, lateDropped };
  }

  /**
   * Buffers spans that arrived at `now` (from {@link classify}'s `fresh`); returns the traces they
   * went to (the journal notes where their spans are) and the traces the size cap or a full
   * buffer decided at once.
   */
  add(spans: readonly Span[], now: number): { touched: Set<BufferedTrace>; decisions: SamplingDecision[] } {
    const touched = new Set<BufferedTrace>();
    for (const span of spans) touched.add(this.buffer.add(span, now));
    const decisions: SamplingDecision[] = [];
    const cap = this.config.max_spans_per_trace;
    if (cap > 0) for (const trace of touched) if (trace.spans.length >= cap) this.decide(trace, now, decisions);
    this.decideOldestBeyondCapacity(now, decisions);
    return { touched, decisions };
  }

  /** Decides every trace that is due at `now` (decision_wait, quiet period, bounds after a replay). */
  tick(now: number): SamplingDecision[] {
    const decisions: SamplingDecision[] = [];
    if (this.enforceBoundsOnTick) {
      this.enforceBoundsOnTick = false;
      const cap = this.config.max_spans_per_trace;
      if (cap > 0) for (const trace of [...this.buffer.all()]) if (trace.spans.length >= cap) this.decide(trace, now, decisions);
      this.decideOldestBeyondCapacity(now, decisions);
    }
    for (const trace of this.buffer.dueByWait(now, this.config.decision_wait)) this.decide(trace, now, decisions);
    const quietMs = this.config.early_decision_quiet_period;
    if (quietMs > 0) for (const trace of this.buffer.dueByQuiet(now, quietMs)) this.decide(trace, now, decisions);
    return decisions;
  }

  /** Decides everything buffered (a shutdown without a journal: memory is all there is). */
  decideAll(now: number): SamplingDecision[] {
    const decisions: SamplingDecision[] = [];
    for (const trace of [...this.buffer.all()]) this.decide(trace, now, decisions);
    return decisions;
  }

  /** The next stage took these sampled traces (or they were not sampled) and that is being recorded. */
  markResolved(keys: Iterable<TraceKey>): void {
    for (const key of keys) this.unresolved.delete(key);
  }

  /** Every cached decision of a resolved trace, least recently used first (a journal snapshot). */
  *resolvedDecisions(): IterableIterator<{ traceKey: TraceKey; decision: string | false }> {
    for (const [traceKey, decision] of this.cache.entries()) if (!this.unresolved.has(traceKey)) yield { traceKey, decision };
  }

  /**
   * Replay: buffers spans with their original arrival time (decision_wait is not restarted). The
   * bounds are enforced on the next {@link tick}, not here, so a replay decides nothing.
   */
  restoreSpans(spans: readonly Span[], arrivalMs: number): Set<BufferedTrace> {
    const touched = new Set<BufferedTrace>();
    for (const span of spans) touched.add(this.buffer.add(span, arrivalMs));
    this.enforceBoundsOnTick = true;
    return touched;
  }

  /**
   * Replay: restores a cached decision; when it `resolves` the trace (a DECISIONS record), the
   * trace leaves the buffer and is returned, so its journal segments can be released.
   */
  restoreDecision(key: TraceKey, decision: string | false, resolves: boolean): BufferedTrace | undefined {
    this.cache.put(key, decision);
    return resolves ? this.buffer.remove(key) : undefined;
  }

  /**
   * A trace's decision as far as it is known: undefined while it is buffered (undecided) or when
   * nothing is known of it (not seen yet, or its decision left the cache).
   */
  decisionFor(key: TraceKey): string | false | undefined {
    return this.buffer.get(key) === undefined ? this.decisionOf(key) : undefined;
  }

  private decisionOf(key: TraceKey): string | false | undefined {
    return this.unresolved.get(key) ?? this.cache.get(key);
  }

  private decideOldestBeyondCapacity(now: number, decisions: SamplingDecision[]): void {
    while (this.buffer.traceCount > this.config.num_traces) this.decide(this.buffer.oldest()!, now, decisions);
  }

  private decide(trace: BufferedTrace, now: number, decisions: SamplingDecision[]): void {
    if (this.buffer.remove(trace.key) === undefined) return;
    const { sampled, policy } = this.policies.decide(trace, now);
    const name = policy ?? NO_POLICY;
    if (sampled) {
      this.cache.put(trace.key, name);
      const attribution = this.policies.attributionOf(name);
      for (const span of trace.spans) tagPolicy(span, attribution);
      this.unresolved.set(trace.key, name);
    } else {
      this.cache.put(trace.key, false);
    }
    decisions.push({ trace, sampled, policy: name });
  }
}

/**
 * Sets `tailsampling.policy` and, for a composite, `tailsampling.composite_policy` on a span,
 * overwriting what an earlier sampler set (in place: a span belongs to one batch, unlike its
 * resource).
 */
function tagPolicy(span: Span, attribution: PolicyAttribution): void {
  setAttribute(span, SAMPLING_POLICY_ATTRIBUTE, attribution.policy);
  setAttribute(span, COMPOSITE_POLICY_ATTRIBUTE, attribution.compositePolicy);
}

/** Sets (or, with undefined, removes) a string attribute. */
function setAttribute(span: Span, key: string, value: string | undefined): void {
  const index = span.attributes.findIndex((attribute) => attribute.key === key);
  if (value === undefined) {
    if (index !== -1) span.attributes.splice(index, 1);
  } else if (index === -1) span.attributes.push({ key, value });
  else span.attributes[index]!.value = value;
}
