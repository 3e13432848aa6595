/**
 * Span processor micro-benchmark: spans per second through `redaction` (defaults, i.e. every
 * built-in detector and SQL stripping) and `attributes` (a typical 5-action config), plus `filter`
 * and `probabilistic_sampler` for scale, on realistic spans (3 resources, 10–20 attributes of mixed
 * types per span, 1–2 events, some links; see test/unit/fixtures/sample-spans.ts).
 *
 *   node --import tsx bench/processors-bench.ts [--spans 20000] [--runs 5]
 *
 * Processors edit spans in place, so each run gets freshly built batches (built untimed); the
 * reported figure is the median run. "with PII" adds a db.statement with literals, an email, a URL
 * with a password and a card number in an event to every span, i.e. the masking path every time.
 */
import { parseArgs } from 'node:util';
import { createProcessor } from '../test/support/build-step.js';
import type { SpanProcessor } from '../src/collector/pipeline/span-processor.js';
import type { Span } from '../src/model/span.js';
import { realisticSpans } from '../test/unit/fixtures/sample-spans.js';

const { values: options } = parseArgs({
  options: { spans: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } },
});
const spanCount = Number(options.spans);
const runs = Number(options.runs);
const BATCH = 512;

function batches(withPii: boolean, seed: number): Span[][] {
  const out: Span[][] = [];
  for (let n = 0; n < spanCount; n += BATCH) {
    const spans = realisticSpans(Math.min(BATCH, spanCount - n), seed + n);
    if (withPii) {
      spans.forEach((span, i) => {
        span.attributes.push(
          {
            key: 'db.statement',
            value: `SELECT id, total FROM orders WHERE customer_id = ${i} AND email = 'user${i}@example.com' AND status IN ('paid', 'shipped')`,
          },
          { key: 'enduser.email', value: `user${i}@example.com` },
          { key: 'peer.url', value: `postgres://app:s3cret${i}@db-${i % 4}:5432/shop` },
        );
        span.events[0]?.attributes.push({ key: 'payment.card', value: '4111 1111 1111 1111' });
      });
    }
    out.push(spans);
  }
  return out;
}

function measure(label: string, make: () => SpanProcessor, withPii: boolean): void {
  const rates: number[] = [];
  let kept = 0;
  for (let run = 0; run <= runs; run++) {
    const input = batches(withPii, run * 7919);
    const processor = make();
    const start = process.hrtime.bigint();
    for (const batch of input) kept += processor.process(batch).length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run > 0) rates.push(spanCount / seconds); // run 0 warms the JIT up
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  const fmt = (rate: number) => `${(rate / 1000).toFixed(0)}k`;
  console.log(`${label.padEnd(48)} ${fmt(median).padStart(7)} spans/s  (min ${fmt(rates[0]!)}, max ${fmt(rates.at(-1)!)}; kept ${kept})`);
}

console.log(`node ${process.version}, ${spanCount} spans per run, batches of ${BATCH}, median of ${runs} runs`);
const redaction = () => createProcessor('redaction', {});
measure('redaction (defaults), realistic spans', redaction, false);
measure('redaction (defaults), with PII in every span', redaction, true);
measure(
  'redaction (allow-list of 8 keys)',
  () =>
    createProcessor('redaction', {
      allow_all_keys: false,
      allowed_keys: [
        'http.route',
        'http.method',
        'http.status_code',
        'db.system',
        'db.statement',
        'net.peer.name',
        'service.name',
        'exception.type',
      ],
    }),
  true,
);
measure(
  'attributes (5 actions, include by service)',
  () =>
    createProcessor('attributes', {
      include: { match_type: 'regexp', services: ['^(checkout|payments)$'] },
      actions: [
        { key: 'deployment.region', value: 'eu-west-1', action: 'insert' },
        { key: 'team', value: 'shop', action: 'upsert' },
        { key: 'enduser.id', action: 'hash' },
        { pattern: '^internal\\.', action: 'delete' },
        { key: 'http.status_code', converted_type: 'int', action: 'convert' },
      ],
    }),
  false,
);
measure(
  'attributes (1 upsert, all spans)',
  () => createProcessor('attributes', { actions: [{ key: 'team', value: 'shop', action: 'upsert' }] }),
  false,
);
measure(
  'filter (exclude health checks + short internal)',
  () => createProcessor('filter', { spans: { exclude: { span_names: ['GET /healthz'], span_kinds: ['INTERNAL'], max_duration: '1ms' } } }),
  false,
);
measure('probabilistic_sampler (10 %)', () => createProcessor('probabilistic_sampler', { sampling_percentage: 10 }), false);
