import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_TENANT } from '../../src/model/tenant.js';
import { executeTraceQLSearch } from '../../src/query/traceql/search.js';
import { TraceQLParseError, TraceQLUnsupportedError } from '../../src/query/traceql/errors.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { CONFORMANCE_CASES } from './conformance-cases.js';
import { makeResource, makeScope, makeSpan } from '../support/span-factory.js';
import { BASE_NANO, datasetSpans, TRACE_IDS, traceNameOf } from './traceql-dataset.js';

const MINUTE = 60_000_000_000n;
const WINDOW = { startNano: BASE_NANO - 10n * MINUTE, endNano: BASE_NANO + 10n * MINUTE };

/**
 * The TraceQL engine end to end on one storage engine: the SQL prefilter (which must never drop a
 * matching trace) plus the per-trace evaluation, on the conformance data set, plus limit, spss,
 * time range, result shape, tenancy and errors.
 */
export function runTraceQLSearchContract(engineName: string, openStore: () => Promise<TraceStore>): void {
  let store: TraceStore | undefined;
  const reader = () => {
    if (store === undefined) throw new Error('store not open');
    return store.forTenant(DEFAULT_TENANT);
  };
  before(async () => {
    store = await openStore();
    await store.writeSpans(datasetSpans());
  });
  after(async () => {
    await store?.close();
  });

  test(`${engineName}: TraceQL conformance cases (${CONFORMANCE_CASES.length})`, async () => {
    for (const c of CONFORMANCE_CASES) {
      const result = await executeTraceQLSearch(reader(), c.query, { ...WINDOW, limit: 100, spss: 100 });
      const names = result.traces.map((t) => traceNameOf(t.traceID));
      assert.deepEqual(names, c.traces, c.query);
      for (const trace of result.traces) {
        const expected = c.spans?.[traceNameOf(trace.traceID)];
        if (expected === undefined) continue;
        const ids = [...new Set(trace.spanSets.flatMap((ss) => ss.spans.map((s) => s.spanID.slice(-3))))].sort();
        assert.deepEqual(ids, expected, `${c.query}: spans of ${traceNameOf(trace.traceID)}`);
      }
    }
  });

  test(`${engineName}: TraceQL results carry Tempo's fields, matched counts and selected attributes`, async () => {
    const result = await executeTraceQLSearch(reader(), '{ span.http.status_code = 200 } | select(resource.service.name)', {
      ...WINDOW,
      spss: 1,
    });
    const ok = result.traces[0]!;
    assert.equal(ok.traceID, TRACE_IDS['checkout-ok']);
    assert.equal(ok.rootServiceName, 'frontend');
    assert.equal(ok.rootTraceName, 'POST /api/orders');
    assert.equal(ok.startTimeUnixNano, BASE_NANO);
    assert.equal(ok.durationMs, 40);
    assert.deepEqual(ok.serviceStats, {
      frontend: { spanCount: 1, errorCount: 0 },
      cart: { spanCount: 1, errorCount: 0 },
      'cart-db': { spanCount: 1, errorCount: 0 },
    });
    assert.equal(ok.spanSets.length, 1);
    assert.equal(ok.spanSets[0]!.matched, 2);
    assert.deepEqual(ok.spanSets[0]!.spans, [
      {
        spanID: '0000000000000101',
        name: 'POST /api/orders',
        startTimeUnixNano: BASE_NANO,
        durationNanos: 40_000_000n,
        attributes: [
          { key: 'http.status_code', value: 200n },
          { key: 'service.name', value: 'frontend' },
        ],
      },
    ]);
    const orphan = await executeTraceQLSearch(reader(), '{ kind = consumer && status = unset }', WINDOW);
    assert.equal(orphan.traces[0]!.rootServiceName, '<root span not yet received>');
    assert.deepEqual(orphan.traces[0]!.spanSets[0]!.spans[0]!.attributes, [
      { key: 'kind', value: 'consumer' },
      { key: 'status', value: 'unset' },
    ]);
  });

  test(`${engineName}: TraceQL by() spansets carry their group value`, async () => {
    const result = await executeTraceQLSearch(reader(), '{ } | by(resource.service.name) | count() > 1', WINDOW);
    const staging = result.traces.find((t) => t.traceID === TRACE_IDS['staging-products'])!;
    assert.deepEqual(
      staging.spanSets.map((ss) => [ss.attributes, ss.matched]),
      [
        [[{ key: 'by(resource.service.name)', value: 'frontend' }], 2],
        [[{ key: 'by(resource.service.name)', value: 'productcatalogservice' }], 2],
      ],
    );
  });

  test(`${engineName}: TraceQL limit, spss and time range behave as in Tempo`, async () => {
    const two = await executeTraceQLSearch(reader(), '{ }', { ...WINDOW, limit: 2 });
    assert.deepEqual(
      two.traces.map((t) => traceNameOf(t.traceID)),
      ['checkout-ok', 'checkout-error'],
    );
    const batch = await executeTraceQLSearch(reader(), '{ resource.service.name = "batch" }', { ...WINDOW, spss: 2 });
    assert.equal(batch.traces[0]!.spanSets[0]!.spans.length, 2);
    assert.equal(batch.traces[0]!.spanSets[0]!.matched, 13);
    const defaultSpss = await executeTraceQLSearch(reader(), '{ resource.service.name = "batch" }', WINDOW);
    assert.equal(defaultSpss.traces[0]!.spanSets[0]!.spans.length, 3);
    // Only slow-batch starts in its minute (3 minutes before BASE_NANO).
    const window = await executeTraceQLSearch(reader(), '{ }', {
      startNano: BASE_NANO - 3n * MINUTE,
      endNano: BASE_NANO - 3n * MINUTE + 59_000_000_000n,
    });
    assert.deepEqual(
      window.traces.map((t) => traceNameOf(t.traceID)),
      ['slow-batch'],
    );
    const empty = await executeTraceQLSearch(reader(), '{ }', { startNano: WINDOW.endNano, endNano: WINDOW.startNano });
    assert.deepEqual(empty.traces, []);
    // Candidates read in small batches still find every trace, newest first.
    const batched = await executeTraceQLSearch(reader(), '{ }', { ...WINDOW, batchTraces: 2, limit: 5 });
    assert.equal(batched.traces.length, 5);
    const capped = await executeTraceQLSearch(reader(), '{ }', { ...WINDOW, maxCandidates: 3 });
    assert.equal(capped.traces.length, 3);
    assert.equal(capped.metrics.candidatesCapped, true);
  });

  test(`${engineName}: TraceQL prefilters candidates in SQL where the query allows it`, async () => {
    const candidates = async (q: string) => (await executeTraceQLSearch(reader(), q, WINDOW)).metrics.candidateTraces;
    assert.equal(await candidates('{ name = "charge" }'), 1);
    assert.equal(await candidates('{ resource.service.name = "frontend" } >> { status = error }'), 1);
    // no-root's string "200" reads as a number in SQL: a candidate that evaluation then drops.
    assert.equal(await candidates('{ span.http.status_code >= 200 && span.http.status_code < 300 }'), 3);
    assert.equal(await candidates('{ resource.cloud.region = "us-east-1" } || { resource.cloud.region = "us-west-1" }'), 3);
    assert.equal(await candidates('{ span.foo = "bar" }'), 1);
    assert.equal(await candidates('{ kind = server && duration >= 30ms }'), 3);
    assert.equal(await candidates('{ kind = server && duration > 30ms }'), 2);
    // A negated structural operator needs only its right side; a pipeline every filter stage.
    assert.equal(await candidates('{ name = "nothing such" } !> { status = error }'), 1);
    assert.equal(await candidates('{ kind = server } | by(resource.service.name) | { status = error }'), 1);
    assert.equal(await candidates('{ .deployment.environment = "staging" }'), 1);
    // Trace-level intrinsics are evaluated per trace: every trace is a candidate.
    assert.equal(await candidates('{ trace:duration > 5s }'), 5);
  });

  test(`${engineName}: a search over a long window stops at limit, newest first, across time slices`, async () => {
    // Four traces hours before the conformance window, named by age: a sliced search (15 min, then
    // doubling) must find all, newest first, and a structural query whose two spans straddle a
    // slice boundary (which is not sliced) must still find its trace.
    const HOUR = 60n * MINUTE;
    const end = BASE_NANO - HOUR;
    const ageMinutes = [16n, 46n, 200n, 1300n];
    const resource = makeResource('sliced', []);
    const spans = ageMinutes.flatMap((age, i) => {
      const traceId = `5111ced0000000000000000000000${String(i).padStart(3, '0')}`;
      const start = end - age * MINUTE;
      const child = (id: string, offsetMinutes: bigint, name: string) =>
        makeSpan({
          traceId,
          spanId: id,
          parentSpanId: `${traceId.slice(-3)}0000000000001`,
          name,
          kind: 1,
          startTimeUnixNano: start + offsetMinutes * MINUTE,
          endTimeUnixNano: start + offsetMinutes * MINUTE + 1_000_000n,
          attributes: [],
          status: { code: 0, message: '' },
          events: [],
          links: [],
          resource,
          scope: makeScope('skein-test'),
        });
      return [
        makeSpan({
          traceId,
          spanId: `${traceId.slice(-3)}0000000000001`,
          parentSpanId: '',
          name: 'sliced-root',
          kind: 2,
          startTimeUnixNano: start,
          endTimeUnixNano: start + 4n * MINUTE,
          attributes: [],
          status: { code: 0, message: '' },
          events: [],
          links: [],
          resource,
          scope: makeScope('skein-test'),
        }),
        // 3 min after the root: for the two newest traces (16 and 46 min old) root and child lie
        // in different slices (boundaries at 15 and 45 min before the end).
        child(`${traceId.slice(-3)}0000000000002`, 3n, 'sliced-child'),
      ];
    });
    await store!.writeSpans(spans);
    const window = { startNano: end - 24n * HOUR, endNano: end };
    const names = (r: Awaited<ReturnType<typeof executeTraceQLSearch>>) => r.traces.map((t) => t.traceID.slice(-3));
    const all = await executeTraceQLSearch(reader(), '{ name = "sliced-root" }', { ...window, limit: 10 });
    assert.deepEqual(names(all), ['000', '001', '002', '003']);
    const two = await executeTraceQLSearch(reader(), '{ name = "sliced-root" }', { ...window, limit: 2 });
    assert.deepEqual(names(two), ['000', '001']);
    assert.ok(two.metrics.candidateTraces <= 2, 'older slices are not scanned once limit traces matched');
    const structural = await executeTraceQLSearch(reader(), '{ name = "sliced-root" } > { name = "sliced-child" }', {
      ...window,
      limit: 10,
    });
    assert.deepEqual(names(structural), ['000', '001', '002', '003']);
    const either = await executeTraceQLSearch(reader(), '{ name = "sliced-child" } || { name = "nothing" }', { ...window, limit: 10 });
    assert.deepEqual(names(either), ['000', '001', '002', '003']);
  });

  test(`${engineName}: TraceQL reads only the reader's tenant`, async () => {
    const other = await executeTraceQLSearch(store!.forTenant('someone-else' as typeof DEFAULT_TENANT), '{ }', WINDOW);
    assert.deepEqual(other.traces, []);
  });

  test(`${engineName}: TraceQL errors are typed, with positions`, async () => {
    await assert.rejects(
      executeTraceQLSearch(reader(), '{ span.x = }', WINDOW),
      (e: unknown) => e instanceof TraceQLParseError && e.position.column === 12,
    );
    await assert.rejects(
      executeTraceQLSearch(reader(), '{ } | rate() by (resource.service.name)', WINDOW),
      (e: unknown) => e instanceof TraceQLUnsupportedError && /rate/.test(e.message),
    );
    // Values that would break out of a SQL literal are bound, not spliced.
    const quoted = await executeTraceQLSearch(reader(), String.raw`{ name = "x' OR 1=1 --\\" || span.a =~ "'\\\\" }`, WINDOW);
    assert.deepEqual(quoted.traces, []);
  });
}
