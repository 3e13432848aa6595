import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/cli/config.js';
import { AlertEvaluator, nextState } from '../../src/query/alerts/alert-evaluator.js';
import { AlertNotifier } from '../../src/query/alerts/alert-notifier.js';
import { alertsConfigSchema } from '../../src/query/alerts/alerts-config.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';

/**
 * Issue 16, item 1: the state machine's transitions, config errors naming key and value, and one
 * evaluator at a time: evaluators sharing one store (as query nodes share a ClickHouse) race for
 * the lease; exactly one wins each epoch, the others take over only after it expired.
 */

const dataDir = makeTempDir('alerts-lease');
let store: TraceStore;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

before(async () => {
  store = await openTraceStore({ engine: 'chdb', dataDir, database: 'alerts_lease' });
});

after(async () => {
  await store?.close();
  removeDir(dataDir);
});

test('inactive → pending → firing → resolved, with `for` counted from the first breach', () => {
  let state = nextState({ state: 'inactive', activeSinceMs: 0 }, true, 1_000, 500);
  assert.deepEqual(state, { state: 'pending', activeSinceMs: 1_000 });
  state = nextState(state, true, 1_400, 500);
  assert.deepEqual(state, { state: 'pending', activeSinceMs: 1_000 });
  state = nextState(state, true, 1_500, 500);
  assert.deepEqual(state, { state: 'firing', activeSinceMs: 1_000 });
  assert.deepEqual(nextState(state, false, 2_000, 500), { state: 'resolved', activeSinceMs: 0 });
  assert.deepEqual(nextState({ state: 'pending', activeSinceMs: 1_000 }, false, 1_200, 500), { state: 'inactive', activeSinceMs: 0 });
  assert.deepEqual(nextState({ state: 'resolved', activeSinceMs: 0 }, true, 3_000, 0), { state: 'firing', activeSinceMs: 3_000 });
});

test('alert config errors name the key and the value', () => {
  assert.throws(
    () =>
      validateConfig(
        {
          extensions: {
            query: {
              alerts: {
                notifiers: [{ name: 'am', type: 'alertmanager', url: 'http://am:9093/api/v2/alerts' }],
                rules: [
                  { id: 'p99', name: 'p99', query: '{ } | rate()', threshold: 1, window: '2h', notifiers: ['pager'] },
                  { id: 'p99', name: 'again', query: '{ } | rate()', threshold: 'one' },
                ],
              },
            },
          },
        },
        'test',
      ),
    (error: Error) => {
      assert.match(error.message, /extensions\.query\.alerts\.rules\.0\.window: must be between 1ms and 60m \(got "2h"\)/);
      assert.match(error.message, /extensions\.query\.alerts\.rules\.1\.threshold: expected a number \(got "one"\)/);
      return true;
    },
  );
  assert.throws(
    () =>
      validateConfig(
        {
          extensions: { query: { alerts: { rules: [{ id: 'a', name: 'a', query: '{ } | rate()', threshold: 1, notifiers: ['pager'] }] } } },
        },
        'test',
      ),
    /extensions\.query\.alerts\.rules\.0\.notifiers\.0: no notifier named "pager"/,
  );
});

test('evaluators on one store: one holds the lease, another takes over only after it expired', async () => {
  // 3 s: the renewal rounds below must fit in one lease even when CI's cores are busy (700 ms did
  // not, once: a statement took long enough for the lease to lapse between two renewals).
  const config = alertsConfigSchema.parse({ evaluation_interval: '100ms', lease_duration: '3s' });
  const evaluators = [0, 1, 2].map(() => new AlertEvaluator(store, config, new AlertNotifier([], quiet, undefined), quiet));
  // All three claim the first epoch at once: exactly one wins.
  const first = await Promise.all(evaluators.map((e) => e.holdLease()));
  assert.equal(first.filter(Boolean).length, 1, JSON.stringify(first));
  const leader = first.indexOf(true);
  // While it renews, nobody else gets it.
  for (let round = 0; round < 3; round++) {
    assert.equal(await evaluators[leader]!.holdLease(), true);
    for (const [i, evaluator] of evaluators.entries()) if (i !== leader) assert.equal(await evaluator.holdLease(), false);
  }
  // The leader stops renewing (a crash): after the lease expires one of the others takes over, and the old one is out.
  await new Promise((done) => setTimeout(done, 3_100));
  const others = evaluators.filter((_e, i) => i !== leader);
  const second = await Promise.all(others.map((e) => e.holdLease()));
  assert.equal(second.filter(Boolean).length, 1, JSON.stringify(second));
  assert.equal(await evaluators[leader]!.holdLease(), false);
});
