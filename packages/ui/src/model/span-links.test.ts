import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import { incomingLinkIndex, linkTarget } from './span-links';
import { buildTraceTree } from './trace-tree';

function fixture(name: string): NativeTrace {
  return nativeTraceSchema.parse(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')));
}

test('incoming links: the spans of this trace that link to a span, with the link they use', () => {
  const tree = buildTraceTree(fixture('queue-trace.json'));
  const index = incomingLinkIndex(tree);
  const from = (spanId: string) => (index.get(spanId) ?? []).map(({ from, linkIndex }) => `${from.span!.name}#${linkIndex}`);
  // The batch consumer links to both publishes; the email links to the first as well.
  assert.deepEqual(from('1000000000000003'), ['consume orders (batch)#0', 'send email#0']);
  assert.deepEqual(from('1000000000000004'), ['consume orders (batch)#1']);
  assert.deepEqual(from('1000000000000001'), []);
  // A link into another trace is nobody's incoming link here.
  assert.equal(index.get('00000000000000ff'), undefined);
});

test('a link targets a span of this trace (selected in place) or opens the other trace at its span', () => {
  const tree = buildTraceTree(fixture('queue-trace.json'));
  const here = linkTarget(tree, { traceId: tree.traceId, spanId: '1000000000000003' });
  assert.equal(here.kind === 'this-trace' && here.node?.span?.name, 'publish order.created');
  const missing = linkTarget(tree, { traceId: tree.traceId, spanId: '00000000000000aa' });
  assert.deepEqual(missing, { kind: 'this-trace', node: undefined });
  assert.deepEqual(linkTarget(tree, { traceId: '00000000000000000000000000000abc', spanId: '00000000000000ff' }), {
    kind: 'other-trace',
    href: '/trace/00000000000000000000000000000abc?span=00000000000000ff',
  });
});
