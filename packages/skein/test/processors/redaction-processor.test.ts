import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessor } from '../support/build-step.js';
import { ibanValid, looksLikeCard, luhnValid } from '../../src/collector/processors/redaction-detectors.js';
import { stripSqlLiterals } from '../../src/collector/processors/sql-literals.js';
import type { AnyValue, KeyValue, Span } from '../../src/model/span.js';
import { makeResource, makeSpan } from '../support/span-factory.js';

const defaults = () => createProcessor('redaction', {});

function attrs(entries: Record<string, AnyValue>): KeyValue[] {
  return Object.entries(entries).map(([key, value]) => ({ key, value }));
}

function asObject(attributes: readonly KeyValue[]): Record<string, AnyValue> {
  return Object.fromEntries(attributes.map((kv) => [kv.key, kv.value]));
}

/** The value after default redaction of one string attribute. */
function redact(value: string, key = 'note'): AnyValue | undefined {
  const span = makeSpan({ attributes: attrs({ [key]: value }) });
  defaults().process([span]);
  return asObject(span.attributes)[key];
}

test('card numbers: Luhn-valid issuer numbers with or without separators keep the last 4 digits', () => {
  assert.equal(redact('4111111111111111'), '****1111');
  assert.equal(redact('card 4111 1111 1111 1111 charged'), 'card ****1111 charged');
  assert.equal(redact('5555-5555-5555-4444'), '****4444');
  assert.equal(redact('amex 378282246310005.'), 'amex ****0005.');
  assert.equal(redact('2223003122003222'), '****3222');
});

test('card negatives: non-Luhn digits, order IDs, timestamps, version strings, mixed separators, decimals', () => {
  const untouched = [
    '4111111111111112', // fails Luhn
    'order 4000123412341235 shipped',
    'ORD-2024-11-05-000123',
    '1730800000000000000', // ns timestamp
    '1730800000000', // ms timestamp
    'v1.24.3-build.20241105123456',
    '4111-1111 1111-1111', // mixed separators
    '0.4111111111111111', // a double printed as text
    '41111111111111111111', // 20 digits
    '+1 415 555 0100 ext 12',
    '1234567812345670', // Luhn-valid but no card issuer starts with 1
  ];
  assert.equal(luhnValid('1234567812345670'), true);
  for (const value of untouched) assert.equal(redact(value), value, value);
  assert.equal(looksLikeCard('4000123412341235'), false);
});

test('emails, bearer tokens, API keys, URL passwords, IBANs', () => {
  assert.equal(redact('user alice.smith+shop@example.co.uk logged in'), 'user **** logged in');
  assert.equal(redact('Bearer eyJhbGciOi.JIUzI1NiJ9xyz'), 'Bearer ****');
  assert.equal(redact('Basic YWxhZGRpbjpvcGVuc2VzYW1l0'), 'Basic ****');
  assert.equal(redact('key=sk_live_4eC39HqLyjWDarjtT1zdp7dc'), 'key=****');
  assert.equal(redact(`token ghp_${'a1B2c3D4e5'.repeat(4)}`), 'token ****');
  assert.equal(redact('slack xoxb-123456789012-abcdefghij'), 'slack ****');
  assert.equal(redact('aws AKIAIOSFODNN7EXAMPLE used'), 'aws **** used');
  assert.equal(redact('postgres://app:s3cret@db:5432/shop'), 'postgres://app:****@db:5432/shop');
  assert.equal(redact('https://bob:hunter2@example.com/x'), 'https://bob:****@example.com/x');
  assert.equal(redact('pay to DE89370400440532013000 today'), 'pay to **** today');
  assert.equal(redact('IBAN DE89 3704 0044 0532 0130 00 EUR'), 'IBAN **** EUR');
  assert.equal(redact('GB82WEST12345698765432'), '****');
});

test('PII negatives: look-alikes stay', () => {
  const untouched = [
    'DE89370400440532013001', // IBAN checksum fails
    '@opentelemetry/api@1.9.0',
    'https://example.com:8443/path',
    'postgres://db:5432/shop',
    'user@localhost',
    'Bearer short',
    'sk_live_short',
    'GET /api/v2/users/12345',
    '2024-11-05T12:34:56.789Z',
    'abc12', // too short to look at
  ];
  for (const value of untouched) assert.equal(redact(value), value, value);
  assert.equal(ibanValid('DE89370400440532013000'), true);
});

