import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultsError, NO_FAULTS, describeFaults, mergeFaults } from '../src/faults.js';
import { UsageError, parseLauncherOptions } from '../src/launcher-options.js';
import { EvenErrorSpreader } from '../src/services/payment.js';

test('a partial fault update changes only what it names', () => {
  const next = mergeFaults({ ...NO_FAULTS, slowGeoMs: 500 }, { paymentErrorRate: 0.25 });
  assert.deepEqual(next, { slowGeoMs: 500, paymentErrorRate: 0.25, retryStorm: false, clockSkewMs: 0 });
});

test('bad fault updates are refused with the field named', () => {
  assert.throws(
    () => mergeFaults(NO_FAULTS, { paymentErrorRate: 2 }),
    (e: unknown) => e instanceof FaultsError && /paymentErrorRate/.test(e.message),
  );
  assert.throws(() => mergeFaults(NO_FAULTS, { retryStorm: 'yes' }), /retryStorm/);
  assert.throws(() => mergeFaults(NO_FAULTS, { slowGeo: 10 }), /unknown fault "slowGeo"/);
  assert.throws(() => mergeFaults(NO_FAULTS, [1]), /JSON object/);
});

test('the banner names every fault that is on', () => {
  assert.equal(describeFaults(NO_FAULTS), 'none');
  assert.equal(
    describeFaults({ slowGeoMs: 800, paymentErrorRate: 0.3, retryStorm: true, clockSkewMs: -2500 }),
    'slow geo lookup (+800 ms), payment errors (30%), retry storm (order → payment), clock skew on fraud-check (-2500 ms)',
  );
});

test('launcher flags: defaults, fault flags over --faults JSON, and errors naming the flag', () => {
  const defaults = parseLauncherOptions([], '/tmp/d');
  assert.deepEqual(defaults, { basePort: 7100, rate: 2, skeinUrl: undefined, uiUrl: undefined, dataDir: '/tmp/d', faults: NO_FAULTS });
  const options = parseLauncherOptions(
    [
      '--faults',
      '{"slowGeoMs":100,"retryStorm":true}',
      '--slow-geo',
      '900',
      '--clock-skew=-3000',
      '--skein-url',
      'http://skein:4318/',
      '--rate',
      '0.5',
    ],
    '/tmp/d',
  );
  assert.deepEqual(options?.faults, { slowGeoMs: 900, paymentErrorRate: 0, retryStorm: true, clockSkewMs: -3000 });
  assert.equal(options?.skeinUrl, 'http://skein:4318');
  assert.equal(options?.rate, 0.5);
  assert.equal(parseLauncherOptions(['--help'], '/tmp/d'), undefined);
  assert.throws(
    () => parseLauncherOptions(['--payment-errors', '1.5'], '/tmp/d'),
    (e: unknown) => e instanceof UsageError && /--payment-errors/.test(e.message),
  );
  assert.throws(() => parseLauncherOptions(['--base-port', 'x'], '/tmp/d'), /--base-port/);
  assert.throws(() => parseLauncherOptions(['--faults', '{"nope":1}'], '/tmp/d'), /--faults: unknown fault/);
  assert.throws(() => parseLauncherOptions(['--colour'], '/tmp/d'), UsageError);
});

test('payment errors are spread evenly: a rate of r fails exactly r of the calls', () => {
  for (const rate of [0, 0.25, 0.5, 1]) {
    const spreader = new EvenErrorSpreader();
    const failures = Array.from({ length: 20 }, () => spreader.shouldFail(rate)).filter(Boolean).length;
    assert.equal(failures, 20 * rate, `rate ${rate}`);
  }
  const half = new EvenErrorSpreader();
  assert.deepEqual(
    [1, 2, 3, 4].map(() => half.shouldFail(0.5)),
    [false, true, false, true],
  );
});
