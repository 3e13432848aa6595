import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateSpans } from '../../src/query/traceql/evaluator.js';
import { parseTraceQL } from '../../src/query/traceql/parser.js';
import { TraceView } from '../../src/query/traceql/trace-view.js';
import { CONFORMANCE_CASES } from './conformance-cases.js';
import { datasetSpans, TRACE_IDS, TRACE_NAMES, type TraceName } from './traceql-dataset.js';

// The evaluator alone, on every conformance case: each trace of the data set evaluated in memory.
const views = new Map<TraceName, TraceView>();
for (const name of TRACE_NAMES) {
  const spans = datasetSpans()
    .filter((s) => s.traceId === TRACE_IDS[name])
    .sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : a.spanId < b.spanId ? -1 : 1,
    );
  views.set(name, new TraceView(TRACE_IDS[name], spans));
}

for (const c of CONFORMANCE_CASES) {
  test(`evaluator: ${c.query.replace(/\s+/g, ' ')}`, () => {
    const query = parseTraceQL(c.query);
    const matched: TraceName[] = [];
    for (const name of TRACE_NAMES) {
      const spansets = evaluateSpans(query.spans, views.get(name)!);
      if (spansets.length === 0) continue;
      matched.push(name);
      const expectedSpans = c.spans?.[name];
      if (expectedSpans !== undefined) {
        const ids = [...new Set(spansets.flatMap((ss) => ss.spans.map((s) => s.spanId.slice(-3))))].sort();
        assert.deepEqual(ids, expectedSpans, `matched spans of ${name}`);
      }
      const expectedSpansets = c.spansets?.[name];
      if (expectedSpansets !== undefined) assert.equal(spansets.length, expectedSpansets, `spansets of ${name}`);
    }
    assert.deepEqual(matched, c.traces);
  });
}
