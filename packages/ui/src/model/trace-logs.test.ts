import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeLog } from '../api/schemas';
import { logCountsByKey, traceTimeline } from './trace-logs';
import { traceHref, traceStateFromParams } from './trace-state';
import { buildTraceTree } from './trace-tree';

const tree = buildTraceTree(
  nativeTraceSchema.parse(JSON.parse(readFileSync(new URL('./fixtures/checkout-trace.json', import.meta.url), 'utf8'))),
);
const byName = (name: string) => [...tree.byKey.values()].find((node) => node.span?.name === name)!;

function log(spanId: string, logId: string): NativeLog {
  return {
    logId,
    timeUnixNano: (tree.startNano + 1n).toString(),
    observedTimeUnixNano: '0',
    severityNumber: 9,
    severityName: 'INFO',
    severityText: 'INFO',
    body: { stringValue: logId },
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: tree.traceId,
    spanId,
    eventName: '',
    serviceName: 'cart',
    resourceIndex: 0,
    scopeIndex: 0,
  } as NativeLog;
}

test('the Logs tab narrowed to one span, or to its subtree', () => {
  const reserve = byName('POST /cart/reserve');
  const select = byName('SELECT cart');
  const logs = [log(reserve.span!.spanId, 'on-reserve'), log(select.span!.spanId, 'on-select')];
  const logIds = (entries: ReturnType<typeof traceTimeline>) => entries.flatMap((entry) => (entry.kind === 'log' ? [entry.log.logId] : []));
  assert.deepEqual(logIds(traceTimeline(tree, logs, reserve.key, true)), ['on-reserve']);
  assert.deepEqual(logIds(traceTimeline(tree, logs, reserve.key)).sort(), ['on-reserve', 'on-select']);
  assert.deepEqual(logIds(traceTimeline(tree, logs)).length, 2);
});

test('counts from the API by row key; the scope round-trips through the URL', () => {
  const reserve = byName('POST /cart/reserve');
  const counts = logCountsByKey(tree, [
    { spanId: '', count: 4 },
    { spanId: reserve.span!.spanId, count: 1200 },
    { spanId: 'ffffffffffffffff', count: 1 },
  ]);
  assert.deepEqual([...counts], [[reserve.key, 1200]]);
  const href = traceHref(tree.traceId, { span: reserve.key, view: 'logs', raw: false, logs: 'span' });
  assert.match(href, /view=logs&logs=span$/);
  assert.deepEqual(traceStateFromParams(new URL(href, 'http://x').searchParams), {
    span: reserve.key,
    view: 'logs',
    raw: false,
    logs: 'span',
  });
  assert.equal(traceStateFromParams(new URLSearchParams('logs=bogus')).logs, undefined);
});
