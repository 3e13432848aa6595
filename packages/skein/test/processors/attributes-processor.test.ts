import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { attributesConfigSchema, AttributesProcessor } from '../../src/collector/processors/attributes-processor.js';
import { knownTypes } from '../../src/cli/component-registry.js';
import { createProcessor } from '../support/build-step.js';
import type { AnyValue, KeyValue, Span } from '../../src/model/span.js';
import { makeResource, makeSpan } from '../support/span-factory.js';

function processor(config: unknown): AttributesProcessor {
  return new AttributesProcessor('attributes', attributesConfigSchema.parse(config));
}

function attrs(entries: Record<string, AnyValue>): KeyValue[] {
  return Object.entries(entries).map(([key, value]) => ({ key, value }));
}

function asObject(span: Span): Record<string, AnyValue> {
  return Object.fromEntries(span.attributes.map((kv) => [kv.key, kv.value]));
}

test('insert, update and upsert follow the Collector: insert only when absent, update only when present', () => {
  const p = processor({
    actions: [
      { key: 'a', value: 'inserted', action: 'insert' },
      { key: 'b', value: 'inserted', action: 'insert' },
      { key: 'c', value: 42, action: 'update' },
      { key: 'd', value: 1.5, action: 'update' },
      { key: 'e', value: true, action: 'upsert' },
      { key: 'f', value: ['x', 'y'], action: 'upsert' },
    ],
  });
  const span = makeSpan({ attributes: attrs({ a: 'original', c: 'old' }) });
  p.process([span]);
  assert.deepEqual(asObject(span), { a: 'original', c: 42n, b: 'inserted', e: true, f: ['x', 'y'] });
});

test('from_attribute copies a value with its type; nothing happens when the source is missing', () => {
  const p = processor({
    actions: [
      { key: 'copy', from_attribute: 'http.status_code', action: 'upsert' },
      { key: 'ghost', from_attribute: 'missing', action: 'insert' },
    ],
  });
  const span = makeSpan({ attributes: attrs({ 'http.status_code': 200n }) });
  p.process([span]);
  assert.deepEqual(asObject(span), { 'http.status_code': 200n, copy: 200n });
});

test('delete by key and by pattern; hash is the SHA-256 hex of the string form', () => {
  const p = processor({
    actions: [
      { key: 'secret', action: 'delete' },
      { pattern: '^internal\\.', action: 'delete' },
      { key: 'enduser.id', action: 'hash' },
      { pattern: '^user\\.', action: 'hash' },
    ],
  });
  const span = makeSpan({
    attributes: attrs({ secret: 'x', 'internal.a': 1n, 'internal.b': 'y', keep: 'z', 'enduser.id': 'alice', 'user.n': 7n }),
  });
  p.process([span]);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  assert.deepEqual(asObject(span), { keep: 'z', 'enduser.id': sha('alice'), 'user.n': sha('7') });
});

test('extract upserts the named groups of a regex as string attributes', () => {
  const p = processor({ actions: [{ key: 'http.url', pattern: '^https?://(?<host>[^/]+)/(?<api_version>v\\d+)/', action: 'extract' }] });
  const span = makeSpan({ attributes: attrs({ 'http.url': 'https://shop.example/v2/cart?id=1', host: 'old' }) });
  p.process([span]);
  assert.deepEqual(asObject(span), { 'http.url': 'https://shop.example/v2/cart?id=1', host: 'shop.example', api_version: 'v2' });
  const noMatch = makeSpan({ attributes: attrs({ 'http.url': 'ftp://x' }) });
  p.process([noMatch]);
  assert.deepEqual(asObject(noMatch), { 'http.url': 'ftp://x' });
});

