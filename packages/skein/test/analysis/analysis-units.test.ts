import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erfc, rankAttributes } from '../../src/query/analysis/attribute-ranking.js';
import { depthOf } from '../../src/storage/trace-shape-sql.js';

const sample = (spans: number) => ({ populationSpans: spans, sampledSpans: spans, rate: 1 });

test('erfc matches known values (two-sided normal p-values)', () => {
  assert.ok(Math.abs(erfc(0) - 1) < 1e-7);
  assert.ok(Math.abs(erfc(1.959964 / Math.SQRT2) - 0.05) < 1e-6);
  assert.ok(Math.abs(erfc(-1) - 1.8427007929) < 1e-6);
});

test('ranking: a strong difference with support is significant; a small one, or one without support, is not', () => {
  const ranking = rankAttributes(
    {
      selectionSpans: 100,
      baselineSpans: 10_000,
      selectionSample: sample(100),
      baselineSample: sample(10_000),
      attributes: [
        {
          attribute: 'span.cause',
          selectionWith: 100,
          baselineWith: 10_000,
          distinctValues: 2,
          numeric: false,
          raw: [
            { value: 'bad', selection: 90, baseline: 1_000 },
            { value: 'good', selection: 10, baseline: 9_000 },
          ],
          buckets: [],
        },
        {
          attribute: 'span.noise',
          selectionWith: 100,
          baselineWith: 10_000,
          distinctValues: 2,
          numeric: false,
          raw: [
            { value: 'a', selection: 55, baseline: 5_000 },
            { value: 'b', selection: 45, baseline: 5_000 },
          ],
          buckets: [],
        },
        // Three selected spans only: a 3-point gap on 3 spans is no cause, however extreme.
        {
          attribute: 'span.rare',
          selectionWith: 3,
          baselineWith: 0,
          distinctValues: 1,
          numeric: false,
          raw: [{ value: 'x', selection: 3, baseline: 0 }],
          buckets: [],
        },
      ],
    },
    10,
    10,
  );
  assert.deepEqual(
    ranking.attributes.map((a) => [a.attribute, a.significant]),
    [
      ['span.cause', true],
      ['span.noise', false],
      ['span.rare', false],
    ],
  );
  const rare = ranking.attributes[2]!;
  assert.deepEqual(
    rare.values.map((v) => v.value),
    ['x', '(missing)'],
  );
});

test('depth: longest parent chain; orphans start chains; cycles end', () => {
  assert.equal(depthOf(['a', 'b', 'c', 'd'], ['', 'a', 'b', 'a']), 3);
  assert.equal(depthOf(['b', 'c'], ['missing', 'b']), 2);
  assert.equal(depthOf(['a', 'b'], ['b', 'a']), 2);
  assert.equal(depthOf([], []), 0);
});