test('secret-named keys are masked whole, including string arrays (semconv header values)', () => {
  const span = makeSpan({
    attributes: attrs({
      'http.request.header.authorization': ['Token abc'],
      'db.password': 'hunter2',
      'http.request.header.cookie': 'session=abc',
      'http.request.header.accept': ['text/html'],
      'gen_ai.usage.output_tokens': 42n,
    }),
  });
  defaults().process([span]);
  const out = asObject(span.attributes);
  assert.deepEqual(out['http.request.header.authorization'], ['****']);
  assert.equal(out['db.password'], '****');
  assert.equal(out['http.request.header.cookie'], '****');
  assert.deepEqual(out['http.request.header.accept'], ['text/html']);
  assert.equal(out['gen_ai.usage.output_tokens'], 42n);
});

test('events, links, nested values, status messages and resources; summary attributes on the span', () => {
  const resource = makeResource('shop', [{ key: 'owner.email', value: 'ops@example.com' }]);
  const pristine = structuredClone(resource);
  const other = makeSpan({ resource });
  const span = makeSpan({
    resource,
    attributes: attrs({ 'user.email': 'a@b.io', plain: 'nothing here', list: ['x', 'c@d.io'], map: { kvlist: attrs({ e: 'e@f.io' }) } }),
    events: [
      {
        timeUnixNano: 1n,
        name: 'exception',
        attributes: attrs({ 'exception.message': 'card 4111111111111111 declined' }),
        droppedAttributesCount: 0,
      },
    ],
    links: [
      {
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        traceState: '',
        flags: 0,
        attributes: attrs({ by: 'x@y.org' }),
        droppedAttributesCount: 0,
      },
    ],
    status: { code: 2, message: 'no user g@h.io' },
  });
  defaults().process([span]);
  const out = asObject(span.attributes);
  assert.equal(out['user.email'], '****');
  assert.deepEqual(out['list'], ['x', '****']);
  assert.deepEqual(out['map'], { kvlist: [{ key: 'e', value: '****' }] });
  assert.equal(span.events[0]!.attributes[0]!.value, 'card ****1111 declined');
  assert.equal(span.links[0]!.attributes[0]!.value, '****');
  assert.equal(span.status.message, 'no user ****');
  assert.equal(out['redaction.masked.count'], 6n);
  assert.deepEqual(out['redaction.masked.keys'], ['by', 'exception.message', 'list', 'map', 'status.message', 'user.email']);
  // Resource: copy-on-write with its own summary; the original and other spans keep theirs.
  assert.equal(asObject(span.resource.attributes)['owner.email'], '****');
  assert.equal(asObject(span.resource.attributes)['redaction.masked.count'], 1n);
  assert.deepEqual(resource, pristine);
  assert.equal(other.resource, resource);
  // Nothing masked: no summary, same objects.
  const clean = makeSpan({ attributes: attrs({ 'http.route': '/api/cart' }) });
  const before = clean.attributes[0];
  defaults().process([clean]);
  assert.equal(clean.attributes.length, 1);
  assert.equal(clean.attributes[0], before);
});

test('span names are left alone unless redact_span_names is set', () => {
  const span = () => makeSpan({ name: 'GET /users/bob@example.com' });
  const a = span();
  defaults().process([a]);
  assert.equal(a.name, 'GET /users/bob@example.com');
  const b = span();
  createProcessor('redaction', { redact_span_names: true }).process([b]);
  assert.equal(b.name, 'GET /users/****');
  assert.deepEqual(asObject(b.attributes)['redaction.masked.keys'], ['name']);
});

test('allow-list mode deletes unlisted keys (service.name survives), ignored keys are kept unmasked', () => {
  const p = createProcessor('redaction', { allow_all_keys: false, allowed_keys: ['http.route', 'note'], ignored_keys: ['debug.email'] });
  const span = makeSpan({
    resource: makeResource('shop', [{ key: 'host.name', value: 'n1' }]),
    attributes: attrs({ 'http.route': '/x', note: 'mail a@b.io', 'debug.email': 'c@d.io', 'user.id': 'u1', 'client.address': '1.2.3.4' }),
  });
  p.process([span]);
  assert.deepEqual(asObject(span.attributes), {
    'http.route': '/x',
    note: 'mail ****',
    'debug.email': 'c@d.io',
    'redaction.masked.count': 1n,
    'redaction.masked.keys': ['note'],
    'redaction.redacted.count': 2n,
    'redaction.redacted.keys': ['client.address', 'user.id'],
  });
  assert.deepEqual(
    span.resource.attributes.map((kv) => kv.key),
    ['service.name', 'redaction.redacted.count', 'redaction.redacted.keys'],
  );
});

