/** The load generator's traces: deterministic with a seed, and shaped like real ones (issue 3, item 1). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { validateSpan } from '../../src/model/validate-span.js';
import { defaultTopology } from '../../src/loadgen/default-topology.js';
import { TraceGenerator } from '../../src/loadgen/trace-generator.js';

const START = 1_790_000_000_000_000_000n;

function generate(seed: number, traces: number, largeTraceShare?: number): Span[][] {
  const generator = new TraceGenerator(defaultTopology(), {
    seed,
    startTimeUnixNano: START,
    ...(largeTraceShare === undefined ? {} : { largeTraceShare }),
  });
  return Array.from({ length: traces }, () => generator.nextTrace());
}

function encodeAll(traces: Span[][]): Buffer {
  return Buffer.from(encodeOtlpProtoTraces(traces.flat()));
}

describe('determinism', () => {
  test('the same seed gives identical bytes, another seed different ones', () => {
    const a = encodeAll(generate(42, 300));
    const b = encodeAll(generate(42, 300));
    const c = encodeAll(generate(43, 300));
    assert.ok(a.length > 100_000);
    assert.ok(a.equals(b), 'same seed → same bytes');
    assert.ok(!a.equals(c), 'different seed → different bytes');
  });
});

/** Checks one trace's structure; returns the async (consumer) spans found. */
function checkTrace(spans: Span[]): void {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  assert.equal(byId.size, spans.length, 'span IDs unique');
  const roots = spans.filter((s) => s.parentSpanId === '');
  assert.equal(roots.length, 1, 'exactly one root');
  for (const span of spans) {
    assert.equal(validateSpan(span), undefined);
    assert.equal(span.traceId, spans[0]!.traceId);
    if (span.parentSpanId === '') continue;
    const parent = byId.get(span.parentSpanId);
    assert.ok(parent, `parent of ${span.name} exists`);
    if (span.kind === SpanKind.CONSUMER && parent.kind === SpanKind.PRODUCER) {
      assert.ok(span.startTimeUnixNano >= parent.endTimeUnixNano, 'async consumer starts after its producer ended');
      assert.deepEqual(
        span.links.map((l) => l.spanId),
        [parent.spanId],
        'consumer links to its producer',
      );
    } else {
      assert.ok(span.startTimeUnixNano >= parent.startTimeUnixNano, `${span.name} starts inside ${parent.name}`);
      assert.ok(span.endTimeUnixNano <= parent.endTimeUnixNano, `${span.name} ends inside ${parent.name}`);
    }
  }
}

describe('trace shape over many traces of the built-in topology', () => {
  const traces = generate(7, 5000, 0);

  test('one root, parents exist, children inside parents unless async', () => {
    for (const trace of traces) checkTrace(trace);
  });

  test('5–60 spans per trace, 10–20 attributes per span', () => {
    const counts = traces.map((t) => t.length);
    assert.ok(Math.min(...counts) >= 5, `min ${Math.min(...counts)}`);
    assert.ok(Math.max(...counts) <= 60, `max ${Math.max(...counts)}`);
    for (const span of traces.flat()) {
      assert.ok(span.attributes.length >= 10 && span.attributes.length <= 20, `${span.name}: ${span.attributes.length} attributes`);
      assert.equal(new Set(span.attributes.map((a) => a.key)).size, span.attributes.length, 'attribute keys unique');
    }
  });

  test('about 1% of spans fail, each with an exception event', () => {
    const spans = traces.flat();
    const failed = spans.filter((s) => s.status.code === StatusCode.ERROR);
    const ratio = failed.length / spans.length;
    assert.ok(ratio > 0.006 && ratio < 0.015, `error ratio ${ratio}`);
    for (const span of failed) assert.ok(span.events.some((e) => e.name === 'exception'));
  });

  test('semantic-convention attributes, realistic cardinality, links and events are present', () => {
    const spans = traces.flat();
    const keys = new Set(spans.flatMap((s) => s.attributes.map((a) => a.key)));
    for (const key of [
      'http.request.method',
      'http.route',
      'url.path',
      'http.response.status_code',
      'server.address',
      'db.system',
      'db.statement',
      'db.operation',
      'messaging.system',
      'messaging.destination.name',
      'enduser.id',
      'rpc.method',
    ]) {
      assert.ok(keys.has(key), key);
    }
    const valuesOf = (key: string): Set<unknown> =>
      new Set(spans.flatMap((s) => s.attributes.filter((a) => a.key === key).map((a) => a.value)));
    assert.ok(valuesOf('enduser.id').size > 1000, 'many users');
    assert.ok(valuesOf('http.route').size >= 10 && valuesOf('http.route').size < 40, 'a bounded set of routes');
    assert.deepEqual([...valuesOf('db.system')].sort(), ['postgresql', 'redis']);
    assert.ok(valuesOf('http.response.status_code').has(500n), 'server errors have a 5xx status code');
    assert.ok(spans.some((s) => s.links.length > 0));
    assert.ok(spans.some((s) => s.events.some((e) => e.name !== 'exception')));
    const services = new Set(spans.map((s) => s.resource.attributes[0]!.value));
    assert.equal(services.size, 9);
  });

  test('client spans mirror the status of the server span they wrap', () => {
    for (const trace of traces) {
      for (const server of trace.filter((s) => s.kind === SpanKind.SERVER && s.parentSpanId !== '')) {
        const client = trace.find((s) => s.spanId === server.parentSpanId)!;
        assert.equal(client.kind, SpanKind.CLIENT);
        assert.equal(client.status.code, server.status.code);
        assert.equal(server.flags, 0x301, 'remote parent flag');
      }
    }
  });

  test('latencies have a long tail', () => {
    const roots = traces.map((t) => Number(t[0]!.endTimeUnixNano - t[0]!.startTimeUnixNano) / 1e6).sort((a, b) => a - b);
    const p50 = roots[Math.floor(roots.length / 2)]!;
    const p99 = roots[Math.floor(roots.length * 0.99)]!;
    assert.ok(p99 > 3 * p50, `p50 ${p50} ms, p99 ${p99} ms`);
  });
});

test('large traces: a configurable share has 1k+ spans, still well formed', () => {
  const traces = generate(3, 400, 0.05);
  const large = traces.filter((t) => t.length >= 1000);
  assert.ok(large.length >= 8 && large.length <= 40, `${large.length} large traces`);
  for (const trace of large) checkTrace(trace);
  assert.equal(generate(3, 400, 0).filter((t) => t.length > 60).length, 0);
});
