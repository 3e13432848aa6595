/**
 * Deterministic big traces for the web UI's big-trace test and benchmark: `spanCount` spans in
 * one trace, each span with `FANOUT` children (breadth first, so depth grows as log₆ n: 6 levels
 * at 10k spans, 8 at 1M), children placed one after another inside their parent, 8 services,
 * ~1 % errors, an event on every 10th span and a link from every 50th span to its predecessor.
 * Spans come in chunks so a million of them never sit in memory at once.
 */
import type { Resource, Span } from '../../src/model/span.js';
import { makeResource, makeScope } from './span-factory.js';

export const FANOUT = 6;
const SERVICES = ['gateway', 'auth', 'cart', 'catalog', 'pricing', 'payment', 'inventory', 'shipping'];
const OPERATIONS = ['GET /api/items', 'SELECT items', 'cache get', 'POST /api/price', 'publish event', 'render'];
const MS = 1_000_000n;

/** Span ID of the i-th span (0-based): its index + 1 in hex, so tests can compute any span's ID. */
export function bigTraceSpanId(index: number): string {
  return (index + 1).toString(16).padStart(16, '0');
}

/** Index of the span shown last when everything is expanded: the last child, all the way down. */
export function lastDisplayedIndex(spanCount: number): number {
  let index = 0;
  for (;;) {
    const lastChild = Math.min(spanCount - 1, FANOUT * index + FANOUT);
    if (lastChild <= FANOUT * index) return index;
    index = lastChild;
  }
}

export function* bigTraceChunks(traceId: string, spanCount: number, startNano: bigint, chunkSize = 5_000): Generator<Span[]> {
  const resources: Resource[] = SERVICES.map((service, i) => makeResource(service, [{ key: 'host.name', value: `node-${i}` }]));
  const scope = makeScope('@opentelemetry/instrumentation-http');
  // Parent intervals are all that must be remembered: 2 × 8 bytes per span even at 1M spans.
  const starts = new Float64Array(spanCount);
  const ends = new Float64Array(spanCount);
  const rootDuration = 2_000 * Number(MS);
  let chunk: Span[] = [];
  for (let i = 0; i < spanCount; i++) {
    let start = 0;
    let end = rootDuration;
    let parentSpanId = '';
    if (i > 0) {
      const parent = Math.floor((i - 1) / FANOUT);
      const slot = (ends[parent]! - starts[parent]!) / FANOUT;
      const position = (i - 1) % FANOUT;
      start = starts[parent]! + position * slot + slot * 0.05;
      end = start + slot * (0.6 + ((i * 7919) % 30) / 100);
      parentSpanId = bigTraceSpanId(parent);
    }
    starts[i] = start;
    ends[i] = end;
    const startNs = startNano + BigInt(Math.round(start));
    const endNs = startNano + BigInt(Math.max(Math.round(end), Math.round(start)));
    const service = i === 0 ? 0 : 1 + (i % (SERVICES.length - 1));
    const error = i % 97 === 13;
    chunk.push({
      traceId,
      spanId: bigTraceSpanId(i),
      parentSpanId,
      traceState: '',
      flags: 1,
      name: i === 0 ? 'GET /api/big-report' : `${OPERATIONS[i % OPERATIONS.length]!} #${i}`,
      kind: i === 0 ? 2 : 1,
      startTimeUnixNano: startNs,
      endTimeUnixNano: endNs,
      attributes: [
        { key: 'item.index', value: BigInt(i) },
        { key: 'shard', value: `shard-${i % 16}` },
      ],
      droppedAttributesCount: 0,
      events:
        i % 10 === 0
          ? [
              {
                timeUnixNano: startNs + (endNs - startNs) / 2n,
                name: error ? 'exception' : 'cache miss',
                attributes: [],
                droppedAttributesCount: 0,
              },
            ]
          : [],
      droppedEventsCount: 0,
      links:
        i % 50 === 0 && i > 0
          ? [{ traceId, spanId: bigTraceSpanId(i - 1), traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0 }]
          : [],
      droppedLinksCount: 0,
      status: error ? { code: 2, message: `item ${i} failed` } : { code: 0, message: '' },
      resource: resources[service]!,
      scope,
    });
    if (chunk.length === chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