test('custom blocked_values, allowed_values, blocked_key_patterns, builtin_patterns and summary levels', () => {
  const p = createProcessor('redaction', {
    blocked_values: ['\\bcust-\\d{6}\\b'],
    allowed_values: ['@example\\.com$'],
    blocked_key_patterns: ['\\.ssn$'],
    builtin_patterns: ['emails'],
    summary: 'info',
  });
  const span = makeSpan({
    attributes: attrs({
      a: 'customer cust-123456 and cust-12',
      b: 'ok@example.com',
      c: 'no@other.org',
      'user.ssn': '078-05-1120',
      d: '4111111111111111',
    }),
  });
  p.process([span]);
  const out = asObject(span.attributes);
  assert.equal(out['a'], 'customer **** and cust-12');
  assert.equal(out['b'], 'ok@example.com');
  assert.equal(out['c'], '****');
  assert.equal(out['user.ssn'], '****');
  assert.equal(out['d'], '4111111111111111', 'credit_cards switched off');
  assert.equal(out['redaction.masked.count'], 3n);
  assert.equal(out['redaction.masked.keys'], undefined, 'info: counts only');
  assert.throws(() => createProcessor('redaction', { blocked_values: ['('] }), /blocked_values\.0: not a valid regular expression/);
  assert.throws(() => createProcessor('redaction', { builtin_patterns: ['ssn'] }), /builtin_patterns/);
  assert.throws(() => createProcessor('redaction', { allowed_key: [] }), /allowed_key/);
});

test('SQL literal stripping', () => {
  const cases: Array<[string, string]> = [
    ["SELECT * FROM users WHERE email = 'bob@x.io' AND id = 42", 'SELECT * FROM users WHERE email = ? AND id = ?'],
    ["SELECT name FROM t1 WHERE note = 'it''s' OR note = 'a\\'b'", 'SELECT name FROM t1 WHERE note = ? OR note = ?'],
    ["SELECT * FROM orders WHERE id IN (1, 2, 3) AND status IN ('a','b')", 'SELECT * FROM orders WHERE id IN (?) AND status IN (?)'],
    ['UPDATE "table2" SET "col3" = -1.5e10, x = 0xFF WHERE `k9` = .5', 'UPDATE "table2" SET "col3" = -?, x = ? WHERE `k9` = ?'],
    ['SELECT $1, $2 FROM t WHERE a = ? AND b = :name AND c = @v', 'SELECT $1, $2 FROM t WHERE a = ? AND b = :name AND c = @v'],
    ["SELECT $$secret body$$, $tag$x 'y'$tag$, E'esc\\n', N'nat', X'0A'", 'SELECT ?, ?, ?, ?, ?'],
    [
      "SELECT 1 -- trailing 'comment' 5\nFROM t /* it's 7 */ WHERE x = 'unterminated",
      "SELECT ? -- trailing 'comment' 5\nFROM t /* it's 7 */ WHERE x = ?",
    ],
    ["INSERT INTO log2 (a, b) VALUES (10, 'x'), (11, 'y')", 'INSERT INTO log2 (a, b) VALUES (?, ?), (?, ?)'],
  ];
  for (const [sql, expected] of cases) assert.equal(stripSqlLiterals(sql), expected, sql);
  const span = makeSpan({
    attributes: attrs({
      'db.statement': "SELECT * FROM u WHERE card = '4111111111111111'",
      'db.query.text': 'SELECT 1 FROM t',
      'db.operation': 'SELECT',
    }),
  });
  defaults().process([span]);
  assert.deepEqual(asObject(span.attributes), {
    'db.statement': 'SELECT * FROM u WHERE card = ?',
    'db.query.text': 'SELECT ? FROM t',
    'db.operation': 'SELECT',
    'redaction.masked.count': 2n,
    'redaction.masked.keys': ['db.query.text', 'db.statement'],
  });
});

test('the same resource is redacted once per batch and its spans keep sharing it', () => {
  const resource = makeResource('shop', [{ key: 'contact', value: 'x@y.io' }]);
  const spans: Span[] = [makeSpan({ resource }), makeSpan({ resource })];
  defaults().process(spans);
  assert.equal(spans[0]!.resource, spans[1]!.resource);
  assert.notEqual(spans[0]!.resource, resource);
});

// No timing assert (BENCHMARKS.md holds speed): a regex that backtracks super-linearly on 200,000 characters runs
// for minutes or more, so the test's own timeout is what catches one.
test('long hostile values take linear time', { timeout: 60_000 }, () => {
  const values = [
    'a'.repeat(200_000) + '@',
    'x'.repeat(200_000) + '://',
    '1'.repeat(200_000),
    'AB12'.repeat(50_000),
    'Bearer ' + 'a'.repeat(200_000),
  ];
  const span = makeSpan({ attributes: values.map((value, i) => ({ key: `k${i}`, value })) });
  const [redacted] = defaults().process([span]);
  assert.equal(redacted?.attributes.length, values.length);
  assert.equal(stripSqlLiterals("'".repeat(100_001)).length < 10, true);
});