test('convert to int, double, string and bool; unconvertible values stay as they were', () => {
  const p = processor({
    actions: [
      { key: 'i1', converted_type: 'int', action: 'convert' },
      { key: 'i2', converted_type: 'int', action: 'convert' },
      { key: 'i3', converted_type: 'int', action: 'convert' },
      { key: 'd1', converted_type: 'double', action: 'convert' },
      { key: 'd2', converted_type: 'double', action: 'convert' },
      { key: 's1', converted_type: 'string', action: 'convert' },
      { key: 'b1', converted_type: 'bool', action: 'convert' },
      { key: 'b2', converted_type: 'bool', action: 'convert' },
      { key: 'b3', converted_type: 'bool', action: 'convert' },
    ],
  });
  const span = makeSpan({
    attributes: attrs({ i1: '404', i2: 3.9, i3: 'abc', d1: '2.5', d2: 7n, s1: 12n, b1: 'true', b2: 0n, b3: 'maybe' }),
  });
  p.process([span]);
  assert.deepEqual(asObject(span), { i1: 404n, i2: 3n, i3: 'abc', d1: 2.5, d2: 7, s1: '12', b1: true, b2: false, b3: 'maybe' });
});

test('include/exclude select spans by service, span name, attributes (strict and regexp)', () => {
  const p = processor({
    include: { match_type: 'regexp', services: ['^check'], span_names: ['^GET '] },
    exclude: { match_type: 'strict', attributes: [{ key: 'skip', value: true }] },
    actions: [{ key: 'tagged', value: 'yes', action: 'insert' }],
  });
  const checkout = makeResource('checkout');
  const spans = [
    makeSpan({ name: 'GET /cart', resource: checkout }),
    makeSpan({ name: 'POST /cart', resource: checkout }),
    makeSpan({ name: 'GET /cart', resource: makeResource('cart') }),
    makeSpan({ name: 'GET /cart', resource: checkout, attributes: attrs({ skip: true }) }),
  ];
  p.process(spans);
  assert.deepEqual(
    spans.map((span) => asObject(span)['tagged'] ?? null),
    ['yes', null, null, null],
  );
});

test('attribute matching: key presence, numeric values match ints, and all listed attributes must match', () => {
  const p = processor({
    include: { attributes: [{ key: 'http.response.status_code', value: 500 }, { key: 'error.type' }] },
    actions: [{ key: 'tagged', value: 'yes', action: 'insert' }],
  });
  const spans = [
    makeSpan({ attributes: attrs({ 'http.response.status_code': 500n, 'error.type': 'x' }) }),
    makeSpan({ attributes: attrs({ 'http.response.status_code': 500n }) }),
    makeSpan({ attributes: attrs({ 'http.response.status_code': 200n, 'error.type': 'x' }) }),
  ];
  p.process(spans);
  assert.deepEqual(
    spans.map((span) => asObject(span)['tagged'] ?? null),
    ['yes', null, null],
  );
});

test('config errors name the bad key or action', () => {
  assert.throws(
    () => createProcessor('attributes/x', { actions: [{ key: 'a', action: 'insert' }] }),
    /processors\.attributes\/x\.actions\.0: insert: exactly one of value or from_attribute/,
  );
  assert.throws(() => createProcessor('attributes', { actions: [{ key: 'a', value: 1, action: 'insert', bogus: 1 }] }), /bogus/);
  assert.throws(() => createProcessor('attributes', { actions: [{ key: 'a', pattern: '(x)', action: 'extract' }] }), /named group/);
  assert.throws(() => createProcessor('attributes', { actions: [{ pattern: '(', action: 'delete' }] }), /not a valid regular expression/);
  assert.throws(() => createProcessor('attributes', { actions: [{ key: 'a', action: 'delete', value: 'x' }] }), /value not allowed/);
  assert.throws(() => createProcessor('attributes', { actions: [] }), /actions/);
  assert.throws(() => createProcessor('nope', {}), /unknown processor type "nope"/);
  assert.deepEqual(knownTypes('processor').sort(), [
    'attributes',
    'batch',
    'filter',
    'memory_limiter',
    'metrics_tap',
    'probabilistic_sampler',
    'redaction',
    'resource',
    'tail_sampling',
  ]);
});
