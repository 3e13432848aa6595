/**
 * Issue 17, end to end: with `tail_sampling` in the traces and the logs pipeline, a trace's logs
 * follow its decision (kept with an error trace, dropped with a fine one; logs without trace
 * context kept), and `filter`'s logs form drops records before that, configured in YAML.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpJsonLogs } from '../../src/model/otlp-logs-json.js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { LogRecord } from '../../src/model/log-record.js';
import { getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { logRecord, logResource } from '../storage/logs-store-contract.js';

const CONFIG = `
processors:
  tail_sampling:
    decision_wait: 3s
    early_decision_quiet_period: 200ms
    logs: { max_wait: 8s }
    policies: [{ name: errors, type: status_code, status_code: { status_codes: [ERROR] } }]
  filter/health:
    logs:
      exclude:
        match_type: regexp
        bodies: ['^GET /healthz']
service:
  pipelines:
    traces:
      processors: [tail_sampling]
    logs:
      processors: [filter/health, tail_sampling]
`;

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  await response.text();
  return response.status;
}

describe('logs follow the tail-sampling decision (in-pipeline, YAML)', () => {
  let skein: SkeinProcess;
  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('kept with a sampled trace, dropped with one not sampled, traceless kept, health checks filtered', async () => {
    assert.ok(
      skein.logs.some((line) => line.includes('logs pipeline: otlp → filter/health → tail_sampling → storage')),
      skein.logs.join('\n'),
    );
    const now = BigInt(Date.now()) * 1_000_000n;
    const failed = randomTraceId();
    const fine = randomTraceId();
    const marker = `run-${randomSpanId()}`;
    const log = (traceId: string, body: string): LogRecord =>
      logRecord({
        traceId,
        spanId: traceId === '' ? '' : randomSpanId(),
        body: `${body} ${marker}`,
        timeUnixNano: now,
        resource: logResource('checkout'),
      });
    const logsUrl = skein.otlpHttpUrl.replace('/v1/traces', '/v1/logs');
    // Logs first, as SDKs send them (every 1 s, spans every 5 s): the request waits for the decisions.
    const logsAnswer = post(
      logsUrl,
      encodeOtlpJsonLogs([log(failed, 'card declined'), log(fine, 'all good'), log('', 'cron tick'), log(failed, 'GET /healthz')]),
    );
    const spans = [failed, fine].map((traceId) =>
      makeSpan({
        traceId,
        parentSpanId: '',
        name: 'POST /checkout',
        status: traceId === failed ? { code: 2, message: 'declined' } : { code: 0, message: '' },
      }),
    );
    assert.equal(await post(skein.otlpHttpUrl, encodeOtlpJsonTraces(spans)), 200);
    assert.equal(await logsAnswer, 200);

    const bodiesOf = async (traceId: string): Promise<string[]> => {
      const { status, body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}/logs`);
      assert.equal(status, 200);
      return (body.logs as Array<{ body: unknown }>).map((entry) => JSON.stringify(entry.body));
    };
    const kept = await bodiesOf(failed);
    assert.equal(kept.length, 1, `the error trace keeps its log and the health check is filtered: ${kept.join(', ')}`);
    assert.match(kept[0]!, /card declined/);
    assert.deepEqual(await bodiesOf(fine), [], 'the fine trace was not sampled: its log is dropped');
    const { body: search } = await getJson(`${skein.queryUrl}/api/v1/logs?q=${encodeURIComponent(`cron tick ${marker}`)}`);
    assert.equal(search.logs.length, 1, 'a log without trace context is unaffected');

    const text = await (await fetch(skein.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
    assert.match(text, /skein_processor_dropped_log_records_total\{processor="tail_sampling",reason="tail_sampled_out"\} 1/);
    assert.match(text, /skein_processor_dropped_log_records_total\{processor="filter\/health",reason="filtered"\} 1/);
  });
});
