/**
 * The web UI (issue 5) served by the real CLI and driven in Debian's Chromium: search, open a
 * trace, expand and select spans, deep links that reload to the same view. Screenshots land in
 * test-artifacts/ for a person to look at.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Span, SpanKind } from '../../src/model/span.js';
import { withUiAssets } from '../../src/query/ui-assets.js';
import { launchChromium, newCheckedPage, requireBuiltUi, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { makeTempDir, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeScope, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;

describe('web UI assets on the query port', () => {
  let skein: SkeinProcess;
  before(async () => {
    requireBuiltUi();
    skein = await startSkein();
  });
  after(async () => {
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('SPA routes answer index.html, hashed assets are cached long, the API and health checks still answer JSON', async () => {
    for (const path of ['/', '/search?service=x', '/trace/abc?span=def']) {
      const response = await fetch(`${skein.queryUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', path);
      assert.equal(response.headers.get('cache-control'), 'no-cache', path);
      const html = await response.text();
      assert.match(html, /<div id="root">/, path);
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(asset, 'index.html names its script');
      const script = await fetch(`${skein.queryUrl}${asset}`);
      assert.equal(script.status, 200);
      assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      await script.arrayBuffer();
    }
    const head = await fetch(`${skein.queryUrl}/search`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${skein.queryUrl}/assets/missing-abc123.js`)).status, 404);
    assert.equal((await fetch(`${skein.queryUrl}/assets/%2e%2e/index.html`)).status, 404);
    assert.equal((await fetch(`${skein.queryUrl}/assets/..%2f..%2fpackage.json`)).status, 404);
    assert.equal((await fetch(`${skein.queryUrl}/`, { method: 'POST' })).status, 405);

    const services = await fetch(`${skein.queryUrl}/api/v1/services`);
    assert.equal(services.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await services.json(), { services: [] });
    assert.deepEqual(await (await fetch(`${skein.queryUrl}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${skein.queryUrl}/readyz`)).status, 200);
    const unknown = await fetch(`${skein.queryUrl}/api/v1/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).error.code, 'not_found');
  });

  test('without a built UI the page says how to build it', async () => {
    const emptyDir = makeTempDir('ui-not-built');
    const server: Server = createServer(withUiAssets((_request, response) => response.end('api'), { distDir: emptyDir }));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as { port: number }).port;
      const response = await fetch(`http://127.0.0.1:${port}/trace/abc`);
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.match(await response.text(), /web UI is not built[\s\S]*npm run build/);
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/api/v1/services`)).text(), 'api');
    } finally {
      await new Promise((done) => server.close(done));
      removeDir(emptyDir);
    }
  });
});

describe('web UI in Chromium', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const pageErrors: string[] = [];
  const traceId = randomTraceId();
  const orphanTraceId = randomTraceId();
  const linkedTraceId = randomTraceId();
  const rootId = randomSpanId();
  const cartId = randomSpanId();
  const dbId = randomSpanId();
  const paymentId = randomSpanId();
  const geoTraceId = randomTraceId();
  const geoIds = { nearby: randomSpanId(), client: randomSpanId(), server: randomSpanId(), lookup: randomSpanId(), render: randomSpanId() };
  const base = BigInt(Date.now() - 5 * 60_000) * MS;

  before(async () => {
    [skein, browser] = await Promise.all([startSkein(), launchChromium()]);
    const frontend = makeResource('frontend', [{ key: 'deployment.environment', value: 'prod' }]);
    const cart = makeResource('cart');
    const payment = makeResource('payment', [{ key: 'host.name', value: 'pay-1' }]);
    const scope = makeScope('@opentelemetry/instrumentation-http');
    const spans: Span[] = [
      makeSpan({
        traceId,
        spanId: rootId,
        name: 'GET /checkout',
        kind: 2,
        resource: frontend,
        scope,
        startTimeUnixNano: base,
        endTimeUnixNano: base + 480n * MS,
        attributes: [
          { key: 'http.route', value: '/checkout' },
          { key: 'http.response.status_code', value: 500n },
        ],
        status: { code: 2, message: 'payment failed' },
      }),
      makeSpan({
        traceId,
        spanId: cartId,
        parentSpanId: rootId,
        name: 'POST /cart/reserve',
        kind: 2,
        resource: cart,
        scope,
        startTimeUnixNano: base + 12n * MS,
        endTimeUnixNano: base + 190n * MS,
        attributes: [{ key: 'cart.items', value: 3n }],
      }),
      makeSpan({
        traceId,
        spanId: dbId,
        parentSpanId: cartId,
        name: 'SELECT cart_items',
        kind: 3,
        resource: cart,
        scope: makeScope('@opentelemetry/instrumentation-pg'),
        startTimeUnixNano: base + 30n * MS,
        endTimeUnixNano: base + 150n * MS,
        attributes: [
          { key: 'db.system', value: 'postgresql' },
          { key: 'db.statement', value: 'SELECT * FROM cart_items WHERE cart_id = $1' },
          { key: 'db.rows', value: 3n },
          { key: 'db.cached', value: false },
        ],
      }),
      makeSpan({
        traceId,
        spanId: paymentId,
        parentSpanId: rootId,
        name: 'charge card',
        kind: 2,
        resource: payment,
        scope,
        startTimeUnixNano: base + 200n * MS,
        endTimeUnixNano: base + 470n * MS,
        attributes: [
          { key: 'payment.amount', value: 42.5 },
          { key: 'payment.currency', value: 'EUR' },
        ],
        events: [
          {
            timeUnixNano: base + 460n * MS,
            name: 'exception',
            attributes: [{ key: 'exception.message', value: 'card declined' }],
            droppedAttributesCount: 0,
          },
        ],
        links: [{ traceId: linkedTraceId, spanId: randomSpanId(), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 1 }],
        status: { code: 2, message: 'card declined' },
      }),
      ...geoTrace(),
      // A trace whose root never arrived.
      makeSpan({
        traceId: orphanTraceId,
        parentSpanId: randomSpanId(),
        name: 'consume order',
        kind: 5,
        resource: cart,
        startTimeUnixNano: base + 1_000n * MS,
        endTimeUnixNano: base + 1_040n * MS,
      }),
    ];
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(spans)),
    });
    assert.equal(response.status, 200, await response.text());
  });
  /**
   * A trace timed by three clocks: geo-1 runs 1 s behind (its server span starts "before" the
   * client call), r-1 50 ms ahead (its span ends after its parent); geo-radius-lookup swallows
   * its parent GET /radius (94 %), which swallows the client call.
   */
  function geoTrace(): Span[] {
    const frontend = makeResource('frontend', [{ key: 'host.name', value: 'fe-1' }]);
    const geo = makeResource('geo', [{ key: 'host.name', value: 'geo-1' }]);
    const renderer = makeResource('renderer', [{ key: 'service.instance.id', value: 'r-1' }]);
    const at = (ms: number): bigint => base + 10_000n * MS + BigInt(ms) * MS;
    const span = (
      spanId: string,
      parentSpanId: string,
      name: string,
      kind: SpanKind,
      resource: typeof geo,
      from: number,
      to: number,
    ): Span =>
      makeSpan({ traceId: geoTraceId, spanId, parentSpanId, name, kind, resource, startTimeUnixNano: at(from), endTimeUnixNano: at(to) });
    return [
      span(geoIds.nearby, '', 'GET /nearby', 2, frontend, 0, 2100),
      span(randomSpanId(), geoIds.nearby, 'auth', 1, frontend, 5, 40),
      span(geoIds.client, geoIds.nearby, 'GET geo', 3, frontend, 50, 1862),
      span(geoIds.server, geoIds.client, 'GET /radius', 2, geo, -894, 806),
      span(geoIds.lookup, geoIds.server, 'geo-radius-lookup', 1, geo, -850, 758),
      span(geoIds.render, geoIds.nearby, 'render', 1, renderer, 1950, 2150),
    ];
  }

  after(async () => {
    await browser?.close();
    if (skein) {
      assert.equal(await skein.stop(), 0);
      removeDir(skein.dataDir);
    }
  });

  const newPage = (colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => newCheckedPage(browser, pageErrors, colorScheme);

  const screenshot = saveScreenshot;

  test('search → open a trace → expand, collapse and select spans → see their attributes', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/`);
    const result = page.locator(`.result[data-trace-id="${traceId}"]`);
    await result.waitFor();
    assert.match(await result.innerText(), /frontend[\s\S]*GET \/checkout/);
    assert.match(await result.innerText(), /4 spans[\s\S]*2 errors/);
    assert.match(await page.locator(`.result[data-trace-id="${orphanTraceId}"]`).innerText(), /root span missing/);
    assert.deepEqual(await page.locator('select[name="service"] option').allInnerTexts(), [
      'All services',
      'cart',
      'frontend',
      'geo',
      'payment',
      'renderer',
    ]);
    await screenshot(page, 'ui-search');

    // The form is URL state: filter to payment errors.
    await page.selectOption('select[name="service"]', 'payment');
    await page.locator('select[name="spanName"] option', { hasText: 'charge card' }).waitFor({ state: 'attached' });
    await page.check('input[name="errorsOnly"]');
    await page.getByRole('radio', { name: '6h' }).click();
    await page.getByRole('button', { name: 'Find traces' }).click();
    await page.waitForURL(/\/search\?service=payment&status=error&lookback=6h&limit=20$/);
    await result.waitFor();
    assert.equal(await page.locator('.result').count(), 1);

    await result.click();
    await page.waitForURL(`${skein.queryUrl}/trace/${traceId}`);
    await page.locator('.wf-row').first().waitFor();
    const header = await page.locator('.trace-header').innerText();
    assert.match(header, /frontend[\s\S]*GET \/checkout/);
    assert.match(header, /Services\s*3/i);
    assert.match(header, /Depth\s*3/i);
    assert.match(header, /Spans\s*4/i);
    assert.match(header, /Errors\s*2/i);
    assert.equal(await page.locator('.wf-row').count(), 4);

    // Collapse the cart span (hides its database child), expand it again.
    const cartRow = page.locator(`.wf-row[data-span-id="${cartId}"]`);
    await cartRow.getByRole('button', { name: /Collapse/ }).click();
    assert.equal(await page.locator('.wf-row').count(), 3);
    await cartRow.getByRole('button', { name: /Expand/ }).click();
    assert.equal(await page.locator('.wf-row').count(), 4);

    await page.locator(`.wf-row[data-span-id="${paymentId}"]`).click();
    await page.waitForURL(`${skein.queryUrl}/trace/${traceId}?span=${paymentId}`);
    const details = page.locator('.span-details');
    await details.waitFor();
    const text = await details.innerText();
    assert.match(text, /charge card/);
    assert.match(text, /payment\.amount\s*42\.5\s*double/);
    assert.match(text, /payment\.currency\s*EUR\s*string/);
    assert.match(text, /card declined/);
    assert.match(text, /exception\.message/);
    assert.match(text, /host\.name\s*pay-1/);
    assert.match(text, new RegExp(linkedTraceId));
    await screenshot(page, 'ui-trace');
    await page.close();
  });

  test('a deep link to a span reloads to the same view; the theme toggle switches to dark', async () => {
    const page = await newPage();
    const url = `${skein.queryUrl}/trace/${traceId}?span=${dbId}`;
    await page.goto(url);
    for (let load = 0; load < 2; load++) {
      const selected = page.locator('.wf-row.selected');
      await selected.waitFor();
      assert.equal(await selected.getAttribute('data-span-id'), dbId);
      const text = await page.locator('.span-details').innerText();
      assert.match(text, /SELECT cart_items/);
      assert.match(text, /db\.statement\s*SELECT \* FROM cart_items WHERE cart_id = \$1\s*string/);
      assert.match(text, /db\.rows\s*3\s*int/);
      assert.match(text, /db\.cached\s*false\s*bool/);
      assert.match(text, /@opentelemetry\/instrumentation-pg/);
      if (load === 0) await page.reload();
    }
    assert.equal(page.url(), url);
    // Collapsing an ancestor of the selected span keeps it collapsed (the selection stays in the URL).
    await page
      .locator(`.wf-row[data-span-id="${cartId}"]`)
      .getByRole('button', { name: /Collapse/ })
      .click();
    assert.equal(await page.locator('.wf-row').count(), 3);
    assert.equal(page.url(), url);
    await page.getByRole('button', { name: 'Toggle colour theme' }).click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await screenshot(page, 'ui-trace-dark');
    await page.close();
  });

  test('orphans sit under a marked placeholder; unknown traces show the API error; an empty store explains how to send spans', async () => {
    const page = await newPage('dark');
    await page.goto(`${skein.queryUrl}/trace/${orphanTraceId}`);
    await page.locator('.wf-row.placeholder').waitFor();
    assert.match(await page.locator('.wf-row.placeholder').innerText(), /missing parent span/);
    assert.equal(await page.locator('.wf-row').count(), 2);
    assert.match(await page.locator('.trace-header').innerText(), /root span missing/);
    await screenshot(page, 'ui-orphan-dark');

    const missing = randomTraceId();
    await page.goto(`${skein.queryUrl}/trace/${missing}`);
    assert.match(await page.locator('.error-box').innerText(), new RegExp(`trace ${missing} not found`));
    await page.goto(`${skein.queryUrl}/search?minDuration=fast`);
    assert.match(await page.locator('.error-box').innerText(), /"minDuration": expected a duration/);

    // A store with no spans at all: answered by the browser, the real store is not emptied.
    await page.route('**/api/v1/services', (route) => route.fulfill({ json: { services: [] } }));
    await page.route('**/api/v1/search?**', (route) =>
      route.fulfill({ json: { traces: [], limit: 20, startTimeUnixNano: '1', endTimeUnixNano: '2' } }),
    );
    await page.goto(`${skein.queryUrl}/search`);
    const empty = page.locator('.empty-state');
    await empty.waitFor();
    assert.match(await empty.innerText(), /No traces yet — set OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318 in your app/);
    await screenshot(page, 'ui-empty-dark');
    await page.close();
  });

  test('trace analysis: bottleneck hint, critical path, skew markers with a raw-times toggle, views switched through the URL', async () => {
    const page = await newPage();
    const traceUrl = `${skein.queryUrl}/trace/${geoTraceId}`;
    await page.goto(traceUrl);
    const header = page.locator('.trace-header');
    await header.locator('.bottleneck').waitFor();
    assert.match(await header.locator('.bottleneck').innerText(), /geo-radius-lookup: 1,608 ms of 2,100 ms/);
    assert.match(await header.innerText(), /Duration\s*2\.1 s/i);
    // geo-1's spans moved +1 s (centred in the client call), r-1's −50 ms; fe-1's untouched.
    const mark = (id: string) => page.locator(`.wf-row[data-span-id="${id}"] .skew-mark`);
    assert.equal(await mark(geoIds.server).innerText(), 'skew +1 s');
    assert.equal(await mark(geoIds.lookup).innerText(), 'skew +1 s');
    assert.equal(await mark(geoIds.render).innerText(), 'skew −50 ms');
    assert.equal(await page.locator('.skew-mark').count(), 3);
    assert.ok((await page.locator(`.wf-row[data-span-id="${geoIds.lookup}"] .wf-crit`).count()) > 0, 'critical segment drawn');
    await page.locator(`.wf-row[data-span-id="${geoIds.server}"]`).click();
    await page.waitForURL(`${traceUrl}?span=${geoIds.server}`);
    const details = await page.locator('.span-details').innerText();
    assert.match(details, /Self time\s*92 ms/);
    assert.match(details, /Clock skew\s*shifted by \+1 s/);
    await screenshot(page, 'ui-trace-analysis');

    // Raw times: the toggle is URL state; the geo server span is shown where its clock put it.
    await page.getByRole('checkbox', { name: /raw times/ }).check();
    await page.waitForURL(`${traceUrl}?span=${geoIds.server}&raw=1`);
    assert.match(await header.innerText(), /Duration\s*3\.04 s/i);
    assert.match(await page.locator('.span-details').innerText(), /Clock skew\s*would shift by \+1 s/);
    await screenshot(page, 'ui-trace-raw');

    // Views are tabs in the URL; a link to one reloads to it.
    await page.getByRole('tab', { name: 'Span table' }).click();
    await page.waitForURL(`${traceUrl}?span=${geoIds.server}&view=table&raw=1`);
    await page.goto(`${traceUrl}?view=table`);
    const firstCells = (): Promise<string[]> => page.locator('.span-table tbody tr .name-cell > span:first-child').allInnerTexts();
    await page.locator('.span-table tbody tr').first().waitFor();
    assert.equal(await page.locator('.span-table tbody tr').count(), 6);
    assert.deepEqual((await firstCells()).slice(0, 3), ['GET /nearby', 'GET geo', 'GET /radius']);
    await page.getByRole('button', { name: 'Self time' }).click();
    assert.equal((await firstCells())[0], 'geo-radius-lookup');
    await screenshot(page, 'ui-trace-table');

    await page.goto(`${traceUrl}?view=stats`);
    const stats = page.locator('.stats-table');
    await stats.waitFor();
    assert.match(
      await stats.locator('tbody tr').first().innerText(),
      /geo\s*geo-radius-lookup\s*1\s*0\s*1\.61 s\s*1\.61 s\s*1\.61 s\s*1\.61 s/,
    );
    assert.equal(await page.getByRole('tab', { name: 'Statistics' }).getAttribute('aria-selected'), 'true');
    await screenshot(page, 'ui-trace-stats');

    await page.goto(`${traceUrl}?view=flame&span=${geoIds.lookup}`);
    await page.locator('.flame-box.selected').waitFor();
    assert.equal(await page.locator('.flame-box').count(), 6);
    assert.match(await page.locator('.span-details').innerText(), /geo-radius-lookup/);
    await screenshot(page, 'ui-trace-flame');

    const dark = await newPage('dark');
    await dark.goto(`${traceUrl}?span=${geoIds.lookup}`);
    await dark.locator('.wf-row.selected').waitFor();
    await screenshot(dark, 'ui-trace-analysis-dark');
    await dark.close();

    // A well-timed trace has no skew toggle and no bottleneck.
    await page.goto(`${skein.queryUrl}/trace/${traceId}`);
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await page.locator('.raw-toggle').count(), 0);
    assert.equal(await page.locator('.bottleneck').count(), 0);
    await page.close();
  });

  test('no script errors in any page', () => {
    // The deliberate 404 and 400 above are logged by Chromium as failed resource loads; nothing else may be.
    const unexpected = pageErrors.filter(
      (message) => !/Failed to load resource: the server responded with a status of (404|400)/.test(message),
    );
    assert.deepEqual(unexpected, []);
  });
});
