/**
 * How long the web UI takes to open big traces (issue "Web UI", item 4): targets are a 10k-span
 * trace in < 1.5 s, 100k spans in < 3 s without freezing the tab, 1M spans without crashing it;
 * issue 19 item 5: 1M spans first rows < 3 s and 100k < 1 s. Traces above 20,000 spans open in
 * the windowed view (the server assembles the tree, the page fetches the rows it shows).
 * Runs Skein (all-in-one, embedded chDB), ingests one trace per size over OTLP/HTTP
 * protobuf (5,000-span requests, `test/support/big-trace.ts` shapes), then per size:
 *
 * - the API alone: GET /api/v1/traces/{id} (native JSON) and ?format=compact with gzip (what the
 *   page fetches since the compact format), time and bytes on the wire;
 * - the page in Debian's Chromium: navigation start → first waterfall rows, the API's share of
 *   that (responseEnd) and the rest (parse, validation, tree building, first render), the JS heap,
 *   and frame times while scrolling through all rows expanded.
 *
 * `--ui-only` sizes skip storage: the same trace's compact JSON (gzipped, as the API sends it) is
 * built here and served by a small proxy in front of Skein (UI assets from Skein, the trace from
 * memory), which measures the page alone where the API cannot answer (1M spans: see BENCHMARKS.md).
 *
 *   npm run build -w @skein/ui && node --import tsx bench/ui-big-trace-bench.ts [--sizes 10000,100000,1000000] [--ui-only 1000000] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { createServer, get as httpGet, request as httpRequest, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { encodeOtlpProtoTraces } from '../src/model/otlp-proto-encode.js';
import type { Span } from '../src/model/span.js';
import { encodeCompactTrace } from '../src/query/compact-trace-encoder.js';
import { bigTraceChunks } from '../test/support/big-trace.js';
import { removeDir, startSkein } from '../test/support/skein-process.js';
import { randomTraceId } from '../test/support/span-factory.js';

const { values: options } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'ui-only': { type: 'string', default: '' },
    json: { type: 'string', default: resolve(import.meta.dirname, 'results/ui-big-trace-latest.json') },
  },
});
const sizes = options.sizes.split(',').filter(Boolean).map(Number);
const uiOnlySizes = options['ui-only'].split(',').filter(Boolean).map(Number);
const PAGE_TIMEOUT_MS = 180_000;

async function ingest(url: string, traceId: string, spanCount: number): Promise<number> {
  const t0 = performance.now();
  const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
  for (const chunk of bigTraceChunks(traceId, spanCount, start, 5_000)) {
    for (;;) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body: Buffer.from(encodeOtlpProtoTraces(chunk)),
      });
      if (response.status === 200) break;
      if (response.status !== 429 && response.status !== 503)
        throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  return performance.now() - t0;
}

/** A raw GET (fetch would hide the bytes on the wire): status, time to the last byte, wire bytes. */
function apiFetch(queryUrl: string, traceId: string, query = '', headers: Record<string, string> = {}): Promise<object> {
  const t0 = performance.now();
  return new Promise((done) => {
    httpGet(`${queryUrl}/api/v1/traces/${traceId}${query}`, { headers }, (response) => {
      let bytes = 0;
      const head: Buffer[] = [];
      response.on('data', (part: Buffer) => {
        bytes += part.length;
        if (head.length < 1) head.push(part);
      });
      response.on('end', () => {
        const result: Record<string, unknown> = { status: response.statusCode, ms: Math.round(performance.now() - t0), bytes };
        if (response.headers['content-encoding']) result['encoding'] = response.headers['content-encoding'];
        if (response.statusCode !== 200) result['body'] = Buffer.concat(head).subarray(0, 400).toString();
        done(result);
      });
    }).on('error', (error) => done({ error: String(error), ms: Math.round(performance.now() - t0) }));
  });
}

