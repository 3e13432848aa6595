import type { LogRecord } from '../../model/log-record.js';
import { DEFAULT_TENANT } from '../../model/tenant.js';
import type { TraceKey } from './trace-key.js';

/** A trace's decision as the tail sampler knows it: the sampling policy's name, false (not sampled), or undefined (not decided). */
export type TraceDecision = string | false | undefined;

/** Where decisions are read: a tail-sampling stage (its buffer, unresolved decisions and decision cache). */
export interface DecisionSource {
  decisionOf(key: TraceKey): TraceDecision;
}

/**
 * What joins a `tail_sampling` processor's traces stage and its logs stage (issue 17: logs follow
 * their trace's decision): the traces stage attaches itself as a {@link DecisionSource} and
 * publishes each decision as it makes it; the logs stage reads decisions and waits for those not
 * made yet. One hub per configured processor (its parsed config object, the one thing the traces
 * and the logs pipeline share), so two Skeins in one process never see each other's decisions.
 */
export class SamplingDecisionHub {
  private readonly sources = new Set<DecisionSource>();
  private readonly waiters = new Map<TraceKey, Set<(decision: string | false) => void>>();

  attach(source: DecisionSource): void {
    this.sources.add(source);
  }

  detach(source: DecisionSource): void {
    this.sources.delete(source);
  }

  /** Whether a traces stage of this processor runs (in this process). */
  get attached(): boolean {
    return this.sources.size > 0;
  }

  /** The first decision a source knows (a processor listed in two traces pipelines has two samplers). */
  decisionOf(key: TraceKey): TraceDecision {
    for (const source of this.sources) {
      const decision = source.decisionOf(key);
      if (decision !== undefined) return decision;
    }
    return undefined;
  }

  /** A traces stage decided a trace: wakes whoever waits for it. */
  decided(key: TraceKey, decision: string | false): void {
    const waiting = this.waiters.get(key);
    if (waiting === undefined) return;
    this.waiters.delete(key);
    for (const wake of waiting) wake(decision);
  }

  /** Calls `wake` once the trace is decided; the returned function stops waiting. */
  whenDecided(key: TraceKey, wake: (decision: string | false) => void): () => void {
    let waiting = this.waiters.get(key);
    if (waiting === undefined) this.waiters.set(key, (waiting = new Set()));
    waiting.add(wake);
    return () => {
      const current = this.waiters.get(key);
      if (current === undefined) return;
      current.delete(wake);
      if (current.size === 0) this.waiters.delete(key);
    };
  }

  /** Traces someone waits for (a gauge for tests: it must drain to 0). */
  get waitingTraces(): number {
    return this.waiters.size;
  }
}

const hubs = new WeakMap<object, SamplingDecisionHub>();

/** The hub of one configured `tail_sampling` processor, keyed by its parsed config object. */
export function decisionHubOf(processorConfig: object): SamplingDecisionHub {
  let hub = hubs.get(processorConfig);
  if (hub === undefined) hubs.set(processorConfig, (hub = new SamplingDecisionHub()));
  return hub;
}

/** A log record's trace key, as `traceKeyOf` keys its trace's spans (tenant and trace ID). */
export function traceKeyOfLog(log: LogRecord): TraceKey {
  const tenant = log.resource.tenant;
  return tenant === DEFAULT_TENANT ? log.traceId : `${tenant}/${log.traceId}`;
}
