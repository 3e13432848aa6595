import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import { parseSpanQuery, searchSpans, stepMatch, withAncestors } from './span-search';
import { buildTraceTree, displayOrder, visibleRows, type TraceTree } from './trace-tree';

function fixture(name: string): NativeTrace {
  return nativeTraceSchema.parse(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')));
}

const trace = fixture('queue-trace.json');
const tree = buildTraceTree(trace);
const names = (t: TraceTree, keys: Iterable<string>): string[] => [...keys].map((key) => t.byKey.get(key)!.span!.name);
const find = (query: string): string[] => names(tree, searchSpans(tree, query, trace.resources).keys);

test('queries split into key=value and text terms', () => {
  assert.deepEqual(parseSpanQuery('  db.system=redis  Send '), [
    { kind: 'attribute', key: 'db.system', value: 'redis' },
    { kind: 'text', text: 'send' },
  ]);
  assert.deepEqual(parseSpanQuery('http.route='), [{ kind: 'attribute', key: 'http.route', value: undefined }]);
  assert.deepEqual(parseSpanQuery('=x'), [{ kind: 'text', text: '=x' }]);
  assert.deepEqual(parseSpanQuery('   '), []);
});

test('spans match by name or service (any case), span ID or prefix, attribute or resource attribute; all terms at once', () => {
  assert.deepEqual(find('publish'), ['publish order.created', 'publish order.audit']);
  assert.deepEqual(find('RENDER'), ['Render template']);
  assert.deepEqual(find('mailer'), ['consume orders (batch)', 'send email', 'Render template']);
  assert.deepEqual(find('2000000000000002'), ['send email']);
  assert.deepEqual(find('2000'), ['consume orders (batch)', 'send email', 'Render template']);
  // Typed values compare as the API prints them: ints in decimal, booleans, doubles as JS prints them.
  assert.deepEqual(find('db.system=redis'), ['send email']);
  assert.deepEqual(find('db.rows=1'), ['INSERT orders']);
  assert.deepEqual(find('messaging.batch=true'), ['consume orders (batch)']);
  assert.deepEqual(find('retry.ratio=0.5'), ['consume orders (batch)']);
  assert.deepEqual(find('http.route='), ['POST /orders']);
  // Resource attributes count for the span (as in the search API).
  assert.deepEqual(find('host.name=orders-1 kafka'), []);
  assert.deepEqual(find('host.name=orders-1 publish'), ['publish order.created', 'publish order.audit']);
  assert.deepEqual(find('deployment.environment=prod send'), ['send email']);
  assert.deepEqual(find('db.system=mysql'), []);
  assert.deepEqual(find(''), []);
});

test('filter mode keeps the matches with their ancestors, in tree order', () => {
  const matches = searchSpans(tree, 'db.system=redis', trace.resources);
  const keep = withAncestors(tree, matches.keys);
  assert.deepEqual(
    names(
      tree,
      visibleRows(tree, new Set(), keep).map((node) => node.key),
    ),
    ['POST /orders', 'consume orders (batch)', 'send email'],
  );
  // Collapsing is ignored while filtering: every match stays visible.
  assert.equal(visibleRows(tree, new Set(['1000000000000001']), keep).length, 3);
  assert.equal(visibleRows(tree, new Set(), withAncestors(tree, [])).length, 0);
});

test('next and previous go through the matches in display order and wrap around', () => {
  const order = displayOrder(tree);
  const { keys } = searchSpans(tree, 'mailer', trace.resources);
  assert.equal(stepMatch(keys, order, undefined, 1), '2000000000000001');
  assert.equal(stepMatch(keys, order, undefined, -1), '2000000000000003');
  assert.equal(stepMatch(keys, order, '2000000000000001', 1), '2000000000000002');
  assert.equal(stepMatch(keys, order, '2000000000000003', 1), '2000000000000001');
  assert.equal(stepMatch(keys, order, '2000000000000001', -1), '2000000000000003');
  // From a selection that is no match: the next one after it, the previous one before it.
  assert.equal(stepMatch(keys, order, '1000000000000004', 1), '2000000000000001');
  assert.equal(stepMatch(keys, order, '1000000000000004', -1), '2000000000000003');
  assert.equal(stepMatch([], order, undefined, 1), undefined);
});
