/**
 * The one retry loop (`retryWithPolicy` in collector/pipeline/retry-policy.ts), used by the OTLP
 * exporters, a retired exporter's hand-over and tail-sampling delivery: what ends it, how long it
 * waits, and that a signal cuts a backoff short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attemptOfConsumeResult,
  retryWithPolicy,
  type AttemptResult,
  type RetryPolicy,
} from '../../src/collector/pipeline/retry-policy.js';

const POLICY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 10,
  randomizationFactor: 0,
  multiplier: 2,
  maxIntervalMillis: 40,
  maxElapsedMillis: 1_000,
};

/** An attempt function answering from a script; records when each attempt ran. */
function scripted(results: Array<AttemptResult<string, string>>): {
  attempt: () => Promise<AttemptResult<string, string>>;
  times: number[];
} {
  const times: number[] = [];
  return {
    times,
    attempt: () => {
      times.push(Date.now());
      return Promise.resolve(results.shift() ?? { kind: 'retryable', error: 'still down' });
    },
  };
}

test('retries a retryable result with backoff until success, and passes the value through', async () => {
  const { attempt, times } = scripted([
    { kind: 'retryable', error: 'down' },
    { kind: 'retryable', error: 'down' },
    { kind: 'success', value: 'ok' },
  ]);
  const retries: Array<[string, number, number]> = [];
  const result = await retryWithPolicy(attempt, POLICY, new AbortController().signal, {
    onRetry: (error, delayMillis, attemptNumber) => retries.push([error, delayMillis, attemptNumber]),
  });
  assert.deepEqual(result, { kind: 'success', value: 'ok' });
  assert.deepEqual(retries, [
    ['down', 10, 0],
    ['down', 20, 1],
  ]);
  assert.ok(times[2]! - times[0]! >= 28, `three attempts within ${times[2]! - times[0]!} ms`);
});

test('a final failure ends the loop at once; a server hint is a floor for the delay', async () => {
  const failed = scripted([{ kind: 'failure', error: 'HTTP 400' }]);
  assert.deepEqual(await retryWithPolicy(failed.attempt, POLICY, new AbortController().signal), { kind: 'failure', error: 'HTTP 400' });
  assert.equal(failed.times.length, 1);

  const hinted = scripted([
    { kind: 'retryable', error: 'throttled', hintMillis: 150 },
    { kind: 'success', value: 'ok' },
  ]);
  await retryWithPolicy(hinted.attempt, POLICY, new AbortController().signal);
  assert.ok(hinted.times[1]! - hinted.times[0]! >= 145, `retried after ${hinted.times[1]! - hinted.times[0]!} ms, the hint said 150`);
});

test('gives up when retries are off or the next one would pass max_elapsed_time; untilDone never gives up', async () => {
  const off = scripted([{ kind: 'retryable', error: 'down', hintMillis: 2_000 }]);
  assert.deepEqual(await retryWithPolicy(off.attempt, { ...POLICY, enabled: false }, new AbortController().signal), {
    kind: 'gave-up',
    error: 'down',
    retryAfterMillis: 2_000,
  });
  assert.equal(off.times.length, 1);

  const late = scripted([]);
  const result = await retryWithPolicy(late.attempt, { ...POLICY, maxElapsedMillis: 100 }, new AbortController().signal);
  assert.equal(result.kind, 'gave-up');
  assert.ok(late.times.length >= 3 && late.times.length <= 6, `${late.times.length} attempts in 100 ms`);

  const patient = scripted([
    ...Array.from({ length: 8 }, () => ({ kind: 'retryable' as const, error: 'down' })),
    { kind: 'success', value: 'delivered' },
  ]);
  const done = await retryWithPolicy(patient.attempt, { ...POLICY, enabled: false, maxElapsedMillis: 1 }, new AbortController().signal, {
    untilDone: true,
  });
  assert.equal(patient.times.length, 9, 'retried past enabled: false and max_elapsed_time');
  assert.deepEqual(done, { kind: 'success', value: 'delivered' });
});

test('an abort cuts the backoff short and ends the loop as interrupted, with the last error', async () => {
  const controller = new AbortController();
  const { attempt, times } = scripted([]);
  const started = Date.now();
  const pending = retryWithPolicy(
    attempt,
    { ...POLICY, initialIntervalMillis: 60_000, maxIntervalMillis: 60_000, maxElapsedMillis: 0 },
    controller.signal,
  );
  setTimeout(() => controller.abort(), 30);
  assert.deepEqual(await pending, { kind: 'interrupted', error: 'still down' });
  assert.equal(times.length, 1);
  assert.ok(Date.now() - started < 1_000);
});

test('a ConsumeResult is an attempt: its retry hint is the floor', () => {
  assert.deepEqual(attemptOfConsumeResult({ outcome: 'success' }), { kind: 'success', value: undefined });
  const failure = { outcome: 'failure', message: 'bad' } as const;
  assert.deepEqual(attemptOfConsumeResult(failure), { kind: 'failure', error: failure });
  const busy = { outcome: 'retryable', reason: 'overloaded', message: 'full', retryAfterMillis: 700 } as const;
  assert.deepEqual(attemptOfConsumeResult(busy), { kind: 'retryable', error: busy, hintMillis: 700 });
});
