/**
 * Issue 4 item 7: the OpenTelemetry JS SDK sends 1000 traces with a known mix — 5 % with an error,
 * 5 % slow (600 ms, by explicit start/end times), the rest fast — through OTLP/HTTP to a Skein whose
 * tail sampler keeps "errors OR latency > 500 ms OR 10 % of the rest". Exactly the error and slow
 * traces must be stored, the rest at 10 % (the very traces the trace-ID hash picks, and within
 * ±4σ of 10 %), and every stored trace complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProbabilisticPolicy } from '../../src/collector/sampling/policies/probabilistic-policy.js';
import { getJson, removeDir, startSkein, writeConfig } from '../support/skein-process.js';

const TRACES = 1000;
const SPANS_PER_TRACE = 3;
const SERVICE = 'tail-sampling-mix';
const CONFIG = `
processors:
  tail_sampling:
    decision_wait: 5s
    early_decision_quiet_period: 500ms
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: slow, type: latency, latency: { threshold_ms: 500 } }
      - { name: ten-percent, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
service:
  pipelines:
    traces:
      processors: [tail_sampling]
`;

type Kind = 'error' | 'slow' | 'fast';

test('1000 SDK traces: errors and slow ones all kept, 10 % of the rest, every kept trace complete', { timeout: 120_000 }, async () => {
  const skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: skein.otlpHttpUrl }), {
        maxQueueSize: TRACES * SPANS_PER_TRACE,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 50,
      }),
    ],
  });
  try {
    const tracer = provider.getTracer('tail-sampling-e2e');
    const kinds = new Map<string, Kind>();
    const base = Date.now() - 30_000;
    for (let i = 0; i < TRACES; i++) {
      const kind: Kind = i % 20 === 0 ? 'error' : i % 20 === 1 ? 'slow' : 'fast';
      const start = base + i * 10;
      const duration = kind === 'slow' ? 600 : 20 + (i % 7);
      const root = tracer.startSpan('GET /items', { kind: SpanKind.SERVER, startTime: new Date(start) });
      kinds.set(root.spanContext().traceId, kind);
      const parent = trace.setSpan(context.active(), root);
      const query = tracer.startSpan('SELECT items', { kind: SpanKind.CLIENT, startTime: new Date(start + 2) }, parent);
      query.end(new Date(start + duration / 2));
      const render = tracer.startSpan('render', { startTime: new Date(start + duration / 2) }, parent);
      // The error is on a child only: the policy looks at every span of the trace.
      if (kind === 'error') render.setStatus({ code: SpanStatusCode.ERROR, message: 'template failed' });
      render.end(new Date(start + duration - 1));
      root.end(new Date(start + duration));
    }
    await provider.forceFlush();

    const tenPercent = new ProbabilisticPolicy(10, '');
    const fast = [...kinds].filter(([, kind]) => kind === 'fast').map(([traceId]) => traceId);
    const fastPicked = new Set(fast.filter((traceId) => tenPercent.evaluate({ traceId, spans: [] }) === 'sampled'));
    const expected = new Set([...kinds].filter(([traceId, kind]) => kind !== 'fast' || fastPicked.has(traceId)).map(([id]) => id));

    // Everything is decided within quiet period + tick after the last export; poll until the
    // stored set stops growing at the expected size (or time runs out).
    let stored = new Map<string, number>();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { status, body } = await getJson(`${skein.queryUrl}/api/v1/search?service=${SERVICE}&limit=10000&lookback=1h`);
      assert.equal(status, 200, JSON.stringify(body));
      stored = new Map(body.traces.map((t: { traceId: string; spanCount: number }) => [t.traceId, t.spanCount]));
      if (stored.size >= expected.size && [...stored.values()].every((count) => count === SPANS_PER_TRACE)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // A little longer, so a wrongly kept trace would have time to show up too.
    await new Promise((r) => setTimeout(r, 1_500));
    const { body } = await getJson(`${skein.queryUrl}/api/v1/search?service=${SERVICE}&limit=10000&lookback=1h`);
    stored = new Map(body.traces.map((t: { traceId: string; spanCount: number }) => [t.traceId, t.spanCount]));

    const storedOf = (kind: Kind) => [...stored.keys()].filter((id) => kinds.get(id) === kind);
    assert.equal(storedOf('error').length, 50, 'every error trace');
    assert.equal(storedOf('slow').length, 50, 'every slow trace');
    assert.deepEqual(
      [...stored.keys()].filter((id) => !kinds.has(id)),
      [],
      'nothing that was not sent',
    );
    assert.deepEqual(new Set(storedOf('fast')), fastPicked, 'exactly the fast traces the trace-ID hash picks');
    // Binomial(900, 0.1): mean 90, σ = 9.
    assert.ok(Math.abs(fastPicked.size - 90) <= 36, `${fastPicked.size} of 900 fast traces kept`);
    const incomplete = [...stored].filter(([, count]) => count !== SPANS_PER_TRACE);
    assert.deepEqual(incomplete, [], 'every stored trace has all its spans');

    // The policy that decided is on the stored spans.
    for (const [kind, policy] of [
      ['error', 'errors'],
      ['slow', 'slow'],
    ] as const) {
      const traceId = storedOf(kind)[0]!;
      const { body: stored } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}`);
      for (const span of stored.spans) {
        const attribute = span.attributes.find((a: { key: string }) => a.key === 'tailsampling.policy');
        assert.equal(attribute?.value.stringValue, policy, `${kind} trace spans say tailsampling.policy=${policy}`);
      }
    }
  } finally {
    await provider.shutdown();
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  }
});
