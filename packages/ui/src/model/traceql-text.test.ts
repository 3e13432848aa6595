import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_FORM, formFromParams, paramsFromForm, traceqlFromForm } from './search-state';
import { completionContext, tokenize } from './traceql-text';

test('tokens cover every character and name what they are', () => {
  const query = '{ resource.service.name = "a b" && duration > 1.5s && status = error } | rate() by (span."x y")';
  const tokens = tokenize(query);
  assert.equal(tokens.map((t) => t.text).join(''), query);
  const kinds = Object.fromEntries(tokens.filter((t) => t.kind !== 'space').map((t) => [t.text, t.kind]));
  assert.equal(kinds['resource.service.name'], 'attribute');
  assert.equal(kinds['"a b"'], 'string');
  assert.equal(kinds['duration'], 'intrinsic');
  assert.equal(kinds['1.5s'], 'duration');
  assert.equal(kinds['error'], 'keyword');
  assert.equal(kinds['rate'], 'function');
  assert.equal(kinds['&&'], 'operator');
  assert.equal(kinds['span."x y"'], 'attribute');
});

test('the completion context at the cursor', () => {
  assert.deepEqual(completionContext('{ ', 2), { kind: 'field', prefix: '', from: 2 });
  assert.deepEqual(completionContext('{ resource.se', 13), { kind: 'field', prefix: 'se', from: 11, scope: 'resource' });
  assert.deepEqual(completionContext('{ .ht', 5), { kind: 'field', prefix: 'ht', from: 3, scope: 'none' });
  assert.deepEqual(completionContext('{ span.http.method = "GE', 24), {
    kind: 'value',
    tag: 'span.http.method',
    prefix: 'GE',
    from: 22,
    quoted: true,
  });
  assert.deepEqual(completionContext('{ status != ', 12), { kind: 'value', tag: 'status', prefix: '', from: 12, quoted: false });
  assert.deepEqual(completionContext('{ } | ra', 8), { kind: 'function', prefix: 'ra', from: 6 });
  assert.deepEqual(completionContext('{ a = 1 } ', 10), { kind: 'none' });
});

test('the form as one TraceQL spanset filter, and q in the URL', () => {
  const form = {
    ...EMPTY_FORM,
    service: 'checkout',
    spanName: 'POST /pay',
    attrs: ['http.route=/a', 'odd key=x"y'],
    minDuration: '100ms',
    errorsOnly: true,
  };
  assert.equal(
    traceqlFromForm(form),
    '{ resource.service.name = "checkout" && name = "POST /pay" && .http.route = "/a" && ."odd key" = "x\\"y" && duration >= 100ms && status = error }',
  );
  assert.equal(traceqlFromForm(EMPTY_FORM), '{ }');
  const withQuery = { ...EMPTY_FORM, q: '{ } | rate()' };
  assert.deepEqual(formFromParams(paramsFromForm(withQuery)), withQuery);
});
