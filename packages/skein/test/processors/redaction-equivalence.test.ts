import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedactionProcessor, redactionConfigSchema, type RedactionConfig } from '../../src/collector/processors/redaction-processor.js';
import type { LogRecord } from '../../src/model/log-record.js';
import type { AnyValue, KeyValue, Resource, Span } from '../../src/model/span.js';
import { makeResource, makeSpan } from '../support/span-factory.js';
import { ReferenceRedactionProcessor } from './fixtures/redaction-reference.js';
import { seededRandom } from '../unit/fixtures/sample-spans.js';

/**
 * The fast path of `redaction` (issue 19 item 2: per-key rule bits, remembered verdicts for short
 * values, no tally for an untouched span) against the processor as it was before (a frozen copy):
 * random spans built from secret-looking and harmless fragments, under several configs, must come
 * out identical, attribute for attribute, summary for summary, with the same counters.
 */

/** A seeded generator, so a failure names a reproducible seed. */
const seeded = seededRandom;

const FRAGMENTS = [
  'GET',
  'main',
  '10.43.0.35',
  'user-1584',
  'ok',
  '',
  '****',
  '4111 1111 1111 1111',
  '4111111111111112',
  '5555-5555-5555-4444',
  'alice.smith+shop@example.co.uk',
  'ops@example.com',
  'Bearer eyJhbGciOi.JIUzI1NiJ9xyz',
  'Basic YWxhZGRpbjpvcGVuc2VzYW1l0',
  'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  'AKIAIOSFODNN7EXAMPLE',
  'postgres://app:s3cret@db-1:5432/shop',
  'https://example.com/path?q=1',
  'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000',
  "SELECT * FROM t WHERE id = 42 AND name = 'bob'",
  'INCR ratelimit:?',
  'cust-123456',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  '1730800000000000000',
  'v1.24.3-build.20241105123456',
];

const KEYS = [
  'http.request.method',
  'db.statement',
  'db.query.text',
  'http.request.header.authorization',
  'user.password',
  'app.api_key',
  'note',
  'enduser.id',
  'user.public_id',
  'url.full',
  'exception.message',
  'service.name',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomString(random: () => number): string {
  const parts = 1 + Math.floor(random() * 3);
  const words: string[] = [];
  for (let i = 0; i < parts; i++) words.push(pick(random, FRAGMENTS));
  // Some long values: past the verdict cache's length limit.
  if (random() < 0.1) words.push('x'.repeat(60));
  return words.join(pick(random, [' ', '', ' and ', '=']));
}

function randomValue(random: () => number, depth = 0): AnyValue {
  const r = random();
  if (r < 0.6) return randomString(random);
  if (r < 0.7) return BigInt(Math.floor(random() * 1000));
  if (r < 0.75) return random() < 0.5;
  if (r < 0.8) return null;
  if (r < 0.83) return new Uint8Array([1, 2, 3]);
  if (depth > 1) return randomString(random);
  if (r < 0.92) return [randomValue(random, depth + 1), randomValue(random, depth + 1)];
  return { kvlist: randomAttributes(random, 2, depth + 1) };
}

function randomAttributes(random: () => number, count: number, depth = 0): KeyValue[] {
  const out: KeyValue[] = [];
  for (let i = 0; i < count; i++) out.push({ key: pick(random, KEYS), value: randomValue(random, depth) });
  return out;
}

function randomBatch(random: () => number, size: number): Span[] {
  const resources: Resource[] = [0, 1, 2].map((i) =>
    makeResource(`svc-${i}`, [
      { key: 'host.name', value: randomString(random) },
      { key: 'db.statement', value: randomString(random) },
      ...randomAttributes(random, 2),
    ]),
  );
  const spans: Span[] = [];
  for (let i = 0; i < size; i++) {
    const span = makeSpan({
      name: random() < 0.2 ? randomString(random) : 'GET /api',
      attributes: randomAttributes(random, Math.floor(random() * 8)),
      resource: pick(random, resources),
    });
    if (random() < 0.3)
      span.events.push({ timeUnixNano: 1n, name: 'e', attributes: randomAttributes(random, 2), droppedAttributesCount: 0 });
    if (random() < 0.2) span.status = { code: 2, message: randomString(random) };
    spans.push(span);
  }
  return spans;
}

const CONFIGS: Record<string, Partial<RedactionConfig>> = {
  defaults: {},
  'allow-list, ignored keys, custom patterns, span names': {
    allow_all_keys: false,
    allowed_keys: ['note', 'db.statement', 'http.request.header.authorization', 'exception.message'],
    ignored_keys: ['user.public_id', 'enduser.id'],
    blocked_values: [String.raw`\bcust-\d{6}\b`],
    allowed_values: ['@example\\.com$'],
    blocked_key_patterns: ['\\.id$'],
    redact_span_names: true,
  },
  'summary info, no status messages, fewer detectors': {
    summary: 'info',
    redact_status_messages: false,
    builtin_patterns: ['emails', 'credit_cards'],
  },
  'summary silent': { summary: 'silent', sql_keys: [] },
};

for (const [name, overrides] of Object.entries(CONFIGS)) {
  test(`redaction fast path = the reference processor: ${name}`, () => {
    const config = redactionConfigSchema.parse(overrides);
    const fast = new RedactionProcessor('redaction', config);
    const reference = new ReferenceRedactionProcessor('redaction', config);
    for (let seed = 1; seed <= 40; seed++) {
      const batch = randomBatch(seeded(seed), 64);
      const expected = reference.process(structuredClone(batch));
      // Twice through the fast path: once filling its caches, once answering from them.
      for (const pass of ['cold', 'warm']) {
        assert.deepStrictEqual(fast.process(structuredClone(batch)), expected, `seed ${seed}, ${pass}`);
      }
      // The reference saw each batch once, the fast path twice.
      assert.equal(fast.masked, 2 * reference.masked, `seed ${seed}: masked`);
      assert.equal(fast.redacted, 2 * reference.redacted, `seed ${seed}: redacted`);
    }
  });
}

test('redaction fast path = the reference processor on log records', () => {
  const config = redactionConfigSchema.parse({});
  const fast = new RedactionProcessor('redaction', config);
  const reference = new ReferenceRedactionProcessor('redaction', config);
  for (let seed = 1; seed <= 20; seed++) {
    const random = seeded(seed);
    const logs = randomBatch(random, 32).map(
      (span) => ({ resource: span.resource, attributes: span.attributes, body: randomValue(random) }) as unknown as LogRecord,
    );
    assert.deepStrictEqual(fast.processLogs(structuredClone(logs)), reference.processLogs(structuredClone(logs)), `seed ${seed}`);
  }
});

test('redaction verdict cache: past its bound (many distinct values) the answers stay the same', () => {
  const config = redactionConfigSchema.parse({});
  const fast = new RedactionProcessor('redaction', config);
  const reference = new ReferenceRedactionProcessor('redaction', config);
  const values = Array.from({ length: 25_000 }, (_, i) => (i % 3 === 0 ? `user${i}@example.com` : `order-${i}`));
  const spans = values.map((value, i) => makeSpan({ attributes: [{ key: i % 2 ? 'note' : 'db.statement', value }] }));
  const expected = reference.process(structuredClone(spans));
  for (const pass of ['cold', 'warm']) assert.deepStrictEqual(fast.process(structuredClone(spans)), expected, pass);
});
