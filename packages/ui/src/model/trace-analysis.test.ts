import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { nativeTraceSchema, type NativeTrace } from '../api/schemas';
import { buildTraceViews, hostKey, skewFor } from './clock-skew';
import { bottleneckHint, criticalPath, criticalTime, formatMillis, swallowedSpans } from './critical-path';
import { sortedSpans, traceStatistics } from './trace-stats';
import { buildTraceTree, type TraceTree } from './trace-tree';

const MS = 1_000_000;

function fixture(name: string): NativeTrace {
  return nativeTraceSchema.parse(JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')));
}

function byName(tree: TraceTree, name: string) {
  const node = [...tree.byKey.values()].find((candidate) => candidate.span?.name === name);
  assert.ok(node, name);
  return node;
}

/** name → [start, end] in ms from the trace start. */
function times(tree: TraceTree): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const node of tree.byKey.values()) {
    if (node.span) out[node.span.name] = [node.startOffsetNano / MS, (node.startOffsetNano + node.durationNano) / MS];
  }
  return out;
}

test('the host of a span: host.name, else service.instance.id, else the service', () => {
  const trace = fixture('skewed-trace.json');
  const host = (name: string): string =>
    hostKey(
      trace.spans.find((span) => span.name === name)!,
      trace.resources,
    );
  assert.equal(host('GET /nearby'), 'host:fe-1');
  assert.equal(host('render'), 'instance:r-1');
  const checkout = fixture('checkout-trace.json');
  assert.equal(hostKey(checkout.spans[0]!, checkout.resources), `service:${checkout.spans[0]!.serviceName}`);
});

test('skew of one child: smallest shift into the parent, CLIENT→SERVER centred, longer children only aligned at the start', () => {
  const parent = { start: 100 * MS, duration: 100 * MS, kind: 'INTERNAL' };
  assert.equal(skewFor({ start: 120 * MS, duration: 50 * MS, kind: 'INTERNAL' }, parent), 0);
  assert.equal(skewFor({ start: 80 * MS, duration: 50 * MS, kind: 'INTERNAL' }, parent), 20 * MS);
  assert.equal(skewFor({ start: 170 * MS, duration: 50 * MS, kind: 'INTERNAL' }, parent), -20 * MS);
  assert.equal(skewFor({ start: 80 * MS, duration: 150 * MS, kind: 'INTERNAL' }, parent), 20 * MS);
  assert.equal(skewFor({ start: 120 * MS, duration: 150 * MS, kind: 'INTERNAL' }, parent), 0);
  // Client 100–200, server of 60 → centred at 120–180, whichever side it was off.
  const client = { start: 100 * MS, duration: 100 * MS, kind: 'CLIENT' };
  assert.equal(skewFor({ start: 0, duration: 60 * MS, kind: 'SERVER' }, client), 120 * MS);
  assert.equal(skewFor({ start: 190 * MS, duration: 60 * MS, kind: 'SERVER' }, client), -70 * MS);
  // Sticking out by up to the tolerance (1 ms) is jitter, not skew: left where it is.
  assert.equal(skewFor({ start: 99.5 * MS, duration: 50 * MS, kind: 'INTERNAL' }, parent), 0);
  assert.equal(skewFor({ start: 150.8 * MS, duration: 50 * MS, kind: 'SERVER' }, client), 0);
  assert.equal(skewFor({ start: 99.5 * MS, duration: 150 * MS, kind: 'INTERNAL' }, parent), 0);
  // A fitting server span is left where it is.
  assert.equal(skewFor({ start: 101 * MS, duration: 60 * MS, kind: 'SERVER' }, client), 0);
});

test('clock skew: a skewed host subtree is shifted as a whole, same-host spans never on their own, other hosts judged afresh', () => {
  const trace = fixture('skewed-trace.json');
  const { adjusted, raw, adjustedTrace } = buildTraceViews(trace);
  const skews = Object.fromEntries([...adjusted.byKey.values()].map((node) => [node.span!.name, node.skewNano / MS]));
  assert.deepEqual(skews, {
    'GET /nearby': 0,
    auth: 0,
    'GET geo': 0,
    // geo-1 runs 1 s behind: the server span is centred in the client span (6 ms latency each way)…
    'GET /radius': 1000,
    // …and its whole host subtree moves with it, even a same-host child that still starts early.
    'geo-radius-lookup': 1000,
    'read cache': 1000,
    // idx-1 fits its adjusted parent: left alone.
    'scan index': 0,
    // r-1 ends 50 ms after its parent: pulled back by exactly that.
    render: -50,
  });
  assert.equal(adjusted.skewedCount, 4);
  assert.equal(raw.skewedCount, 4);
  assert.deepEqual(times(adjusted), {
    'GET /nearby': [0, 2100],
    auth: [5, 40],
    'GET geo': [50, 1862],
    'GET /radius': [106, 1806],
    'geo-radius-lookup': [150, 1758],
    'read cache': [140, 200],
    'scan index': [200, 400],
    render: [1900, 2100],
  });
  assert.equal(adjusted.durationNano, 2100 * MS);
  // Raw times are kept as recorded (the raw trace starts with the early geo span).
  assert.equal(raw.durationNano, (2150 + 894) * MS);
  assert.deepEqual(times(raw)['GET /radius'], [0, 1700]);
  // Events move with their span; the input is not mutated.
  const radius = adjustedTrace.spans.find((span) => span.name === 'GET /radius')!;
  assert.equal(BigInt(radius.events[0]!.timeUnixNano) - BigInt(radius.startTimeUnixNano), 94n * BigInt(MS));
  assert.equal(trace.spans.find((span) => span.name === 'GET /radius')!.startTimeUnixNano, '1795427999106000000');
});

