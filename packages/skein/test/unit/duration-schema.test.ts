import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError } from '../../src/model/config-error.js';
import { durationMillisOf, durationMillisSchema, durationNanosOf, durationNanosSchema } from '../../src/model/duration-schema.js';
import { parseGoDurationMillis, parseGoDurationNanos } from '../../src/model/go-duration.js';

test('Go duration strings are exact in nanoseconds', () => {
  const cases: [string, bigint][] = [
    ['0', 0n],
    ['0s', 0n],
    ['500ms', 500_000_000n],
    ['1m30s', 90_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['1.5s', 1_500_000_000n],
    ['.5s', 500_000_000n],
    ['1.s', 1_000_000_000n],
    ['300us', 300_000n],
    ['300µs', 300_000n],
    ['300μs', 300_000n],
    ['10ns', 10n],
    ['0.000000001s', 1n],
    ['0.0000000019s', 1n], // finer than a nanosecond: truncated, as Go does
    ['1h2m3s4ms5us6ns', 3_723_004_005_006n],
  ];
  for (const [text, nanos] of cases) assert.equal(parseGoDurationNanos(text), nanos, text);
  assert.equal(parseGoDurationMillis('1m30s'), 90_000);
  assert.equal(parseGoDurationMillis('1us'), 0.001);
});

test('not Go durations: bare numbers other than 0, unknown units, signs, spaces, empty, beyond int64 nanoseconds', () => {
  for (const text of ['', '42', '1.5', '-1s', '+1s', '-0', '1d', '1 s', 's', '.s', '1s ', '1S', 'ms5', '3000000h']) {
    assert.equal(parseGoDurationNanos(text), undefined, JSON.stringify(text));
  }
});

test('schemas: milliseconds and nanoseconds from one parser; YAML 0 is zero; other bare numbers name key and value', () => {
  const schema = z.object({ timeout: durationMillisSchema, window: durationNanosSchema });
  assert.deepEqual(schema.parse({ timeout: '1m30s', window: '250ms' }), { timeout: 90_000, window: 250_000_000n });
  assert.deepEqual(schema.parse({ timeout: 0, window: ' 0 ' }), { timeout: 0, window: 0n });
  const bare = schema.safeParse({ timeout: 30, window: '1s' });
  assert.equal(bare.success, false);
  assert.deepEqual(
    bare.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [
      [
        'timeout',
        'expected a duration such as 500ms, 5s or 1m (got 30: a bare number has no unit, and Go reads it as nanoseconds; write 30ms or 30s)',
      ],
    ],
  );
  const wrong = schema.safeParse({ timeout: '5 minutes', window: true });
  assert.deepEqual(
    wrong.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
    [
      ['timeout', 'expected a duration such as 500ms, 5s or 1m (got "5 minutes")'],
      ['window', 'expected a duration such as 500ms, 5s or 1m (got true)'],
    ],
  );
});

test('flags and parameters: a ConfigError naming the key and the value', () => {
  assert.equal(durationNanosOf('--timeout', '2s'), 2_000_000_000n);
  assert.equal(durationMillisOf('--timeout', '2s'), 2000);
  assert.throws(
    () => durationMillisOf('--timeout', '30'),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.keyPath === '--timeout' &&
      error.message === '--timeout: expected a duration such as 500ms, 5s or 1m (got "30")',
  );
});