/** Runs in the page (a string: tsx's helpers do not exist there): frame times over 60 scroll steps. */
const SCROLL_SCRIPT = `(async () => {
  const viewport = document.querySelector('.wf-viewport');
  const frame = () => new Promise((done) => requestAnimationFrame(done));
  const frames = [];
  let previous = await frame();
  for (let step = 0; step < 60; step++) {
    viewport.scrollTop += Math.max(1500, viewport.scrollHeight / 60);
    const now = await frame();
    frames.push(now - previous);
    previous = now;
  }
  frames.sort((a, b) => a - b);
  return { p50: frames[30], max: frames[59], rowNodes: document.querySelectorAll('.wf-row').length };
})()`;

/** Long tasks (main thread busy > 50 ms) from the start of the page: how long the tab froze. */
const LONG_TASK_OBSERVER = `window.__longTasks = [];
new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.__longTasks.push(entry.duration); })
  .observe({ type: 'longtask', buffered: true });
// The moment the first span row enters the document, seen by the page itself: Playwright's wait
// and the evaluate after it add their own polling and round trips (~0.4-0.5 s measured).
window.__firstRowsAt = undefined;
new MutationObserver((_, observer) => {
  if (window.__firstRowsAt === undefined && document.querySelector('.wf-row[data-span-id], .error-box')) {
    window.__firstRowsAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });`;

async function openInBrowser(page: Page, url: string): Promise<object> {
  await page.addInitScript(LONG_TASK_OBSERVER);
  await page.goto(url);
  const outcome = await page
    // A span's row (the windowed view's not-yet-fetched rows carry no span ID), or an error.
    .waitForSelector('.wf-row[data-span-id], .error-box', { timeout: PAGE_TIMEOUT_MS })
    .then(async (element) => ((await element.getAttribute('class'))?.includes('error-box') ? 'error' : 'rows'))
    .catch((error: unknown) => `timeout: ${String(error).slice(0, 200)}`);
  const measured = (await page.evaluate(`({
    firstRowsMs: window.__firstRowsAt ?? performance.now(),
    seenByPlaywrightMs: performance.now(),
    // The compact trace is fetched by a worker (not in this timeline): the page marks its arrival.
    apiResponseEndMs: performance.getEntriesByName('skein:trace-downloaded')[0]?.startTime
      ?? performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/v1/traces/'))?.responseEnd ?? -1,
    longTasks: window.__longTasks ?? [],
    heapMB: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : -1,
    rowNodes: document.querySelectorAll('.wf-row').length,
    rowsShown: document.querySelector('.wf-row-count')?.textContent ?? '',
    error: document.querySelector('.error-box')?.textContent ?? '',
    // Where the time before the first rows went: the document, each script and API request (start → end).
    timeline: [
      ['document', 0, Math.round(performance.getEntriesByType('navigation')[0]?.responseEnd ?? -1)],
      ['domContentLoaded', 0, Math.round(performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? -1)],
      ...performance.getEntriesByType('resource').map((entry) => [entry.name.replace(location.origin, '').slice(0, 60), Math.round(entry.startTime), Math.round(entry.responseEnd)]),
    ],
  })`)) as {
    firstRowsMs: number;
    seenByPlaywrightMs: number;
    apiResponseEndMs: number;
    longTasks: number[];
    heapMB: number;
    rowNodes: number;
    rowsShown: string;
    error: string;
    timeline: Array<[string, number, number]>;
  };
  const result: Record<string, unknown> = {
    outcome,
    firstRowsMs: Math.round(measured.firstRowsMs),
    seenByPlaywrightMs: Math.round(measured.seenByPlaywrightMs),
    apiResponseEndMs: Math.round(measured.apiResponseEndMs),
    afterApiMs: Math.round(measured.firstRowsMs - measured.apiResponseEndMs),
    heapMB: Math.round(measured.heapMB),
    longestTaskMs: Math.round(Math.max(0, ...measured.longTasks)),
    blockingMs: Math.round(measured.longTasks.reduce((sum, duration) => sum + Math.max(0, duration - 50), 0)),
    rowNodes: measured.rowNodes,
    rowsShown: measured.rowsShown,
    ...(measured.error && { error: measured.error }),
    timeline: measured.timeline,
  };
  if (outcome === 'rows') {
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.waitForFunction(`document.querySelector('.tree-buttons button').disabled`, undefined, { timeout: PAGE_TIMEOUT_MS });
    result['expandAllMs'] = Math.round(performance.now() - t0);
    const scroll = (await page.evaluate(SCROLL_SCRIPT)) as { p50: number; max: number; rowNodes: number };
    result['scrollFrameP50Ms'] = Math.round(scroll.p50 * 10) / 10;
    result['scrollFrameMaxMs'] = Math.round(scroll.max * 10) / 10;
    result['rowNodesAfterScroll'] = scroll.rowNodes;
  }
  return result;
}