test('clock skew leaves well-timed and messy traces alone', () => {
  for (const name of ['checkout-trace.json', 'messy-trace.json']) {
    const trace = fixture(name);
    const views = buildTraceViews(trace);
    assert.equal(views.adjusted.skewedCount, 0, name);
    assert.equal(views.adjusted, views.raw, name);
    assert.equal(views.adjusted.spanCount, trace.spans.length, name);
  }
});

test('self time subtracts the union of the children, clipped to the span', () => {
  const { adjusted } = buildTraceViews(fixture('skewed-trace.json'));
  const self = (name: string): number => byName(adjusted, name).selfTimeNano / MS;
  assert.equal(self('GET /nearby'), 2100 - 35 - 1812 - 200);
  assert.equal(self('GET geo'), 112);
  assert.equal(self('GET /radius'), 92);
  // read cache 140–200 counts only from 150; scan index 200–400.
  assert.equal(self('geo-radius-lookup'), 1608 - 50 - 200);
  assert.equal(self('render'), 200);
});

test('critical path: backwards from the end through the last-finishing children; gaps belong to the parent', () => {
  const { adjusted } = buildTraceViews(fixture('skewed-trace.json'));
  const path = criticalPath(adjusted);
  const named = Object.fromEntries(
    [...path].map(([key, segments]) => [adjusted.byKey.get(key)!.span!.name, segments.map(([from, to]) => [from / MS, to / MS])]),
  );
  assert.deepEqual(named, {
    'GET /nearby': [
      [0, 5],
      [40, 50],
      [1862, 1900],
    ],
    auth: [[5, 40]],
    'GET geo': [
      [50, 106],
      [1806, 1862],
    ],
    'GET /radius': [
      [106, 150],
      [1758, 1806],
    ],
    'geo-radius-lookup': [[400, 1758]],
    'scan index': [[200, 400]],
    'read cache': [[150, 200]],
    render: [[1900, 2100]],
  });
  // The segments tile the root exactly.
  assert.equal(
    [...path.values()].reduce((sum, segments) => sum + criticalTime(segments), 0),
    2100 * MS,
  );
});

test('critical path: overlapping children — the one finishing last wins, the one it hides is off the path', () => {
  const tree = buildTraceTree(fixture('checkout-trace.json'));
  const path = criticalPath(tree);
  const names = [...path.keys()].map((key) => tree.byKey.get(key)!.span!.name).sort();
  // cart's children: SELECT 20–120 and cache get 100–180; cache get finishes last and starts after SELECT's start.
  assert.ok(names.includes('cache get'));
  assert.ok(names.includes('charge'));
  const total = [...path.values()].reduce((sum, segments) => sum + criticalTime(segments), 0);
  assert.equal(total, tree.durationNano);
  // Messy traces (placeholders, cycles, duplicates) do not break the walk.
  const messy = buildTraceTree(fixture('messy-trace.json'));
  assert.ok(criticalPath(messy).size > 0);
});

test('bottleneck hint: the deepest span on the critical path that one child swallows (> 90 %)', () => {
  const { adjusted } = buildTraceViews(fixture('skewed-trace.json'));
  const swallowed = swallowedSpans(adjusted).map(({ parent, child }) => `${parent.span!.name} > ${child.span!.name}`);
  assert.deepEqual(swallowed.sort(), ['GET /radius > geo-radius-lookup', 'GET geo > GET /radius']);
  const hint = bottleneckHint(adjusted, criticalPath(adjusted));
  assert.equal(hint?.parent.span?.name, 'GET /radius');
  assert.equal(hint?.text, 'geo-radius-lookup: 1,608 ms of 2,100 ms');
  // No span of the checkout trace is swallowed by one child.
  const checkout = buildTraceTree(fixture('checkout-trace.json'));
  assert.equal(bottleneckHint(checkout, criticalPath(checkout)), undefined);
  assert.equal(formatMillis(250_000), '250 µs');
  assert.equal(formatMillis(12_345 * MS), '12,345 ms');
});

