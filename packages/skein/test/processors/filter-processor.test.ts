import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessor } from '../support/build-step.js';
import type { Span } from '../../src/model/span.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';

function kept(config: unknown, spans: Span[]): string[] {
  return createProcessor('filter', config)
    .process(spans)
    .map((span) => span.name);
}

test('drops health checks by http.route', () => {
  const spans = [
    makeSpan({ name: 'health', attributes: [{ key: 'http.route', value: '/healthz' }] }),
    makeSpan({ name: 'cart', attributes: [{ key: 'http.route', value: '/api/cart' }] }),
    makeSpan({ name: 'none', attributes: [] }),
  ];
  assert.deepEqual(kept({ spans: { exclude: { match_type: 'strict', attributes: [{ key: 'http.route', value: '/healthz' }] } } }, spans), [
    'cart',
    'none',
  ]);
});

test('span names strict and regexp; include keeps only matches', () => {
  const spans = ['GET /a', 'GET /b', 'POST /a'].map((name) => makeSpan({ name }));
  assert.deepEqual(kept({ spans: { exclude: { span_names: ['GET /a'] } } }, spans), ['GET /b', 'POST /a']);
  assert.deepEqual(kept({ spans: { exclude: { match_type: 'regexp', span_names: ['^GET '] } } }, spans), ['POST /a']);
  assert.deepEqual(kept({ spans: { include: { match_type: 'regexp', span_names: ['/a$'] } } }, spans), ['GET /a', 'POST /a']);
  assert.deepEqual(
    kept({ spans: { include: { match_type: 'regexp', span_names: ['/a$'] }, exclude: { span_names: ['POST /a'] } } }, spans),
    ['GET /a'],
  );
});

test('kind, status code, service and library', () => {
  const spans = [
    makeSpan({ name: 'server', kind: 2 }),
    makeSpan({ name: 'client', kind: 3, status: { code: 2, message: 'boom' } }),
    makeSpan({ name: 'internal', kind: 1, resource: makeResource('batch-job'), scope: makeScope('@opentelemetry/instrumentation-fs') }),
  ];
  assert.deepEqual(kept({ spans: { exclude: { span_kinds: ['SPAN_KIND_INTERNAL'] } } }, spans), ['server', 'client']);
  assert.deepEqual(kept({ spans: { include: { span_kinds: ['server', 'Client'] } } }, spans), ['server', 'client']);
  assert.deepEqual(kept({ spans: { include: { status_codes: ['STATUS_CODE_ERROR'] } } }, spans), ['client']);
  assert.deepEqual(kept({ spans: { exclude: { services: ['batch-job'] } } }, spans), ['server', 'client']);
  assert.deepEqual(kept({ spans: { exclude: { match_type: 'regexp', libraries: [{ name: 'instrumentation-fs$' }] } } }, spans), [
    'server',
    'client',
  ]);
});

test('numeric comparisons on attributes, ints, doubles and numeric strings alike', () => {
  const spans = [
    makeSpan({ name: 'ok', attributes: [{ key: 'http.response.status_code', value: 200n }] }),
    makeSpan({ name: 'client-error', attributes: [{ key: 'http.response.status_code', value: 404 }] }),
    makeSpan({ name: 'server-error', attributes: [{ key: 'http.response.status_code', value: '503' }] }),
    makeSpan({ name: 'no-status', attributes: [] }),
  ];
  assert.deepEqual(kept({ spans: { include: { attributes: [{ key: 'http.response.status_code', gte: 400, lt: 500 }] } } }, spans), [
    'client-error',
  ]);
  assert.deepEqual(kept({ spans: { exclude: { attributes: [{ key: 'http.response.status_code', lt: 400 }] } } }, spans), [
    'client-error',
    'server-error',
    'no-status',
  ]);
});

test('resource attributes and regexp attribute values', () => {
  const spans = [
    makeSpan({ name: 'staging', resource: makeResource('a', [{ key: 'deployment.environment', value: 'staging-2' }]) }),
    makeSpan({ name: 'prod', resource: makeResource('a', [{ key: 'deployment.environment', value: 'production' }]) }),
  ];
  assert.deepEqual(
    kept({ spans: { exclude: { match_type: 'regexp', resources: [{ key: 'deployment.environment', value: '^staging' }] } } }, spans),
    ['prod'],
  );
});

test('duration bounds (inclusive) in Go duration syntax', () => {
  const start = 1_700_000_000_000_000_000n;
  const span = (name: string, nanos: bigint) => makeSpan({ name, startTimeUnixNano: start, endTimeUnixNano: start + nanos });
  const spans = [span('fast', 200_000n), span('edge', 1_000_000n), span('slow', 2_500_000_000n)];
  assert.deepEqual(kept({ spans: { exclude: { max_duration: '1ms' } } }, spans), ['slow']);
  assert.deepEqual(kept({ spans: { include: { min_duration: '1ms', max_duration: '1.5s' } } }, spans), ['edge']);
  assert.deepEqual(kept({ spans: { include: { min_duration: '2s500ms' } } }, spans), ['slow']);
});

test('counts drops; config errors', () => {
  const p = createProcessor('filter', { spans: { exclude: { span_names: ['x'] } } }) as unknown as {
    dropped: number;
    process(s: Span[]): Span[];
  };
  p.process([makeSpan({ name: 'x' }), makeSpan({ name: 'y' })]);
  assert.equal(p.dropped, 1);
  assert.throws(() => createProcessor('filter', { spans: {} }), /include or exclude/);
  assert.throws(() => createProcessor('filter', { spans: { exclude: { match_type: 'strict' } } }), /at least one matching criterion/);
  assert.throws(
    () => createProcessor('filter', { spans: { exclude: { match_type: 'regexp', span_names: ['('] } } }),
    /invalid regular expression/,
  );
  assert.throws(
    () => createProcessor('filter', { spans: { exclude: { min_duration: 'soon' } } }),
    /min_duration: expected a duration such as 500ms, 5s or 1m \(got "soon"\)/,
  );
  assert.throws(() => createProcessor('filter', { spans: { exclude: { span_kinds: ['SPAN_KIND_BOGUS'] } } }), /unknown span kind/);
  assert.throws(() => createProcessor('filter', { traces: {} }), /traces/);
});
