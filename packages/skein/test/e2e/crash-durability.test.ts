/**
 * Acknowledged means stored: spans are sent continuously, the process is killed with SIGKILL in
 * the middle of the traffic, restarted on the same data directory, and every span of every
 * acknowledged request must be there (ARCHITECTURE decision 4).
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import { getJson, removeDir, startSkein } from '../support/skein-process.js';
import { makeSpan, randomTraceId } from '../support/span-factory.js';

const SPANS_PER_REQUEST = 25;

test('no acknowledged span is lost across kill -9', async () => {
  const first = await startSkein();
  const acknowledged: string[] = [];
  let stop = false;
  const sender = async (): Promise<void> => {
    while (!stop) {
      const traceId = randomTraceId();
      const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => makeSpan({ traceId, name: `span-${i}` }));
      try {
        const response = await fetch(first.otlpHttpUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body: Buffer.from(encodeOtlpProtoTraces(spans)),
        });
        await response.arrayBuffer();
        if (response.status === 200) acknowledged.push(traceId);
      } catch {
        // Connection reset by the kill: not acknowledged, so nothing is owed.
      }
    }
  };
  const senders = Array.from({ length: 4 }, () => sender());
  while (acknowledged.length < 60) await new Promise((r) => setTimeout(r, 20));
  await first.kill();
  stop = true;
  await Promise.all(senders);
  assert.equal(first.child.signalCode, 'SIGKILL');

  const second = await startSkein({ dataDir: first.dataDir });
  try {
    const missing: string[] = [];
    for (const traceId of acknowledged) {
      const { status, body } = await getJson(`${second.queryUrl}/api/v1/traces/${traceId}`);
      if (status !== 200 || body.spans.length !== SPANS_PER_REQUEST)
        missing.push(`${traceId} (${status}, ${body.spans?.length ?? 0} spans)`);
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged traces lost or incomplete`);

    // The killed process's insert files (RowBinary rows on their way to chDB, maybe half written)
    // are swept once the new process writes.
    const response = await fetch(second.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from(encodeOtlpProtoTraces([makeSpan({ traceId: randomTraceId(), name: 'after' })])),
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    const insertFilesBase = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const leftBehind = readdirSync(insertFilesBase).filter((name) => name.startsWith(`skein-chdb-insert-${first.child.pid}-`));
    assert.deepEqual(leftBehind, []);
  } finally {
    assert.equal(await second.stop(), 0);
    removeDir(first.dataDir);
  }
});
