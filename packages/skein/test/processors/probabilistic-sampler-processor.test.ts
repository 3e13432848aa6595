import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProcessor } from '../support/build-step.js';
import { formatThreshold, parseThreshold, updateOtTraceState } from '../../src/collector/processors/ot-tracestate.js';
import { hashSeedRandomness, probabilityToThreshold } from '../../src/collector/processors/probabilistic-sampler-processor.js';
import type { Span } from '../../src/model/span.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

const sampler = (config: Record<string, unknown>) => createProcessor('probabilistic_sampler', config);

/** A trace ID whose 56 low bits (the randomness) are `low56` (14 hex digits). */
const traceIdWith = (low56: string) => '0123456789abcdef01' + low56;

function decide(config: Record<string, unknown>, traceId: string, traceState = ''): Span | undefined {
  return sampler(config).process([makeSpan({ traceId, traceState })])[0];
}

test('same trace ID, same decision, on independent instances (as on two collectors)', () => {
  const a = sampler({ sampling_percentage: 30 });
  const b = sampler({ sampling_percentage: 30 });
  for (let i = 0; i < 2000; i++) {
    const traceId = randomTraceId();
    assert.equal(a.process([makeSpan({ traceId })]).length, b.process([makeSpan({ traceId })]).length, traceId);
  }
});

test('all spans of a trace share its decision', () => {
  const traceId = randomTraceId();
  const kept = sampler({ sampling_percentage: 50 }).process(Array.from({ length: 10 }, () => makeSpan({ traceId })));
  assert.ok(kept.length === 0 || kept.length === 10);
});

for (const [mode, extra] of [
  ['trace-ID randomness', {}],
  ['hash_seed', { hash_seed: 22 }],
] as const) {
  test(`${mode}: kept ratio within binomial bounds over 20k random trace IDs at 10 % and 50 %`, () => {
    const n = 20_000;
    for (const percent of [10, 50]) {
      const p = percent / 100;
      const spans = Array.from({ length: n }, () => makeSpan());
      const kept = sampler({ sampling_percentage: percent, ...extra }).process(spans).length;
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(kept - n * p) < 5 * sd, `${percent} %: kept ${kept} of ${n}`);
    }
  });
}

test('decision rule R ≥ T on the 56 low bits of the trace ID', () => {
  assert.ok(decide({ sampling_percentage: 50 }, traceIdWith('80000000000000')));
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('7fffffffffffff')), undefined);
  assert.ok(decide({ sampling_percentage: 10 }, traceIdWith('e6670000000000')));
  assert.equal(decide({ sampling_percentage: 10 }, traceIdWith('e665ffffffffff')), undefined);
  assert.ok(decide({ sampling_percentage: 100 }, traceIdWith('00000000000000')));
  assert.equal(decide({ sampling_percentage: 0 }, traceIdWith('ffffffffffffff')), undefined);
});

test('kept spans carry ot=th: (spec examples: th:8 is 50 %, th:0 is 100 %)', () => {
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('ffffffffffffff'))!.traceState, 'ot=th:8');
  assert.equal(decide({ sampling_percentage: 25 }, traceIdWith('ffffffffffffff'))!.traceState, 'ot=th:c');
  assert.equal(decide({ sampling_percentage: 10 }, traceIdWith('ffffffffffffff'))!.traceState, 'ot=th:e666');
  assert.equal(decide({ sampling_percentage: 100 }, traceIdWith('00000000000000'))!.traceState, 'ot=th:0');
  assert.equal(decide({ sampling_percentage: 150 }, traceIdWith('00000000000000'))!.traceState, 'ot=th:0');
  assert.equal(decide({ sampling_percentage: 10, sampling_precision: 2 }, traceIdWith('ffffffffffffff'))!.traceState, 'ot=th:e6');
  assert.equal(formatThreshold(probabilityToThreshold(0.001, 4)), 'ffbe77');
  assert.equal(parseThreshold('8'), 1n << 55n);
  assert.equal(parseThreshold('g'), undefined);
  assert.equal(parseThreshold('123456789abcdef'), undefined);
});

test('tracestate merge: ot member updated and moved first, other vendors kept in order', () => {
  const kept = decide({ sampling_percentage: 50 }, traceIdWith('ffffffffffffff'), 'vendor=a, ot=xx:1;th:0 ,other=b');
  assert.equal(kept!.traceState, 'ot=xx:1;th:8,vendor=a,other=b');
  assert.equal(updateOtTraceState('a=1', { th: 'c' }), 'ot=th:c,a=1');
  assert.equal(updateOtTraceState('ot=th:c;rv:00000000000001,a=1', { th: undefined }), 'ot=rv:00000000000001,a=1');
  const many = Array.from({ length: 32 }, (_, i) => `v${i}=x`).join(',');
  assert.equal(updateOtTraceState(many, { th: '8' }).split(',').length, 32);
});

