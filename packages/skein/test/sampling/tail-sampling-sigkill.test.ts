/**
 * No acknowledged span is lost across kill -9 while tail sampling holds it (ARCHITECTURE
 * decision 4): traces are sent while decision_wait keeps every one of them in the tail sampler
 * (nothing is stored yet), the process is killed with SIGKILL mid-traffic, restarted on the same
 * data directory, and once the decisions fall due every acknowledged span of every sampled trace
 * is stored — and nothing of the traces the policy drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span } from '../../src/model/span.js';
import { getJson, removeDir, startSkein, writeConfig } from '../support/skein-process.js';
import { makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const DECISION_WAIT_SECONDS = 12;
const CONFIG = `
processors:
  tail_sampling:
    decision_wait: ${DECISION_WAIT_SECONDS}s
    early_decision_quiet_period: 0s
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
service:
  pipelines:
    traces:
      processors: [tail_sampling]
`;

interface SentTrace {
  traceId: string;
  error: boolean;
  /** Span IDs of requests that were answered 200. */
  acknowledged: string[];
}

test('tail sampling: acknowledged spans survive kill -9 and are stored after the decision', { timeout: 90_000 }, async () => {
  const configFile = writeConfig(CONFIG);
  const first = await startSkein({ args: ['--config', configFile] });
  const sent: SentTrace[] = [];
  let stop = false;

  const post = async (spans: Span[]): Promise<boolean> => {
    try {
      const response = await fetch(first.otlpHttpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body: Buffer.from(encodeOtlpProtoTraces(spans)),
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false; // reset by the kill: not acknowledged, nothing owed
    }
  };

  // Each trace goes out in two requests (children, then the root), so some traces straddle the kill.
  const sender = async (): Promise<void> => {
    while (!stop) {
      const error = sent.length % 3 === 0;
      const traceId = randomTraceId();
      const rootId = randomSpanId();
      const status = { code: error ? (2 as const) : (0 as const), message: '' };
      const trace: SentTrace = { traceId, error, acknowledged: [] };
      sent.push(trace);
      const children = Array.from({ length: 4 }, (_, i) => makeSpan({ traceId, parentSpanId: rootId, name: `child-${i}`, status }));
      if (await post(children)) trace.acknowledged.push(...children.map((s) => s.spanId));
      const root = makeSpan({ traceId, spanId: rootId, name: 'root', status });
      if (await post([root])) trace.acknowledged.push(root.spanId);
    }
  };
  const senders = Array.from({ length: 3 }, () => sender());
  while (sent.filter((t) => t.acknowledged.length > 0).length < 45) await new Promise((r) => setTimeout(r, 10));

  // Before the kill the sampler still holds everything: nothing is in storage yet.
  const probe = sent.find((t) => t.error && t.acknowledged.length === 5)!;
  assert.equal((await getJson(`${first.queryUrl}/api/v1/traces/${probe.traceId}`)).status, 404);

  await first.kill();
  stop = true;
  await Promise.all(senders);
  assert.equal(first.child.signalCode, 'SIGKILL');

  const second = await startSkein({ dataDir: first.dataDir, args: ['--config', configFile] });
  try {
    assert.ok(
      second.logs.some((line) => /resumed \d+ undecided traces/.test(line)),
      second.logs.join('\n'),
    );
    const sampled = sent.filter((t) => t.error && t.acknowledged.length > 0);
    const dropped = sent.filter((t) => !t.error && t.acknowledged.length > 0);
    assert.ok(sampled.length >= 10, `${sampled.length} sampled traces acknowledged`);

    // Polled together until every sampled trace is complete, or the decisions are long overdue.
    type StoredSpan = { spanId: string; attributes: { key: string; value: { stringValue?: string } }[] };
    const stored = new Map<string, StoredSpan[]>();
    const deadline = Date.now() + (DECISION_WAIT_SECONDS + 15) * 1000;
    let missing = sampled;
    while (missing.length > 0 && Date.now() < deadline) {
      for (const trace of missing) {
        const { status, body } = await getJson(`${second.queryUrl}/api/v1/traces/${trace.traceId}`);
        if (status === 200) stored.set(trace.traceId, body.spans);
      }
      missing = sampled.filter((trace) => {
        const spanIds = new Set((stored.get(trace.traceId) ?? []).map((span) => span.spanId));
        return !trace.acknowledged.every((id) => spanIds.has(id));
      });
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 250));
    }
    for (const spans of stored.values()) {
      for (const span of spans) {
        assert.equal(
          span.attributes.find((a) => a.key === 'tailsampling.policy')?.value.stringValue,
          'errors',
          'stored spans carry tailsampling.policy',
        );
      }
    }
    assert.deepEqual(
      missing.map((t) => t.traceId),
      [],
      `${missing.length} of ${sampled.length} sampled traces lost or incomplete`,
    );
    for (const trace of dropped.slice(0, 10)) {
      assert.equal((await getJson(`${second.queryUrl}/api/v1/traces/${trace.traceId}`)).status, 404, 'not-sampled traces are not stored');
    }
  } finally {
    assert.equal(await second.stop(), 0);
    removeDir(first.dataDir);
  }
});