/** The compact JSON of a big trace, gzipped as the API sends it (built from pieces: no one string). */
function compactTraceBody(traceId: string, spanCount: number): Buffer {
  const spans: Span[] = [];
  const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
  for (const chunk of bigTraceChunks(traceId, spanCount, start, 5_000)) for (const span of chunk) spans.push(span);
  const parts: Buffer[] = [];
  for (const piece of encodeCompactTrace(traceId, spans)) parts.push(Buffer.from(piece));
  return gzipSync(Buffer.concat(parts), { level: 4 });
}

/** Serves `body` for the trace's API path and proxies everything else (the UI) to Skein. */
async function startTraceProxy(target: string, traceId: string, body: Buffer): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    if (request.url?.startsWith(`/api/v1/traces/${traceId}`)) {
      response.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': body.byteLength,
      });
      response.end(body);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

// The machine is shared: the load says how much of a figure is other people's work.
const loadAverageAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
// From the TypeScript sources (tsx compiles once at start-up; request handling runs at full speed).
const skein = await startSkein({ timeoutMillis: 60_000 });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
  headless: true,
});
const results: object[] = [];
try {
  for (const spans of sizes) {
    const traceId = randomTraceId();
    const ingestMs = await ingest(skein.otlpHttpUrl, traceId, spans);
    console.log(`${spans} spans ingested in ${Math.round(ingestMs)} ms`);
    const api = await apiFetch(skein.queryUrl, traceId);
    console.log(`  API native: ${JSON.stringify(api)}`);
    const apiCompact = await apiFetch(skein.queryUrl, traceId, '?format=compact', { 'Accept-Encoding': 'gzip' });
    console.log(`  API compact: ${JSON.stringify(apiCompact)}`);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let crashed = false;
    page.on('crash', () => (crashed = true));
    const ui = await openInBrowser(page, `${skein.queryUrl}/trace/${traceId}`).catch((error: unknown) => ({ error: String(error) }));
    await page.close().catch(() => undefined);
    const result = { spans, ingestMs: Math.round(ingestMs), api, apiCompact, ui: { ...ui, tabCrashed: crashed } };
    console.log(`  UI: ${JSON.stringify(result.ui)}`);
    results.push(result);
  }
  for (const spans of uiOnlySizes) {
    const traceId = randomTraceId();
    const t0 = performance.now();
    const body = compactTraceBody(traceId, spans);
    console.log(
      `${spans} spans: compact JSON, ${Math.round(body.byteLength / 1e6)} MB gzipped, built in ${Math.round(performance.now() - t0)} ms`,
    );
    const proxy = await startTraceProxy(skein.queryUrl, traceId, body);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let crashed = false;
    page.on('crash', () => (crashed = true));
    const ui = await openInBrowser(page, `${proxy.url}/trace/${traceId}`).catch((error: unknown) => ({ error: String(error) }));
    await page.close().catch(() => undefined);
    await new Promise((done) => proxy.server.close(done));
    const result = { spans, uiOnly: true, gzippedBytes: body.byteLength, ui: { ...ui, tabCrashed: crashed } };
    console.log(`  UI only: ${JSON.stringify(result.ui)}`);
    results.push(result);
  }
} finally {
  await browser.close();
  await skein.stop();
  removeDir(skein.dataDir);
}
const report = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  node: process.version,
  loadAverageAtStart,
  loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
  results,
};
writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten to ${options.json}`);