test('an incoming stricter threshold is kept; a looser one is raised to ours (equalizing)', () => {
  // Sampled upstream at 25 % (th:c): still kept at our 50 %, still th:c.
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('d0000000000000'), 'ot=th:c')!.traceState, 'ot=th:c');
  // Sampled upstream at 75 % (th:4): our 50 % applies.
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('90000000000000'), 'ot=th:4')!.traceState, 'ot=th:8');
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('50000000000000'), 'ot=th:4'), undefined);
});

test('an inconsistent incoming threshold: dropped when fail_closed, else erased and decided afresh', () => {
  const traceId = traceIdWith('90000000000000'); // below th:c, so it cannot have been sampled at 25 %
  assert.equal(decide({ sampling_percentage: 50 }, traceId, 'ot=th:c'), undefined);
  assert.equal(decide({ sampling_percentage: 50, fail_closed: false }, traceId, 'ot=th:c')!.traceState, 'ot=th:8');
});

test('explicit rv: randomness overrides the trace ID bits', () => {
  assert.equal(decide({ sampling_percentage: 50 }, traceIdWith('ffffffffffffff'), 'ot=rv:00000000000001'), undefined);
  assert.equal(
    decide({ sampling_percentage: 50 }, traceIdWith('00000000000000'), 'ot=rv:ffffffffffffff')!.traceState,
    'ot=rv:ffffffffffffff;th:8',
  );
  // A malformed rv is ignored.
  assert.ok(decide({ sampling_percentage: 50 }, traceIdWith('ffffffffffffff'), 'ot=rv:xyz'));
});

test('proportional mode multiplies the incoming probability', () => {
  assert.equal(decide({ sampling_percentage: 50, mode: 'proportional' }, traceIdWith('ffffffffffffff'), 'ot=th:8')!.traceState, 'ot=th:c');
  assert.equal(decide({ sampling_percentage: 50, mode: 'proportional' }, traceIdWith('ffffffffffffff'))!.traceState, 'ot=th:8');
});

test('hash_seed mode: Collector-compatible FNV-1a hash, differs from trace-ID mode and between seeds', () => {
  assert.equal(hashSeedRandomness('0123456789abcdef0123456789abcdef', 42), 0x7c01da678460ffn);
  const ids = Array.from({ length: 4000 }, () => randomTraceId());
  const decisions = (config: Record<string, unknown>) => {
    const p = sampler(config);
    return ids.map((traceId) => p.process([makeSpan({ traceId })]).length).join('');
  };
  const plain = decisions({ sampling_percentage: 50 });
  const seeded = decisions({ sampling_percentage: 50, hash_seed: 42 });
  const otherSeed = decisions({ sampling_percentage: 50, hash_seed: 43 });
  assert.notEqual(seeded, plain);
  assert.notEqual(seeded, otherSeed);
  assert.equal(seeded, decisions({ sampling_percentage: 50, hash_seed: 42 }), 'still consistent');
  // Kept spans get the derived randomness and threshold.
  const kept = sampler({ sampling_percentage: 50, hash_seed: 42 }).process(ids.map((traceId) => makeSpan({ traceId })));
  assert.match(kept[0]!.traceState, /^ot=th:8;rv:[0-9a-f]{14}$/);
  // Existing sampling info is left alone.
  const withTh = sampler({ sampling_percentage: 100, hash_seed: 42 }).process([makeSpan({ traceState: 'ot=th:0,a=b' })]);
  assert.equal(withTh[0]!.traceState, 'ot=th:0,a=b');
});

test('config validation and counters', () => {
  assert.throws(() => sampler({}), /sampling_percentage/);
  assert.throws(() => sampler({ sampling_percentage: -1 }), /sampling_percentage/);
  assert.throws(() => sampler({ sampling_percentage: 5, sampling_precision: 15 }), /sampling_precision/);
  assert.throws(() => sampler({ sampling_percentage: 5, hashseed: 1 }), /hashseed/);
  const p = sampler({ sampling_percentage: 50 }) as unknown as { kept: number; dropped: number; process(s: Span[]): Span[] };
  p.process([makeSpan({ traceId: traceIdWith('ffffffffffffff') }), makeSpan({ traceId: traceIdWith('00000000000001') })]);
  assert.deepEqual([p.kept, p.dropped], [1, 1]);
});
