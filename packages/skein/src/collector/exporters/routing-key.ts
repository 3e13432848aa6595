import { serviceNameOf, type Span } from '../../model/span.js';
import type { ConsistentHashRing } from './consistent-hash-ring.js';

/** What decides a span's backend: its trace (tail sampling needs whole traces) or its service. */
export type RoutingKey = 'traceID' | 'service';

export function routingKeyOf(span: Span, key: RoutingKey): string {
  return key === 'traceID' ? span.traceId : serviceNameOf(span.resource);
}

/**
 * Splits a batch into one batch per backend, keeping span order within each. Consecutive spans of
 * the same trace (the common case) reuse the previous lookup.
 */
export function splitByBackend(spans: readonly Span[], ring: ConsistentHashRing, key: RoutingKey): Map<string, Span[]> {
  const batches = new Map<string, Span[]>();
  let lastKey: string | undefined;
  let lastBatch: Span[] | undefined;
  for (const span of spans) {
    const routing = routingKeyOf(span, key);
    if (routing !== lastKey || lastBatch === undefined) {
      const backend = ring.lookup(routing);
      if (backend === undefined) throw new Error('no backends to route to');
      lastKey = routing;
      lastBatch = batches.get(backend);
      if (lastBatch === undefined) {
        lastBatch = [];
        batches.set(backend, lastBatch);
      }
    }
    lastBatch.push(span);
  }
  return batches;
}
