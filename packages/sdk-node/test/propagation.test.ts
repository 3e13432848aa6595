import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { createPropagator } from '../src/propagation.js';

const TRACE_ID = '463ac35c9f6413ad48485a3953bb6124';
const SPAN_ID = 'a2fb4a1d1a96d312';

function roundTrip(carrier: Record<string, string>, inject = createPropagator(['tracecontext', 'baggage'], true)) {
  const ctx = inject.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const out: Record<string, string> = {};
  inject.inject(ctx, out, defaultTextMapSetter);
  return { span: trace.getSpanContext(ctx), out };
}

test('extracts B3 multi and single header, injects W3C by default', () => {
  const multi = roundTrip({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' });
  assert.equal(multi.span?.traceId, TRACE_ID);
  assert.equal(multi.span?.spanId, SPAN_ID);
  assert.deepEqual(Object.keys(multi.out), ['traceparent']);
  assert.equal(multi.out['traceparent'], `00-${TRACE_ID}-${SPAN_ID}-01`);

  const single = roundTrip({ b3: `${TRACE_ID}-${SPAN_ID}-1` });
  assert.equal(single.span?.traceId, TRACE_ID);
});

test('W3C wins when a request carries both formats', () => {
  const other = '0af7651916cd43dd8448eb211c80319c';
  const { span } = roundTrip({ traceparent: `00-${other}-b7ad6b7169203331-01`, b3: `${TRACE_ID}-${SPAN_ID}-1` });
  assert.equal(span?.traceId, other);
});

test('inject formats are configurable, and extraction can be narrowed to them', () => {
  const b3 = createPropagator(['b3', 'b3multi'], true);
  const { out } = roundTrip({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, b3);
  assert.equal(out['b3'], `${TRACE_ID}-${SPAN_ID}-1`);
  assert.equal(out['x-b3-traceid'], TRACE_ID);

  const narrow = createPropagator(['tracecontext'], false);
  assert.equal(roundTrip({ b3: `${TRACE_ID}-${SPAN_ID}-1` }, narrow).span, undefined);
});
