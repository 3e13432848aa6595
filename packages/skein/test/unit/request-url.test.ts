import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestUrl } from '../../src/query/request-url.js';

test('a target starting with // is a path, not a host (the fuzz test found `//?end=…` unanswered)', () => {
  const url = requestUrl({ url: '//?end=%7B%22a%22%3A1%7D' });
  assert.equal(url.host, 'localhost');
  assert.equal(url.pathname, '//');
  assert.equal(url.searchParams.get('end'), '{"a":1}');
  assert.equal(requestUrl({ url: '//evil.example/api/v1/services' }).pathname, '//evil.example/api/v1/services');
});

test('ordinary, absolute-form and missing targets', () => {
  assert.equal(requestUrl({ url: '/api/v1/search?service=a' }).searchParams.get('service'), 'a');
  assert.equal(requestUrl({ url: 'http://other:9/api/v1/services?x=1' }).href, 'http://localhost/api/v1/services?x=1');
  assert.equal(requestUrl({}).pathname, '/');
  assert.equal(requestUrl({ url: '*' }).pathname, '/');
});
