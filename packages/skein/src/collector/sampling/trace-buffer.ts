import type { Span } from '../../model/span.js';
import { traceKeyOf, type TraceKey } from './trace-key.js';

/** A trace waiting for its sampling decision. */
export interface BufferedTrace {
  /** Tenant and trace ID (trace-key.ts): what the buffer, the decision cache and the journal key by. */
  readonly key: TraceKey;
  readonly traceId: string;
  readonly spans: Span[];
  /** Clock reading (ms) when its first span arrived: decision_wait counts from here. */
  readonly firstArrivalMs: number;
  /** Clock reading (ms) when its latest span arrived: the early-decision quiet period counts from here. */
  lastArrivalMs: number;
  /** A span without a parent (the root) has arrived, so the trace may be decided early. */
  rootArrived: boolean;
  /** Journal segments holding its spans, released once its decision is durable. */
  readonly segments: Set<number>;
}

/**
 * The undecided traces, in first-arrival order (a Map keeps insertion order, so the oldest trace
 * and every trace past decision_wait are found from the front without a scan or a heap). Traces
 * whose root span arrived are also kept in last-arrival order, for the early decision.
 */
export class TraceBuffer {
  private readonly traces = new Map<string, BufferedTrace>();
  private readonly rooted = new Map<string, BufferedTrace>();
  private spans = 0;

  get traceCount(): number {
    return this.traces.size;
  }

  get spanCount(): number {
    return this.spans;
  }

  get(key: TraceKey): BufferedTrace | undefined {
    return this.traces.get(key);
  }

  /** Adds a span, creating its trace on first sight; returns the trace. */
  add(span: Span, arrivalMs: number): BufferedTrace {
    const key = traceKeyOf(span);
    let trace = this.traces.get(key);
    if (trace === undefined) {
      trace = {
        key,
        traceId: span.traceId,
        spans: [],
        firstArrivalMs: arrivalMs,
        lastArrivalMs: arrivalMs,
        rootArrived: false,
        segments: new Set(),
      };
      this.traces.set(key, trace);
    }
    trace.spans.push(span);
    this.spans++;
    trace.lastArrivalMs = Math.max(trace.lastArrivalMs, arrivalMs);
    if (span.parentSpanId === '') trace.rootArrived = true;
    if (trace.rootArrived) {
      // Re-inserted so the map stays in last-arrival order.
      this.rooted.delete(key);
      this.rooted.set(key, trace);
    }
    return trace;
  }

  remove(key: TraceKey): BufferedTrace | undefined {
    const trace = this.traces.get(key);
    if (trace === undefined) return undefined;
    this.traces.delete(key);
    this.rooted.delete(key);
    this.spans -= trace.spans.length;
    return trace;
  }

  oldest(): BufferedTrace | undefined {
    return this.traces.values().next().value;
  }

  /** Traces whose first span arrived at least `waitMs` ago, oldest first. */
  dueByWait(nowMs: number, waitMs: number): BufferedTrace[] {
    const due: BufferedTrace[] = [];
    for (const trace of this.traces.values()) {
      if (trace.firstArrivalMs + waitMs > nowMs) break;
      due.push(trace);
    }
    return due;
  }

  /** Traces whose root span arrived and that received nothing for `quietMs`. */
  dueByQuiet(nowMs: number, quietMs: number): BufferedTrace[] {
    const due: BufferedTrace[] = [];
    for (const trace of this.rooted.values()) {
      if (trace.lastArrivalMs + quietMs > nowMs) break;
      due.push(trace);
    }
    return due;
  }

  all(): IterableIterator<BufferedTrace> {
    return this.traces.values();
  }
}
