/**
 * The on-disk queue: what was appended (fsynced) survives a reopen, acknowledged records do not
 * come back, a torn or corrupt last record is cut off, and a persistent OTLP exporter acknowledges
 * on fsync and delivers after a restart.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OtlpExporter } from '../../src/collector/exporters/otlp-exporter.js';
import { PersistentQueue } from '../../src/collector/exporters/persistent-queue.js';
import type { RetryPolicy } from '../../src/collector/pipeline/retry-policy.js';
import { makeSpan } from '../support/span-factory.js';
import { makeTempDir, removeDir } from '../support/skein-process.js';
import { ScriptedTransport, silentLogger, until } from './scripted-transport.js';

const payload = (text: string): Uint8Array => Buffer.from(text);

async function drain(queue: PersistentQueue): Promise<string[]> {
  const out: string[] = [];
  for (let record = queue.take(); record; record = queue.take()) out.push(Buffer.from(await queue.read(record)).toString());
  return out;
}

test('appended records survive a reopen; acknowledged ones do not come back', async () => {
  const dir = makeTempDir('queue');
  try {
    const { queue } = await PersistentQueue.open(dir);
    await Promise.all(['one', 'two', 'three', 'four'].map((text, i) => queue.append(payload(text), i + 1)));
    assert.equal(queue.pendingRecords, 4);
    assert.equal(queue.pendingSpans, 10);
    queue.take(); // `one`: handed out, not acknowledged
    queue.acknowledge(queue.take()!); // `two`: acknowledged out of order, the head stays at `one`
    await queue.close();

    const reopened = await PersistentQueue.open(dir);
    // `two` was acknowledged after `one`, which was not: at-least-once, so it may come back.
    assert.deepEqual(await drain(reopened.queue), ['one', 'two', 'three', 'four']);
    assert.equal(reopened.report.replayedSpans, 10);
    await reopened.queue.close();

    const again = await PersistentQueue.open(dir);
    const records = [again.queue.take()!, again.queue.take()!, again.queue.take()!];
    for (const record of records) again.queue.acknowledge(record);
    await again.queue.close();
    const last = await PersistentQueue.open(dir);
    assert.deepEqual(await drain(last.queue), ['four']);
    assert.equal(last.queue.pendingSpans, 4);
    await last.queue.close();
  } finally {
    removeDir(dir);
  }
});

test('a torn last record (a crash in the middle of an append) is cut off; earlier records and later appends are fine', async () => {
  const dir = makeTempDir('queue');
  try {
    const { queue } = await PersistentQueue.open(dir);
    await queue.append(payload('alpha'), 1);
    await queue.append(payload('beta'), 1);
    await queue.close();
    const segment = join(
      dir,
      readdirSync(dir).find((name) => name.startsWith('segment-'))!,
    );
    const goodSize = statSync(segment).size;
    // Header says 1000 payload bytes, only 6 made it to disk.
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(1000, 0);
    torn.writeUInt32LE(3, 4);
    appendFileSync(segment, torn);

    const { queue: reopened, report } = await PersistentQueue.open(dir);
    assert.equal(report.discardedBytes, 18);
    assert.equal(report.replayedRecords, 2);
    assert.equal(statSync(segment).size, goodSize, 'the torn bytes are cut off the file');
    await reopened.append(payload('gamma'), 2);
    assert.deepEqual(await drain(reopened), ['alpha', 'beta', 'gamma']);
    await reopened.close();
  } finally {
    removeDir(dir);
  }
});

test('a last record whose checksum does not match is discarded', async () => {
  const dir = makeTempDir('queue');
  try {
    const { queue } = await PersistentQueue.open(dir);
    await queue.append(payload('kept'), 1);
    await queue.append(payload('flipped'), 1);
    await queue.close();
    const segment = join(
      dir,
      readdirSync(dir).find((name) => name.startsWith('segment-'))!,
    );
    const bytes = readFileSync(segment);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(segment, bytes);
    const { queue: reopened, report } = await PersistentQueue.open(dir);
    assert.equal(report.replayedRecords, 1);
    assert.deepEqual(await drain(reopened), ['kept']);
    await reopened.close();
  } finally {
    removeDir(dir);
  }
});

test('segments roll over and are deleted once every record in them is acknowledged', async () => {
  const dir = makeTempDir('queue');
  try {
    const { queue } = await PersistentQueue.open(dir, { segmentBytes: 64 });
    for (let i = 0; i < 12; i++) await queue.append(Buffer.alloc(40, i), 1);
    const segments = () => readdirSync(dir).filter((name) => name.startsWith('segment-')).length;
    assert.ok(segments() >= 6, `${segments()} segments for 12 records of 52 bytes with 64-byte segments`);
    for (let record = queue.take(); record; record = queue.take()) queue.acknowledge(record);
    await until(() => segments() === 1, 2_000, 'acknowledged segments to be deleted');
    await queue.close();
    const { report } = await PersistentQueue.open(dir);
    assert.equal(report.replayedRecords, 0);
  } finally {
    removeDir(dir);
  }
});

test('a segment that cannot be deleted is left for later, not an unhandled rejection', async () => {
  const dir = makeTempDir('queue');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const { queue } = await PersistentQueue.open(dir, { segmentBytes: 16 });
    for (let i = 0; i < 3; i++) await queue.append(Buffer.alloc(40, i), 1); // one segment each: 0, 1, 2
    const segment0 = `segment-${'0'.repeat(16)}.log`;
    queue.acknowledge(queue.take()!); // the head moves to segment 1: segment 0 is deleted
    await until(() => !readdirSync(dir).includes(segment0), 2_000, 'segment 0 to go');
    // Something the queue cannot delete where segment 0 was (rm refuses a directory): the next
    // clean-up fails on it.
    mkdirSync(join(dir, segment0));
    queue.acknowledge(queue.take()!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(unhandled, []);
    assert.deepEqual(await drain(queue), [Buffer.alloc(40, 2).toString()], 'the queue goes on');
    await queue.close();
  } finally {
    process.off('unhandledRejection', onUnhandled);
    removeDir(dir);
  }
});

test('an append being written counts as pending, so a retired exporter never deletes it under the caller', async () => {
  const dir = makeTempDir('queue');
  try {
    const { queue } = await PersistentQueue.open(dir);
    const appended = queue.append(payload('in the write'), 3);
    assert.equal(queue.pendingRecords, 1, 'pending from the moment it is appended');
    assert.equal(queue.pendingSpans, 3);
    await appended;
    assert.equal(queue.pendingRecords, 1);
    queue.acknowledge(queue.take()!);
    assert.equal(queue.pendingRecords, 0);
    await queue.close();
  } finally {
    removeDir(dir);
  }
});

const PATIENT_RETRY: RetryPolicy = {
  enabled: true,
  initialIntervalMillis: 10,
  randomizationFactor: 0,
  multiplier: 2,
  maxIntervalMillis: 50,
  maxElapsedMillis: 100,
};

test('persistent exporter: success on fsync while the destination is down, delivery after a restart', async () => {
  const dir = makeTempDir('queue');
  try {
    const down = new ScriptedTransport();
    down.whenEmpty = { kind: 'retry', throttled: false, message: 'connect ECONNREFUSED' };
    const queueOptions = { enabled: true, numConsumers: 2, queueSize: 100, sizer: 'requests' as const, persistentDir: dir };
    const first = new OtlpExporter('otlp/test', down, PATIENT_RETRY, queueOptions, { metrics: undefined, logger: silentLogger });
    await first.start();
    const traceIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = [makeSpan(), makeSpan()];
      traceIds.push(...batch.map((span) => span.traceId));
      assert.deepEqual(await first.consume(batch), { outcome: 'success' }, 'acknowledged once on disk');
    }
    // Retries go on past max_elapsed_time: the data was acknowledged, only this queue has it.
    await until(() => down.sends.length >= 12, 5_000, 'retries');
    await first.shutdown();

    const up = new ScriptedTransport();
    const second = new OtlpExporter('otlp/test', up, PATIENT_RETRY, queueOptions, { metrics: undefined, logger: silentLogger });
    await second.start();
    await until(() => second.stats().queuedRequests === 0, 5_000, 'the replayed queue to drain');
    assert.deepEqual(
      up
        .sentSpans()
        .map((span) => span.traceId)
        .sort(),
      [...traceIds].sort(),
    );
    await second.shutdown();

    const third = new OtlpExporter('otlp/test', new ScriptedTransport(), PATIENT_RETRY, queueOptions, {
      metrics: undefined,
      logger: silentLogger,
    });
    await third.start();
    assert.equal(third.stats().queuedRequests, 0, 'delivered batches are not replayed again');
    await third.shutdown();
  } finally {
    removeDir(dir);
  }
});

test('persistent exporter: a final refusal drops the batch (logged) instead of blocking the queue', async () => {
  const dir = makeTempDir('queue');
  try {
    const transport = new ScriptedTransport();
    transport.script.push({ kind: 'failed', message: 'HTTP 400: bad span' });
    const errors: string[] = [];
    const exporter = new OtlpExporter(
      'otlp/test',
      transport,
      PATIENT_RETRY,
      { enabled: true, numConsumers: 1, queueSize: 10, sizer: 'requests', persistentDir: dir },
      { metrics: undefined, logger: { ...silentLogger, error: (message: string) => errors.push(message) } },
    );
    await exporter.start();
    await exporter.consume([makeSpan()]);
    await exporter.consume([makeSpan()]);
    await until(() => exporter.stats().queuedRequests === 0, 2_000, 'the queue to drain');
    assert.equal(transport.sends.length, 2);
    assert.match(errors.join('\n'), /dropping 1 queued spans: .*HTTP 400: bad span/);
    await exporter.shutdown();
  } finally {
    removeDir(dir);
  }
});
