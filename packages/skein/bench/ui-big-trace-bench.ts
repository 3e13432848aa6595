/**
 * How long the web UI takes to open big traces (issue "Web UI", item 4): targets are a 10k-span
 * trace in < 1.5 s, 100k spans in < 3 s without freezing the tab, 1M spans without crashing it.
 * Runs Skein (all-in-one, embedded chDB), ingests one trace per size over OTLP/HTTP
 * protobuf (5,000-span requests, `test/support/big-trace.ts` shapes), then per size:
 *
 * - the API alone: GET /api/v1/traces/{id}, time and response bytes (the UI needs all of it);
 * - the page in Debian's Chromium: navigation start → first waterfall rows, the API's share of
 *   that (responseEnd) and the rest (parse, validation, tree building, first render), the JS heap,
 *   and frame times while scrolling through all rows expanded.
 *
 * `--ui-only` sizes skip storage: the same trace's native JSON is built here and served by a small
 * proxy in front of Skein (UI assets from Skein, the trace from memory), which measures the page
 * alone where the API cannot answer (1M spans: see BENCHMARKS.md).
 *
 *   npm run build -w @skein/ui && node --import tsx bench/ui-big-trace-bench.ts [--sizes 10000,100000,1000000] [--ui-only 1000000] [--json file]
 */
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { encodeOtlpProtoTraces } from '../src/model/otlp-proto-encode.js';
import { toNativeTrace } from '../src/query/native-trace-json.js';
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

async function apiFetch(queryUrl: string, traceId: string): Promise<object> {
  const t0 = performance.now();
  try {
    const response = await fetch(`${queryUrl}/api/v1/traces/${traceId}`);
    const body = await response.arrayBuffer();
    const result: Record<string, unknown> = { status: response.status, ms: Math.round(performance.now() - t0), bytes: body.byteLength };
    if (response.status !== 200) result['body'] = Buffer.from(body.slice(0, 300)).toString();
    return result;
  } catch (error) {
    return { error: String(error), ms: Math.round(performance.now() - t0) };
  }
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

async function openInBrowser(page: Page, url: string): Promise<object> {
  await page.goto(url);
  const outcome = await page
    .waitForSelector('.wf-row, .error-box', { timeout: PAGE_TIMEOUT_MS })
    .then(async (element) => ((await element.getAttribute('class'))?.includes('error-box') ? 'error' : 'rows'))
    .catch((error: unknown) => `timeout: ${String(error).slice(0, 200)}`);
  const measured = (await page.evaluate(`({
    firstRowsMs: performance.now(),
    apiResponseEndMs: performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/v1/traces/'))?.responseEnd ?? -1,
    heapMB: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : -1,
    rowNodes: document.querySelectorAll('.wf-row').length,
    rowsShown: document.querySelector('.wf-row-count')?.textContent ?? '',
    error: document.querySelector('.error-box')?.textContent ?? '',
  })`)) as { firstRowsMs: number; apiResponseEndMs: number; heapMB: number; rowNodes: number; rowsShown: string; error: string };
  const result: Record<string, unknown> = {
    outcome,
    firstRowsMs: Math.round(measured.firstRowsMs),
    apiResponseEndMs: Math.round(measured.apiResponseEndMs),
    afterApiMs: Math.round(measured.firstRowsMs - measured.apiResponseEndMs),
    heapMB: Math.round(measured.heapMB),
    rowNodes: measured.rowNodes,
    rowsShown: measured.rowsShown,
    ...(measured.error && { error: measured.error }),
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

/** The native JSON of a big trace, built chunk by chunk as Buffers (1M spans exceed a JS string). */
function nativeTraceBody(traceId: string, spanCount: number): Buffer {
  const parts: Buffer[] = [];
  const resources = new Map<string, number>();
  const scopes = new Map<string, number>();
  const indexOf = (table: Map<string, number>, value: unknown): number => {
    const key = JSON.stringify(value);
    let index = table.get(key);
    if (index === undefined) table.set(key, (index = table.size));
    return index;
  };
  const start = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
  for (const chunk of bigTraceChunks(traceId, spanCount, start, 5_000)) {
    const native = toNativeTrace(traceId, chunk);
    const text = native.spans
      .map((span) =>
        JSON.stringify({
          ...span,
          resourceIndex: indexOf(resources, native.resources[span.resourceIndex]),
          scopeIndex: indexOf(scopes, native.scopes[span.scopeIndex]),
        }),
      )
      .join(',');
    parts.push(Buffer.from(parts.length === 0 ? text : `,${text}`));
  }
  const list = (table: Map<string, number>): string => `[${[...table.keys()].join(',')}]`;
  return Buffer.concat([
    Buffer.from(`{"traceId":"${traceId}","spans":[`),
    ...parts,
    Buffer.from(`],"resources":${list(resources)},"scopes":${list(scopes)}}`),
  ]);
}

/** Serves `body` for the trace's API path and proxies everything else (the UI) to Skein. */
async function startTraceProxy(target: string, traceId: string, body: Buffer): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    if (request.url?.startsWith(`/api/v1/traces/${traceId}`)) {
      response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.byteLength });
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
    console.log(`  API: ${JSON.stringify(api)}`);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let crashed = false;
    page.on('crash', () => (crashed = true));
    const ui = await openInBrowser(page, `${skein.queryUrl}/trace/${traceId}`).catch((error: unknown) => ({ error: String(error) }));
    await page.close().catch(() => undefined);
    const result = { spans, ingestMs: Math.round(ingestMs), api, ui: { ...ui, tabCrashed: crashed } };
    console.log(`  UI: ${JSON.stringify(result.ui)}`);
    results.push(result);
  }
  for (const spans of uiOnlySizes) {
    const traceId = randomTraceId();
    const t0 = performance.now();
    const body = nativeTraceBody(traceId, spans);
    console.log(`${spans} spans: native JSON of ${Math.round(body.byteLength / 1e6)} MB built in ${Math.round(performance.now() - t0)} ms`);
    const proxy = await startTraceProxy(skein.queryUrl, traceId, body);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let crashed = false;
    page.on('crash', () => (crashed = true));
    const ui = await openInBrowser(page, `${proxy.url}/trace/${traceId}`).catch((error: unknown) => ({ error: String(error) }));
    await page.close().catch(() => undefined);
    await new Promise((done) => proxy.server.close(done));
    const result = { spans, uiOnly: true, responseBytes: body.byteLength, ui: { ...ui, tabCrashed: crashed } };
    console.log(`  UI only: ${JSON.stringify(result.ui)}`);
    results.push(result);
  }
} finally {
  await browser.close();
  await skein.stop();
  removeDir(skein.dataDir);
}
const report = { date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, results };
writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten to ${options.json}`);
