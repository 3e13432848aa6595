import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { clockSkewShifts, skewCorrectedExtent, type SkewSpan } from '../../src/model/clock-skew.js';

/** The cases the UI's adjuster is held to as well: one correction, two implementations. */
interface SkewCases {
  baseUnixNano: string;
  cases: {
    name: string;
    spans: { spanId: string; parentSpanId: string; start: number; duration: number; kind: string; host: string }[];
    shiftsNano: Record<string, number>;
    traceDurationNano: number;
  }[];
}

const shared = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../ui/src/model/fixtures/clock-skew-cases.json'), 'utf8'),
) as SkewCases;

for (const skewCase of shared.cases) {
  test(`clock skew (shared case): ${skewCase.name}`, () => {
    const base = BigInt(shared.baseUnixNano);
    const spans: SkewSpan[] = skewCase.spans.map((span) => ({
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      startNano: base + BigInt(span.start),
      durationNano: BigInt(span.duration),
      kind: span.kind === 'CLIENT' || span.kind === 'SERVER' ? span.kind : 'OTHER',
      hostKey: `host:${span.host}`,
    }));
    const shifts = clockSkewShifts(spans);
    assert.deepEqual(Object.fromEntries([...shifts].map(([id, shift]) => [id, Number(shift)])), skewCase.shiftsNano);
    assert.equal(skewCorrectedExtent(spans).durationNano, BigInt(skewCase.traceDurationNano));
  });
}

test('clock skew: a parent cycle and a missing parent are judged as roots, nothing is lost', () => {
  const span = (spanId: string, parentSpanId: string, start: bigint): SkewSpan => ({
    spanId,
    parentSpanId,
    startNano: start,
    durationNano: 10n,
    kind: 'OTHER',
    hostKey: `host:${spanId}`,
  });
  const shifts = clockSkewShifts([span('a', 'b', 0n), span('b', 'a', 100n), span('c', 'gone', 500n)]);
  assert.deepEqual([...shifts.keys()].sort(), ['a', 'b', 'c']);
  assert.equal(shifts.get('c'), 0n);
  assert.equal(shifts.get('a'), 0n);
  assert.deepEqual(skewCorrectedExtent([]), { startNano: 0n, durationNano: 0n, shiftedCount: 0 });
});
