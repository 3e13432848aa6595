import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCondition, conditionFor, exploreStateOf, exploreUrl, rankingParams } from './explore-state';

test('the URL round-trips the explore state', () => {
  const url = '/explore?q=%7B+name+%3D+%22x%22+%7D&lookback=6h&by=span.db.instance&selStart=10&selEnd=20&selMin=5&selErrors=1';
  const state = exploreStateOf(new URL(url, 'http://h').searchParams);
  assert.equal(state.q, '{ name = "x" }');
  assert.equal(state.by, 'span.db.instance');
  assert.deepEqual(state.selection, { start: '10', end: '20', minNano: '5', errors: true });
  assert.equal(exploreUrl(state), url);
  assert.equal(
    rankingParams(state)?.toString(),
    'q=%7B+name+%3D+%22x%22+%7D&lookback=6h&selectionStart=10&selectionEnd=20&selectionMinDuration=5ns&selectionStatus=error',
  );
  assert.equal(rankingParams(exploreStateOf(new URLSearchParams('lookback=1h'))), undefined);
});

test('click-to-add-filter writes TraceQL conditions', () => {
  assert.equal(conditionFor('span.db.instance', 'replica-3'), 'span.db.instance = "replica-3"');
  assert.equal(conditionFor('resource.host.name', '(missing)', 'missing'), 'resource.host.name = nil');
  assert.equal(conditionFor('span.bytes', '[64, 128)', 'range'), 'span.bytes >= 64 && span.bytes < 128');
  assert.equal(conditionFor('span.delta', '-[2, 4)', 'range'), 'span.delta > -4 && span.delta <= -2');
  assert.equal(conditionFor('status', '2'), 'status = error');
  assert.equal(conditionFor('kind', '3'), 'kind = client');
  assert.equal(conditionFor('span.http.status_code', '500'), 'span.http.status_code = 500');
  assert.equal(conditionFor('span.a b', 'x"y'), 'span."a b" = "x\\"y"');
  assert.equal(conditionFor('service', 'cart'), 'resource.service.name = "cart"');
  assert.equal(conditionFor('span.x', '(other)', 'other'), undefined);
  assert.equal(addCondition('', 'name = "a"'), '{ name = "a" }');
  assert.equal(addCondition('{ }', 'name = "a"'), '{ name = "a" }');
  assert.equal(addCondition('{ kind = server }', 'name = "a"'), '{ kind = server && name = "a" }');
});
