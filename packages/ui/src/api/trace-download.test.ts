/**
 * The download step of a trace's loading (trace-download.ts) against a real HTTP server that sends
 * the golden compact body in two pieces: the first piece is reported at once (with the span count
 * when it holds the header), later ones at most every interval, then the decode step with the
 * whole size and the count. Whether the second piece gets its own report depends on timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { downloadCompactColumns } from './trace-download';

/** Serves `body` in two pieces, cut at `cut`, the second 150 ms after the first. */
async function withServer(body: Buffer, cut: number, run: (url: string) => Promise<void>): Promise<void> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.write(body.subarray(0, cut));
    setTimeout(() => response.end(body.subarray(cut)), 150);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const { port } = server.address() as AddressInfo;
    await run(`http://127.0.0.1:${port}/api/v1/traces/x?format=compact`);
  } finally {
    await new Promise((closed) => server.close(closed));
  }
}

const body = readFileSync(resolve(import.meta.dirname, 'fixtures', 'golden-trace.compact.json'));
const spanCount = (JSON.parse(body.toString('utf8')) as { spanCount: number }).spanCount;

async function reportsOf(cut: number): Promise<{ phase: string; bytes: number; spanCount: number | undefined }[]> {
  const reports: { phase: string; bytes: number; spanCount: number | undefined }[] = [];
  await withServer(body, cut, async (url) => {
    const columns = await downloadCompactColumns(
      url,
      (phase, bytes, count) => reports.push({ phase, bytes, spanCount: count }),
      AbortSignal.timeout(10_000),
    );
    assert.equal(columns.spanCount, spanCount);
  });
  // Bytes only grow; the last report is the decode step with the whole body and the count.
  assert.deepEqual(
    reports.map((report) => report.bytes),
    reports.map((report) => report.bytes).sort((a, b) => a - b),
  );
  assert.deepEqual(reports.at(-1), { phase: 'decode', bytes: body.byteLength, spanCount });
  return reports;
}

test('download progress: the first piece is reported at once, with the span count when it holds the header', async () => {
  const cut = body.indexOf('"spans"');
  assert.deepEqual((await reportsOf(cut))[0], { phase: 'download', bytes: cut, spanCount });
});

test('download progress: a header split between pieces gives the count once its end arrives', async () => {
  // Cut inside "spanCount": the first report cannot know the count yet.
  const cut = body.indexOf('spanCount') + 4;
  assert.deepEqual((await reportsOf(cut))[0], { phase: 'download', bytes: cut, spanCount: undefined });
});
