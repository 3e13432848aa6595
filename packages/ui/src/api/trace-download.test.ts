/**
 * The download step of a trace's loading (trace-download.ts) against a real HTTP server that sends
 * the golden compact body in small pieces: the first piece is reported at once with the span count
 * its header states, later ones at most every interval, then the decode step with the whole size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { downloadCompactColumns } from './trace-download';

test('download progress: the span count from the first piece, then bytes, then the decode step with the whole size', async () => {
  const body = readFileSync(resolve(import.meta.dirname, 'fixtures', 'golden-trace.compact.json'));
  const spanCount = (JSON.parse(body.toString('utf8')) as { spanCount: number }).spanCount;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    // The header arrives in two pieces, split inside "spanCount".
    const cut = body.indexOf('spanCount') + 4;
    response.write(body.subarray(0, cut));
    setTimeout(() => response.end(body.subarray(cut)), 150);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const { port } = server.address() as AddressInfo;
    const reports: { phase: string; bytes: number; spanCount: number | undefined }[] = [];
    const columns = await downloadCompactColumns(
      `http://127.0.0.1:${port}/api/v1/traces/x?format=compact`,
      (phase, bytes, count) => reports.push({ phase, bytes, spanCount: count }),
      AbortSignal.timeout(10_000),
    );
    assert.equal(columns.spanCount, spanCount);
    assert.deepEqual(reports[0], { phase: 'download', bytes: body.indexOf('spanCount') + 4, spanCount: undefined });
    // The second piece completes the header: its report (150 ms later) carries the count.
    assert.deepEqual(reports.at(-2), { phase: 'download', bytes: body.byteLength, spanCount });
    assert.deepEqual(reports.at(-1), { phase: 'decode', bytes: body.byteLength, spanCount });
  } finally {
    await new Promise((closed) => server.close(closed));
  }
});
