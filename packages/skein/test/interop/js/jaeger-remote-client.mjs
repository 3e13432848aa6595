/* global process, setInterval, clearInterval */
// The JavaScript SDK's stock Jaeger remote sampler (@opentelemetry/sampler-jaeger-remote) polling
// Skein, as the Go client's `sample` command does (go/sampling.go):
//   node jaeger-remote-client.mjs --otlp http://127.0.0.1:4318/v1/traces --sampling http://127.0.0.1:5778
//        --service NAME --rates 'op-a=2000,op-b=20' --seconds 26
// prints one JSON line a second with the spans sampled per operation in that second. The sampler's
// poll timer is never cleared (hence this separate process, which exits itself).
import { parseArgs } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JaegerRemoteSampler } from '@opentelemetry/sampler-jaeger-remote';
import { BasicTracerProvider, BatchSpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

const { values } = parseArgs({
  options: {
    otlp: { type: 'string' },
    sampling: { type: 'string' },
    service: { type: 'string', default: 'js-sampled' },
    rates: { type: 'string' },
    seconds: { type: 'string', default: '20' },
  },
});
const rates = Object.fromEntries(
  values.rates
    .split(',')
    .map((item) => item.split('='))
    .map(([name, n]) => [name, Number(n)]),
);
const sampler = new JaegerRemoteSampler({
  endpoint: values.sampling,
  serviceName: values.service,
  poolingInterval: 500,
  initialSampler: new TraceIdRatioBasedSampler(1),
});
const provider = new BasicTracerProvider({
  sampler,
  resource: resourceFromAttributes({ 'service.name': values.service }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: values.otlp }), {
      scheduledDelayMillis: 100,
      maxQueueSize: 100_000,
      maxExportBatchSize: 2000,
    }),
  ],
});
const tracer = provider.getTracer('skein-interop-js');

let sampled = {};
const owed = Object.fromEntries(Object.keys(rates).map((name) => [name, 0]));
const deadline = Date.now() + Number(values.seconds) * 1000;
const tick = setInterval(() => {
  for (const [name, perSecond] of Object.entries(rates)) {
    owed[name] += perSecond / 100;
    for (; owed[name] >= 1; owed[name]--) {
      const span = tracer.startSpan(name);
      if (span.spanContext().traceFlags & 1) sampled[name] = (sampled[name] ?? 0) + 1;
      span.end();
    }
  }
}, 10);
const report = setInterval(() => {
  process.stdout.write(JSON.stringify({ sampled }) + '\n');
  sampled = {};
  if (Date.now() >= deadline) {
    clearInterval(tick);
    clearInterval(report);
    void provider.shutdown().finally(() => process.exit(0));
  }
}, 1000);