test('trace statistics per service and operation; the span table sorts by duration and self time', () => {
  const { adjusted } = buildTraceViews(fixture('skewed-trace.json'));
  const stats = traceStatistics(adjusted);
  assert.equal(stats.length, 8);
  assert.deepEqual(stats[0], {
    serviceName: 'geo',
    name: 'geo-radius-lookup',
    count: 1,
    errorCount: 0,
    totalNano: 1608 * MS,
    avgNano: 1608 * MS,
    maxNano: 1608 * MS,
    selfNano: 1358 * MS,
  });
  const checkout = traceStatistics(buildTraceTree(fixture('checkout-trace.json')));
  assert.equal(
    checkout.reduce((sum, row) => sum + row.count, 0),
    5,
  );
  const names = (key: 'duration' | 'self', descending: boolean): string[] =>
    sortedSpans(adjusted, key, descending).map((node) => node.span!.name);
  assert.deepEqual(names('duration', true).slice(0, 3), ['GET /nearby', 'GET geo', 'GET /radius']);
  assert.deepEqual(names('self', true).slice(0, 3), ['geo-radius-lookup', 'scan index', 'render']);
  assert.deepEqual(names('self', false)[0], 'auth');
});

test('critical path of a wide trace (20,000 sequential children) is computed quickly and tiles the root', () => {
  const base = 1_795_428_000_000_000_000n;
  const span = (spanId: string, parentSpanId: string, from: number, to: number) => ({
    traceId: 'ab',
    spanId,
    parentSpanId,
    traceState: '',
    flags: 1,
    name: parentSpanId === '' ? 'root' : 'step',
    kind: 'INTERNAL' as const,
    serviceName: 'svc',
    startTimeUnixNano: (base + BigInt(from)).toString(),
    endTimeUnixNano: (base + BigInt(to)).toString(),
    durationNano: String(to - from),
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 'UNSET' as const, message: '' },
    resourceIndex: 0,
    scopeIndex: 0,
  });
  const spans = [span('r', '', 0, 2_000_000)];
  for (let i = 0; i < 20_000; i++) spans.push(span(`s${i}`, 'r', i * 100, i * 100 + 90));
  const tree = buildTraceTree({ traceId: 'ab', spans, resources: [], scopes: [] });
  const started = performance.now();
  const path = criticalPath(tree);
  assert.ok(performance.now() - started < 1000);
  assert.equal(path.size, 20_001);
  assert.equal(
    [...path.values()].reduce((sum, segments) => sum + criticalTime(segments), 0),
    2_000_000,
  );
});

test('clock skew: the shared cases the backend summaries are held to (fixtures/clock-skew-cases.json)', () => {
  const shared = JSON.parse(readFileSync(new URL('./fixtures/clock-skew-cases.json', import.meta.url), 'utf8')) as {
    baseUnixNano: string;
    cases: {
      name: string;
      spans: { spanId: string; parentSpanId: string; start: number; duration: number; kind: string; host: string }[];
      shiftsNano: Record<string, number>;
      traceDurationNano: number;
    }[];
  };
  const base = BigInt(shared.baseUnixNano);
  for (const skewCase of shared.cases) {
    const hosts = [...new Set(skewCase.spans.map((span) => span.host))];
    const trace = nativeTraceSchema.parse({
      traceId: '0000000000000000000000000000c10c',
      resources: hosts.map((host) => ({
        attributes: [{ key: 'host.name', value: { stringValue: host } }],
        droppedAttributesCount: 0,
        schemaUrl: '',
      })),
      scopes: [{ name: 'test', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' }],
      spans: skewCase.spans.map((span) => ({
        traceId: '0000000000000000000000000000c10c',
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        traceState: '',
        flags: 1,
        name: `span ${span.spanId}`,
        kind: span.kind,
        serviceName: span.host,
        startTimeUnixNano: (base + BigInt(span.start)).toString(),
        endTimeUnixNano: (base + BigInt(span.start + span.duration)).toString(),
        durationNano: String(span.duration),
        attributes: [],
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: 'UNSET', message: '' },
        resourceIndex: hosts.indexOf(span.host),
        scopeIndex: 0,
      })),
    });
    const { adjusted } = buildTraceViews(trace);
    const shifts = Object.fromEntries([...adjusted.byKey.values()].map((node) => [node.span!.spanId, node.skewNano]));
    assert.deepEqual(shifts, skewCase.shiftsNano, skewCase.name);
    assert.equal(adjusted.durationNano, skewCase.traceDurationNano, skewCase.name);
  }
});
