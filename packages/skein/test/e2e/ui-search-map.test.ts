/**
 * The web UI's search page, service map and trace files, served by the real CLI and driven in
 * Debian's Chromium: the scatter plot, sort orders, the service map, opening OTLP JSON files from
 * disk, downloading a trace, attribute autocompletion and deep links that reload to the same view.
 * Screenshots land in test-artifacts/ for a person to look at.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Resource, Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { makeTempDir, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeScope, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const TRACE_COUNT = 8;

describe('web UI search, service map and trace files in Chromium', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  let tempDir: string;
  const pageErrors: string[] = [];
  const base = BigInt(Date.now() - 10 * 60_000) * MS;
  const resources: Record<string, Resource> = {
    frontend: makeResource('frontend', [{ key: 'deployment.environment', value: 'prod' }]),
    cart: makeResource('cart'),
    inventory: makeResource('inventory'),
    payment: makeResource('payment'),
    fraud: makeResource('fraud'),
  };
  const scope = makeScope('@opentelemetry/instrumentation-http');
  /** Trace i: frontend → cart → inventory, and every other one frontend → payment (→ fraud); every third payment fails. */
  const traces = Array.from({ length: TRACE_COUNT }, (_, i) => ({
    traceId: randomTraceId(),
    durationMs: 120 + ((i * 37) % 8) * 55,
    failed: i % 2 === 0 && i % 3 === 0,
    paid: i % 2 === 0,
    spanCount: i % 2 === 0 ? 5 : 3,
  }));
  const slowest = [...traces].sort((a, b) => b.durationMs - a.durationMs)[0]!;
  const fileTraceId = randomTraceId();

  function traceSpans(index: number, traceId = traces[index]!.traceId): Span[] {
    const { durationMs, failed, paid } = traces[index] ?? traces[0]!;
    const start = base + BigInt(index) * 45_000n * MS;
    const at = (ms: number): bigint => start + BigInt(ms) * MS;
    const rootId = randomSpanId();
    const cartId = randomSpanId();
    const paymentId = randomSpanId();
    const spans: Span[] = [
      makeSpan({
        traceId,
        spanId: rootId,
        name: index % 2 === 0 ? 'GET /checkout' : 'GET /cart',
        kind: 2,
        resource: resources['frontend']!,
        scope,
        startTimeUnixNano: at(0),
        endTimeUnixNano: at(durationMs),
        attributes: [
          { key: 'http.route', value: index % 2 === 0 ? '/checkout' : '/cart' },
          { key: 'http.response.status_code', value: failed ? 500n : 200n },
        ],
        status: failed ? { code: 2, message: 'payment failed' } : { code: 0, message: '' },
      }),
      makeSpan({
        traceId,
        spanId: cartId,
        parentSpanId: rootId,
        name: 'POST /cart/reserve',
        kind: 2,
        resource: resources['cart']!,
        scope,
        startTimeUnixNano: at(5),
        endTimeUnixNano: at(Math.round(durationMs * 0.45)),
      }),
      makeSpan({
        traceId,
        parentSpanId: cartId,
        name: 'reserve stock',
        kind: 2,
        resource: resources['inventory']!,
        scope,
        startTimeUnixNano: at(10),
        endTimeUnixNano: at(Math.round(durationMs * 0.4)),
      }),
    ];
    if (paid) {
      spans.push(
        makeSpan({
          traceId,
          spanId: paymentId,
          parentSpanId: rootId,
          name: 'charge card',
          kind: 2,
          resource: resources['payment']!,
          scope,
          startTimeUnixNano: at(Math.round(durationMs * 0.5)),
          endTimeUnixNano: at(durationMs - 5),
          status: failed ? { code: 2, message: 'card declined' } : { code: 0, message: '' },
        }),
        makeSpan({
          traceId,
          parentSpanId: paymentId,
          name: 'score transaction',
          kind: 2,
          resource: resources['fraud']!,
          scope,
          startTimeUnixNano: at(Math.round(durationMs * 0.55)),
          endTimeUnixNano: at(Math.round(durationMs * 0.7)),
        }),
      );
    }
    return spans;
  }

  before(async () => {
    tempDir = makeTempDir('ui-files');
    [skein, browser] = await Promise.all([startSkein(), launchChromium()]);
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(traces.flatMap((_, i) => traceSpans(i)))),
    });
    assert.equal(response.status, 200, await response.text());
  });

  after(async () => {
    await browser?.close();
    if (skein) {
      assert.equal(await skein.stop(), 0);
      removeDir(skein.dataDir);
    }
    if (tempDir) removeDir(tempDir);
  });

  const newPage = (colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => newCheckedPage(browser, pageErrors, colorScheme);

  const screenshot = saveScreenshot;

  /** `path` reached the way a click on an in-app link reaches it (works whatever the server serves there). */
  async function openInApp(page: Page, path: string): Promise<void> {
    if (!page.url().startsWith(skein.queryUrl)) {
      await page.goto(`${skein.queryUrl}/search`);
      await page.locator('.search-page').waitFor();
    }
    // Runs in the page; this package is type-checked without DOM types, hence `globalThis as any`.
    await page.evaluate((to) => {
      const browserWindow = globalThis as any;
      browserWindow.history.pushState(null, '', to);
      browserWindow.dispatchEvent(new browserWindow.PopStateEvent('popstate'));
    }, path);
    await page.waitForURL(`${skein.queryUrl}${path}`);
  }

  /** Drops a file on the search page as a drag from the desktop would. */
  async function dropFile(page: Page, fileName: string, content: string): Promise<void> {
    const dataTransfer = await page.evaluateHandle(
      ([name, text]) => {
        const browserWindow = globalThis as any;
        const transfer = new browserWindow.DataTransfer();
        transfer.items.add(new browserWindow.File([text], name, { type: 'application/json' }));
        return transfer;
      },
      [fileName, content] as const,
    );
    await page.dispatchEvent('.search-page', 'drop', { dataTransfer });
  }

  const resultIds = (page: Page): Promise<(string | null)[]> =>
    page.locator('.result').evaluateAll((links) => links.map((link) => link.getAttribute('data-trace-id')));

  test('search → scatter plot → hover and click a point → the trace; download it as OTLP JSON', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/search`);
    await page.locator('.scatter-point').first().waitFor();
    assert.equal(await page.locator('.scatter-point').count(), TRACE_COUNT);
    assert.equal(await page.locator('.result').count(), TRACE_COUNT);
    // Errors are coloured apart: traces 0 and 6 failed.
    assert.equal(await page.locator('.scatter-point.error').count(), traces.filter((t) => t.failed).length);
    // Per-service span counts and a duration bar relative to the slowest trace.
    const slowestRow = page.locator(`.result[data-trace-id="${slowest.traceId}"]`);
    assert.match(await slowestRow.innerText(), /frontend[\s\S]*cart\s*1/);
    assert.match((await slowestRow.locator('.bar-fill').getAttribute('style')) ?? '', /width: 100%/);

    const point = page.locator(`.scatter-point[data-trace-id="${slowest.traceId}"]`);
    await point.hover();
    const tooltip = page.locator('.scatter-tooltip');
    await tooltip.waitFor();
    assert.match(await tooltip.innerText(), new RegExp(`frontend: GET /(checkout|cart)[\\s\\S]*${slowest.durationMs} ms`));
    await screenshot(page, 'ui-search-scatter');

    await point.click();
    await page.waitForURL(`${skein.queryUrl}/trace/${slowest.traceId}`);
    await page.locator('.trace-header').waitFor();
    assert.match(await page.locator('.trace-header').innerText(), /Spans\s*\d/i);

    const downloadButton = page.getByRole('button', { name: 'Download OTLP JSON' });
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    assert.equal(download.suggestedFilename(), `${slowest.traceId}.json`);
    const saved = join(tempDir, download.suggestedFilename());
    await download.saveAs(saved);
    const otlp = JSON.parse(readFileSync(saved, 'utf8'));
    const savedSpans = otlp.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
    assert.equal(savedSpans.length, slowest.spanCount);
    assert.ok(savedSpans.every((span: any) => span.traceId === slowest.traceId));
    await screenshot(page, 'ui-trace-download');
    await page.close();
  });

  test('sort orders live in the URL and re-order the list without searching again', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/search?lookback=1h&limit=20`);
    await page.locator('.result').first().waitFor();
    const newestFirst = await resultIds(page);
    let searches = 0;
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/search')) searches++;
    });
    await page.selectOption('select[name="sort"]', 'longest');
    await page.waitForURL(/\/search\?lookback=1h&limit=20&sort=longest$/);
    const longest = [...traces].sort((a, b) => b.durationMs - a.durationMs).map((t) => t.traceId);
    assert.deepEqual(await resultIds(page), longest);
    await page.selectOption('select[name="sort"]', 'shortest');
    await page.waitForURL(/sort=shortest$/);
    assert.equal((await resultIds(page))[0], longest[longest.length - 1]);
    await page.selectOption('select[name="sort"]', 'most-spans');
    await page.waitForURL(/sort=most-spans$/);
    const mostSpans = await resultIds(page);
    assert.equal(traces.find((t) => t.traceId === mostSpans[0])!.spanCount, 5);
    await page.selectOption('select[name="sort"]', 'most-errors');
    await page.waitForURL(/sort=most-errors$/);
    const mostErrors = await resultIds(page);
    assert.ok(traces.find((t) => t.traceId === mostErrors[0])!.failed, 'a failed trace comes first');
    assert.equal(searches, 0, 'sorting does not ask the API again');
    await screenshot(page, 'ui-search-sorted');
    await page.selectOption('select[name="sort"]', 'recent');
    await page.waitForURL(/\/search\?lookback=1h&limit=20$/);
    assert.deepEqual(await resultIds(page), newestFirst);
    await page.close();
  });

  /** These traces have no CLIENT spans: the metrics tap sees only `user` → frontend, so answer "nothing" and test the fallback. */
  const withoutMetricsMap = async (page: Page): Promise<void> => {
    await page.route('**/api/v1/metrics/service-map?**', (route) =>
      route.fulfill({ json: { startTimeUnixMillis: 0, endTimeUnixMillis: 0, stepMillis: 60_000, nodes: [], edges: [] } }),
    );
  };

  test('service map from traces (the metrics map is empty): nodes and edges with call and error counts; a click on a service searches for it', async () => {
    const page = await newPage();
    await withoutMetricsMap(page);
    await page.goto(`${skein.queryUrl}/search`);
    await page.getByRole('link', { name: 'Service map' }).click();
    await page.waitForURL(`${skein.queryUrl}/map`);
    await page.locator('.map-node').first().waitFor();
    assert.deepEqual((await page.locator('.map-node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-service')))).sort(), [
      'cart',
      'fraud',
      'frontend',
      'inventory',
      'payment',
    ]);
    assert.equal(await page.locator('.map-edge').count(), 4);
    const paid = traces.filter((t) => t.paid).length;
    const failed = traces.filter((t) => t.failed).length;
    const paymentEdge = page.locator('.map-edge[data-from="frontend"][data-to="payment"]');
    assert.match((await paymentEdge.getAttribute('class')) ?? '', /\berror\b/);
    assert.equal(await paymentEdge.locator('.map-edge-label').textContent(), `${paid} · ${failed} err`);
    assert.equal(await page.locator('.map-edge[data-from="frontend"][data-to="cart"] .map-edge-label').textContent(), `${TRACE_COUNT}`);
    assert.match((await page.locator('.map-edge[data-from="cart"][data-to="inventory"]').getAttribute('class')) ?? '', /\bok\b/);
    // Layered left to right: callers sit left of their callees.
    const x = async (service: string): Promise<number> => (await page.locator(`.map-node[data-service="${service}"]`).boundingBox())!.x;
    assert.ok((await x('frontend')) < (await x('cart')) && (await x('cart')) < (await x('inventory')));
    assert.ok((await x('payment')) < (await x('fraud')));
    assert.match(await page.locator('.map-table tbody tr').first().innerText(), /frontend\s*payment\s*4\s*2\s*50\.0 %/);
    await screenshot(page, 'ui-service-map');
    // Hovering a service fades what it is not connected to.
    await page.locator('.map-node[data-service="payment"]').hover();
    assert.match((await page.locator('.map-edge[data-from="cart"][data-to="inventory"]').getAttribute('class')) ?? '', /faded/);
    assert.doesNotMatch((await paymentEdge.getAttribute('class')) ?? '', /faded/);

    // The time range is URL state; a deep link reloads to it (the query port serves /map as a UI route).
    await page.getByRole('radio', { name: '6h' }).click();
    await page.waitForURL(`${skein.queryUrl}/map?lookback=6h`);
    await page.reload();
    await page.locator('.map-node').first().waitFor();
    assert.equal(await page.getByRole('radio', { name: '6h' }).getAttribute('aria-checked'), 'true');

    await page.locator('.map-node[data-service="inventory"]').click();
    await page.waitForURL(`${skein.queryUrl}/search?service=inventory&lookback=6h`);
    await page.locator('.result').first().waitFor();
    assert.equal(await page.locator('select[name="service"]').inputValue(), 'inventory');
    assert.equal(await page.locator('.result').count(), TRACE_COUNT);

    const dark = await newPage('dark');
    await withoutMetricsMap(dark);
    await openInApp(dark, '/map');
    await dark.locator('.map-node').first().waitFor();
    await screenshot(dark, 'ui-service-map-dark');
    const nowNano = BigInt(Date.now()) * MS;
    await dark.route('**/api/v1/dependencies?**', (route) =>
      route.fulfill({
        json: { dependencies: [], startTimeUnixNano: String(nowNano - 900_000n * MS), endTimeUnixNano: String(nowNano) },
      }),
    );
    await openInApp(dark, '/map?lookback=15m');
    assert.match(await dark.locator('.empty-state').innerText(), /No calls between services in the last 15m/);
    await screenshot(dark, 'ui-service-map-empty-dark');
    await dark.close();
    await page.close();
  });

  test('open OTLP JSON files from disk (picker and drag-and-drop): shown on the trace page, never uploaded; bad files say why', async () => {
    const page = await newPage();
    let uploads = 0;
    page.on('request', (request) => {
      if (request.method() !== 'GET') uploads++;
    });
    // An exporter's file: one trace that Skein has never seen, with a bare int64 time.
    const spans = traceSpans(0, fileTraceId);
    const text = JSON.stringify(encodeOtlpJsonTraces(spans)).replace(
      `"startTimeUnixNano":"${spans[0]!.startTimeUnixNano}"`,
      `"startTimeUnixNano":${spans[0]!.startTimeUnixNano}`,
    );
    const file = join(tempDir, 'checkout-trace.json');
    writeFileSync(file, text);
    await page.goto(`${skein.queryUrl}/search`);
    await page.locator('.result').first().waitFor();
    await page.setInputFiles('input[name="traceFile"]', file);
    await page.waitForURL(`${skein.queryUrl}/trace/${fileTraceId}`);
    const header = page.locator('.trace-header');
    await header.waitFor();
    assert.match(await header.innerText(), /from file checkout-trace\.json/);
    assert.match(await header.innerText(), /Spans\s*5/i);
    assert.match(await header.innerText(), /GET \/checkout/);
    assert.equal(await page.getByRole('button', { name: 'Download OTLP JSON' }).count(), 0);
    await screenshot(page, 'ui-trace-from-file');
    // The session keeps it: a reload of the same URL shows it again.
    await page.reload();
    await header.waitFor();
    assert.match(await header.innerText(), /from file checkout-trace\.json/);
    assert.equal((await fetch(`${skein.queryUrl}/api/v1/traces/${fileTraceId}`)).status, 404, 'the file was not uploaded');

    // A file with two traces: a list to pick from.
    await page.getByRole('button', { name: 'Close file' }).click();
    await page.waitForURL(`${skein.queryUrl}/search`);
    const twoTraces = JSON.stringify(encodeOtlpJsonTraces([...traceSpans(1, randomTraceId()), ...traceSpans(2, randomTraceId())]));
    await page.setInputFiles('input[name="traceFile"]', { name: 'two.json', mimeType: 'application/json', buffer: Buffer.from(twoTraces) });
    const listed = page.locator('.file-traces');
    await listed.waitFor();
    assert.match(await listed.innerText(), /2 traces in two\.json/);
    assert.equal(await listed.locator('.result').count(), 2);
    await screenshot(page, 'ui-open-file-several');

    // Dropped on the page: a bad file is refused with the problem and where it is.
    const bad = text.replace(`"traceId":"${fileTraceId}"`, '"traceId":"not-hex"');
    await dropFile(page, 'broken.json', bad);
    const error = page.locator('.file-outcome .error-box');
    await error.waitFor();
    assert.match(
      await error.innerText(),
      /Cannot open broken\.json\s*resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected 32 hex digits, not all zero/,
    );
    await screenshot(page, 'ui-open-file-error');
    await dropFile(page, 'cut.json', '{"resourceSpans": [');
    await page.locator('.file-outcome .error-box', { hasText: 'Cannot open cut.json' }).waitFor();
    assert.match(await page.locator('.file-outcome .error-box').innerText(), /not valid JSON/);

    // A good file dropped opens the trace.
    await dropFile(page, 'dropped.json', text);
    await page.waitForURL(`${skein.queryUrl}/trace/${fileTraceId}`);
    assert.match(await header.innerText(), /from file dropped\.json/);
    assert.equal(uploads, 0, 'nothing but GETs went to Skein');
    await page.close();
  });

  test('a deep link to a search (filters, absolute time range, sort) reloads to the same view; the trace ID box jumps to a trace', async () => {
    const page = await newPage('dark');
    const start = new Date(Number(base / MS) - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const end = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = new URLSearchParams({ service: 'frontend', attr: 'http.route=/checkout', start, end, limit: '50', sort: 'longest' });
    const url = `${skein.queryUrl}/search?${query.toString()}`;
    await page.goto(url);
    const checkout = traces.filter((_, i) => i % 2 === 0).sort((a, b) => b.durationMs - a.durationMs);
    for (let load = 0; load < 2; load++) {
      await page.locator('.result').first().waitFor();
      assert.deepEqual(
        await resultIds(page),
        checkout.map((t) => t.traceId),
      );
      assert.equal(await page.locator('select[name="service"]').inputValue(), 'frontend');
      assert.equal(await page.getByRole('combobox', { name: 'Attribute filter 1' }).inputValue(), 'http.route=/checkout');
      assert.equal(await page.locator('select[name="sort"]').inputValue(), 'longest');
      assert.equal(await page.getByRole('radio', { name: 'Custom' }).getAttribute('aria-checked'), 'true');
      assert.notEqual(await page.locator('input[name="start"]').inputValue(), '');
      assert.notEqual(await page.locator('input[name="end"]').inputValue(), '');
      if (load === 0) {
        await screenshot(page, 'ui-search-deep-link-dark');
        await page.reload();
      }
    }
    assert.equal(page.url(), url);

    // Back to a relative range: the preset replaces start/end in the URL.
    await page.getByRole('radio', { name: '24h' }).click();
    await page.getByRole('button', { name: 'Find traces' }).click();
    await page.waitForURL(/\/search\?service=frontend&attr=http.route%3D%2Fcheckout&lookback=24h&limit=50&sort=longest$/);

    const lookup = page.getByLabel('Trace ID');
    await lookup.fill(slowest.traceId.toUpperCase());
    await lookup.press('Enter');
    await page.waitForURL(`${skein.queryUrl}/trace/${slowest.traceId}`);
    await page.locator('.trace-header').waitFor();
    await page.close();
  });

  test('attribute autocompletion: keys, then values of the chosen key, from the attributes API', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/search`);
    await page.locator('.result').first().waitFor();
    const input = page.getByRole('combobox', { name: 'Attribute filter 1' });
    await input.click();
    await input.fill('rou');
    const suggestions = page.getByRole('listbox');
    const options = suggestions.getByRole('option');
    await options.first().waitFor();
    assert.equal(await options.count(), 1);
    assert.match(await options.first().innerText(), /http\.route/);
    await input.fill('http.ro');
    await options.first().waitFor();
    await input.press('ArrowDown');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'http.route=');
    await suggestions.getByRole('option', { name: /\/checkout/ }).waitFor();
    await input.pressSequentially('ch');
    assert.equal(await options.count(), 1);
    await screenshot(page, 'ui-search-autocomplete');
    await options.first().click();
    assert.equal(await input.inputValue(), 'http.route=/checkout');
    assert.equal(await page.locator('.suggestions').count(), 0);
    await page.getByRole('button', { name: 'Find traces' }).click();
    await page.waitForURL(/attr=http.route%3D%2Fcheckout/);
    await page.locator('.result').first().waitFor();
    assert.equal(await page.locator('.result').count(), traces.filter((_, i) => i % 2 === 0).length);
    await page.close();
  });

  test('no script errors in any page', () => {
    // The autocompletion endpoints of an older backend answer 404, logged by Chromium as a failed load.
    const unexpected = pageErrors.filter((message) => !/Failed to load resource: the server responded with a status of 404/.test(message));
    assert.deepEqual(unexpected, []);
  });
});
