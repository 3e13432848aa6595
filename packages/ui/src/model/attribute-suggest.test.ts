import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttributeKey } from '../api/schemas';
import { matchRank, splitFilter, suggestKeys, suggestValues } from './attribute-suggest';

const keys: AttributeKey[] = [
  { key: 'http.route', scope: 'span', count: 900 },
  { key: 'service.name', scope: 'resource', count: 800 },
  { key: 'http.response.status_code', scope: 'span', count: 700 },
  { key: 'host.name', scope: 'resource', count: 600 },
  { key: 'url.path', scope: 'span', count: 500 },
  { key: 'host.name', scope: 'span', count: 5 },
  { key: 'db.statement', scope: 'span', count: 40 },
];

test('a filter splits at the first "=" (values may contain "=")', () => {
  assert.deepEqual(splitFilter(' http.route '), { key: 'http.route', value: undefined });
  assert.deepEqual(splitFilter('http.route=/a=b'), { key: 'http.route', value: '/a=b' });
  assert.deepEqual(splitFilter('k='), { key: 'k', value: '' });
});

test('match ranks: prefix, then word start, then any substring, case-insensitive', () => {
  assert.equal(matchRank('http.route', 'HTTP'), 0);
  assert.equal(matchRank('http.route', 'route'), 1);
  assert.equal(matchRank('url.path', 'at'), 2);
  assert.equal(matchRank('url.path', 'xyz'), undefined);
  // The first occurrence is mid-word, a later one starts a word.
  assert.equal(matchRank('statement.state', 'state'), 0);
  assert.equal(matchRank('xstate.state', 'state'), 1);
});

test('key suggestions: everything by frequency when nothing is typed; better matches first; one entry per key', () => {
  assert.deepEqual(
    suggestKeys(keys, '').map((s) => s.key),
    ['http.route', 'service.name', 'http.response.status_code', 'host.name', 'url.path', 'db.statement'],
  );
  assert.deepEqual(
    suggestKeys(keys, 'name').map((s) => s.key),
    ['service.name', 'host.name'],
  );
  assert.deepEqual(
    suggestKeys(keys, 'h').map((s) => s.key),
    ['http.route', 'http.response.status_code', 'host.name', 'url.path'],
  );
  const host = suggestKeys(keys, 'host')[0]!;
  assert.deepEqual(host, { key: 'host.name', scopes: ['resource', 'span'], count: 605 });
  assert.deepEqual(suggestKeys(keys, 'nothing-like-it'), []);
  assert.equal(suggestKeys(keys, '', [], 2).length, 2);
});

test('keys already used by another filter go last', () => {
  assert.deepEqual(
    suggestKeys(keys, 'http', ['http.route']).map((s) => s.key),
    ['http.response.status_code', 'http.route'],
  );
});

test('value suggestions filter by the typed text and vanish once a value is typed out', () => {
  const values = [
    { value: 'GET /cart', count: 45 },
    { value: 'POST /cart/reserve', count: 20 },
    { value: 'GET /checkout', count: 10 },
  ];
  assert.deepEqual(
    suggestValues(values, '').map((v) => v.value),
    ['GET /cart', 'POST /cart/reserve', 'GET /checkout'],
  );
  assert.deepEqual(
    suggestValues(values, 'cart').map((v) => v.value),
    ['GET /cart', 'POST /cart/reserve'],
  );
  assert.deepEqual(
    suggestValues(values, 'get').map((v) => v.value),
    ['GET /cart', 'GET /checkout'],
  );
  assert.deepEqual(suggestValues(values, 'GET /checkout'), []);
});
