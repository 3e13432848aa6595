import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeRange,
  durationMillis,
  EMPTY_FORM,
  formFromParams,
  localInputFromRfc3339,
  paramsFromForm,
  queryKey,
  rfc3339FromLocalInput,
  searchWindow,
} from './search-state';

test('an absolute range goes into the URL instead of the lookback, and back', () => {
  const form = { ...EMPTY_FORM, start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z', sort: 'longest' as const };
  const params = paramsFromForm(form);
  assert.equal(params.toString(), 'start=2026-11-23T10%3A00%3A00Z&end=2026-11-23T11%3A00%3A00Z&limit=20&sort=longest');
  assert.deepEqual(formFromParams(params), form);
  // `end` alone means nothing; an unknown sort falls back to the default.
  assert.deepEqual(formFromParams(new URLSearchParams('end=2026-11-23T11:00:00Z&sort=bogus')), EMPTY_FORM);
});

test('the sort order is not part of the query: changing it does not search again', () => {
  assert.equal(queryKey({ ...EMPTY_FORM, sort: 'most-errors' }), queryKey(EMPTY_FORM));
  assert.notEqual(queryKey({ ...EMPTY_FORM, service: 'cart' }), queryKey(EMPTY_FORM));
});

test('range descriptions and explicit windows for the autocompletion endpoints', () => {
  assert.equal(describeRange(EMPTY_FORM), 'in the last 1h');
  assert.equal(describeRange({ ...EMPTY_FORM, start: 'a' }), 'since a');
  assert.equal(describeRange({ ...EMPTY_FORM, start: 'a', end: 'b' }), 'between a and b');
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  assert.deepEqual(searchWindow({ ...EMPTY_FORM, lookback: '15m' }, now), {
    start: '2026-11-23T11:45:00.000Z',
    end: '2026-11-23T12:00:00.000Z',
  });
  assert.deepEqual(searchWindow({ ...EMPTY_FORM, start: '2026-11-23T10:00:00Z' }, now), {
    start: '2026-11-23T10:00:00Z',
    end: '2026-11-23T12:00:00.000Z',
  });
  assert.equal(durationMillis('7d'), 7 * 86400e3);
  assert.equal(durationMillis('1.5h'), 5400e3);
  assert.equal(durationMillis('soon'), undefined);
});

test('datetime-local input values convert to RFC 3339 and back in the local zone', () => {
  const rfc = rfc3339FromLocalInput('2026-11-23T11:05');
  assert.match(rfc, /^2026-11-2\dT\d\d:05:00Z$/);
  assert.equal(localInputFromRfc3339(rfc), '2026-11-23T11:05');
  assert.equal(rfc3339FromLocalInput(''), '');
  assert.equal(rfc3339FromLocalInput('nonsense'), '');
  assert.equal(localInputFromRfc3339('nonsense'), '');
});
