/**
 * Logs follow their trace's tail-sampling decision (issue 17): `tail_sampling` listed in a logs
 * pipeline too holds each request until its traces are decided by the traces stage of the same
 * processor, then passes the records of sampled traces, drops those of traces not sampled and
 * passes records without trace context at once; bounded in time (logs.max_wait) and in records.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogsConsumer } from '../../src/collector/pipeline/logs-consumer.js';
import { CONSUME_SUCCESS, type ConsumeResult } from '../../src/collector/pipeline/consume-result.js';
import { decisionHubOf } from '../../src/collector/sampling/sampling-decision-hub.js';
import { tailSamplingProcessorFactory } from '../../src/collector/sampling/tail-sampling-stage.js';
import { parseComponentId } from '../../src/component/component.js';
import type { LogRecord } from '../../src/model/log-record.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { logRecord } from '../storage/logs-store-contract.js';
import { counterValue, harness, testContext } from './sampling-test-support.js';

const ERRORS = [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }];

class RecordingLogs implements LogsConsumer {
  readonly batches: LogRecord[][] = [];
  consume(logs: LogRecord[]): Promise<ConsumeResult> {
    this.batches.push(logs);
    return Promise.resolve(CONSUME_SUCCESS);
  }
  get bodies(): string[] {
    return this.batches.flat().map((log) => String(log.body));
  }
}

function rootSpan(traceId: string, failed: boolean): Span {
  return makeSpan({
    traceId,
    spanId: randomSpanId(),
    parentSpanId: '',
    status: failed ? { code: 2, message: 'boom' } : { code: 0, message: '' },
  });
}

/** A traces stage (fake clock, no timer) and the same processor's logs stage, joined as the service graph joins them. */
function pair(logsConfig: Record<string, unknown> = {}) {
  const traces = harness({ decision_wait: '10s', early_decision_quiet_period: 0, policies: ERRORS, logs: logsConfig });
  const config = (traces.stage as unknown as { config: Parameters<typeof decisionHubOf>[0] }).config;
  const step = tailSamplingProcessorFactory.createLogs!(
    { id: parseComponentId('tail_sampling')!, logger: testContext(undefined).logger, metrics: new SkeinMetrics() },
    config as never,
  );
  assert.equal(step.kind, 'stage');
  const next = new RecordingLogs();
  const context = testContext(undefined);
  const logs = step.kind === 'stage' ? step.connect(next, context) : assert.fail('a stage');
  const decide = async (advanceMs = 10_000): Promise<void> => {
    traces.clock.advance(advanceMs);
    traces.stage.runDueDecisions();
    await traces.stage.whenIdle();
  };
  return { traces, logs, next, context, decide, hub: decisionHubOf(config) };
}

describe('logs follow the tail-sampling decision', () => {
  test('held until decided: kept with a sampled trace, dropped with one not sampled; no trace context passes at once', async () => {
    const { traces, logs, next, context, decide, hub } = pair();
    const failed = randomTraceId();
    const fine = randomTraceId();
    assert.equal((await traces.stage.consume([rootSpan(failed, true), rootSpan(fine, false)])).outcome, 'success');
    const answer = logs.consume([
      logRecord({ traceId: failed, body: 'card declined' }),
      logRecord({ traceId: fine, body: 'all good' }),
      logRecord({ traceId: '', spanId: '', body: 'no trace' }),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(next.batches.length, 0, 'the request waits for its traces');
    assert.equal((logs as unknown as { held: number }).held, 2);
    await decide();
    assert.equal((await answer).outcome, 'success');
    assert.deepEqual(next.bodies, ['card declined', 'no trace']);
    assert.equal(await counterValue(context.metrics, 'skein_processor_dropped_log_records_total', { reason: 'tail_sampled_out' }), 1);
    assert.equal(hub.waitingTraces, 0);
    assert.equal((logs as unknown as { held: number }).held, 0);

    // After the decision (the cache): at once, either way; records without a trace are never held.
    assert.equal(
      (await logs.consume([logRecord({ traceId: fine, body: 'late fine' }), logRecord({ traceId: failed, body: 'late failed' })])).outcome,
      'success',
    );
    assert.deepEqual(next.bodies.slice(2), ['late failed']);
    await logs.shutdown();
    await traces.stage.shutdown();
  });

  test('a trace that is never decided keeps its logs after logs.max_wait; shutdown releases what waits', async () => {
    const { traces, logs, next } = pair({ max_wait: '50ms' });
    const started = Date.now();
    assert.equal((await logs.consume([logRecord({ traceId: randomTraceId(), body: 'orphan' })])).outcome, 'success');
    assert.ok(Date.now() - started >= 45, 'waited for max_wait');
    assert.deepEqual(next.bodies, ['orphan']);

    const { traces: traces2, logs: logs2, next: next2 } = pair({ max_wait: '60s' });
    const waiting = logs2.consume([logRecord({ traceId: randomTraceId(), body: 'at shutdown' })]);
    await logs2.shutdown();
    assert.deepEqual(next2.bodies, ['at shutdown'], 'passed on before shutdown resolved (the next stage still runs)');
    assert.equal((await waiting).outcome, 'success');
    assert.equal((await logs2.consume([logRecord({ body: 'after' })])).outcome, 'retryable');
    await traces.stage.shutdown();
    await traces2.stage.shutdown();
  });

  test('bounded: beyond logs.max_held_records requests are refused as retryable (overloaded)', async () => {
    const { traces, logs, decide } = pair({ max_held_records: 2 });
    const traceId = randomTraceId();
    await traces.stage.consume([rootSpan(traceId, true)]);
    const first = logs.consume([logRecord({ traceId, body: 'a' }), logRecord({ traceId, body: 'b' })]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(logs.admission?.()?.outcome, 'retryable');
    const refused = await logs.consume([logRecord({ traceId: randomTraceId(), body: 'c' })]);
    assert.equal(refused.outcome, 'retryable');
    assert.equal(refused.outcome === 'retryable' && refused.reason, 'overloaded');
    assert.match(refused.outcome === 'retryable' ? refused.message : '', /logs\.max_held_records 2/);
    await decide();
    assert.equal((await first).outcome, 'success');
    assert.equal(logs.admission?.(), undefined);
    await logs.shutdown();
    await traces.stage.shutdown();
  });

  test('tenants do not share decisions', async () => {
    const { traces, logs, next, decide } = pair();
    const traceId = randomTraceId();
    await traces.stage.consume([rootSpan(traceId, false)]);
    await decide();
    const other = logRecord({ traceId, body: 'tenant b', resource: { ...logRecord().resource, tenant: 'tenant-b' as never } });
    const answer = logs.consume([logRecord({ traceId, body: 'dropped' }), other]);
    await logs.shutdown(); // tenant-b's trace is unknown: it waits, and shutdown keeps it
    assert.equal((await answer).outcome, 'success');
    assert.deepEqual(next.bodies, ['tenant b']);
    await traces.stage.shutdown();
  });

  test('without a traces stage of the same processor, the logs stage refuses to start, naming the fix', () => {
    const config = tailSamplingProcessorFactory.configSchema.parse({ policies: ERRORS, journal: false });
    const step = tailSamplingProcessorFactory.createLogs!(
      { id: parseComponentId('tail_sampling/x')!, logger: testContext(undefined).logger, metrics: new SkeinMetrics() },
      config,
    );
    assert.throws(
      () => (step.kind === 'stage' ? step.connect(new RecordingLogs(), testContext(undefined)) : undefined),
      /processors\.tail_sampling\/x: in a logs pipeline .* add it to service\.pipelines\.traces\.processors/,
    );
  });
});
