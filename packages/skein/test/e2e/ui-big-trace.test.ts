/**
 * The trace page's timeline on a big trace, in Debian's Chromium against the real CLI: a 10k-span
 * trace opens with rows virtualized (few row nodes whatever the trace size), scrolls to its last
 * span, and the timeline's zoom, in-trace search, keyboard navigation and span links work and
 * survive a reload. Speed targets live in bench/ui-big-trace-bench.ts, not here: this test only
 * records the figures it sees in test-artifacts/ui-big-trace-timing.json. Screenshots land in
 * test-artifacts/ for a person to look at.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpProtoTraces } from '../../src/model/otlp-proto-encode.js';
import type { Span, SpanKind } from '../../src/model/span.js';
import { bigTraceChunks, bigTraceSpanId, lastDisplayedIndex } from '../support/big-trace.js';
import { ARTIFACTS_DIR, launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeScope, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const BIG_SPANS = 10_000;
/** Virtualization holds when the DOM has about a screen of rows, not one per span. */
const MAX_ROW_NODES = 300;

async function postProto(url: string, spans: Span[]): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body: Buffer.from(encodeOtlpProtoTraces(spans)),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('trace timeline in Chromium: big traces, zoom, search, keyboard, links', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const pageErrors: string[] = [];
  const bigTraceId = randomTraceId();
  const shopTraceId = randomTraceId();
  const base = BigInt(Date.now() - 5 * 60_000) * MS;
  const shop = {
    root: randomSpanId(),
    cart: randomSpanId(),
    db: randomSpanId(),
    cache: randomSpanId(),
    payment: randomSpanId(),
    charge: randomSpanId(),
    fraud: randomSpanId(),
    publish: randomSpanId(),
    consume: randomSpanId(),
    email: randomSpanId(),
  };
  const timing: Record<string, number | string> = {};

  before(async () => {
    [skein, browser] = await Promise.all([startSkein(), launchChromium()]);
    const t0 = performance.now();
    // Several requests, as an SDK's batch exporter sends a big trace.
    for (const chunk of bigTraceChunks(bigTraceId, BIG_SPANS, base, 2_500)) await postProto(skein.otlpHttpUrl, chunk);
    timing['ingest10kMs'] = Math.round(performance.now() - t0);
    await postProto(skein.otlpHttpUrl, shopTrace());
  });

  /** A checkout with a queue hop: events, an error, and links (the consumer links to the publisher). */
  function shopTrace(): Span[] {
    const frontend = makeResource('frontend', [{ key: 'host.name', value: 'fe-1' }]);
    const cart = makeResource('cart', [{ key: 'host.name', value: 'cart-1' }]);
    const payment = makeResource('payment', [{ key: 'host.name', value: 'pay-1' }]);
    const mailer = makeResource('mailer', [{ key: 'host.name', value: 'mail-1' }]);
    const at = (ms: number): bigint => base + BigInt(ms) * MS;
    const span = (
      spanId: string,
      parentSpanId: string,
      name: string,
      kind: SpanKind,
      resource: typeof cart,
      from: number,
      to: number,
      extra: Partial<Span> = {},
    ): Span =>
      makeSpan({
        traceId: shopTraceId,
        spanId,
        parentSpanId,
        name,
        kind,
        resource,
        scope: makeScope('@opentelemetry/instrumentation-http'),
        startTimeUnixNano: at(from),
        endTimeUnixNano: at(to),
        attributes: [],
        ...extra,
      });
    const event = (ms: number, name: string) => ({ timeUnixNano: at(ms), name, attributes: [], droppedAttributesCount: 0 });
    return [
      span(shop.root, '', 'POST /checkout', 2, frontend, 0, 640, {
        attributes: [{ key: 'http.route', value: '/checkout' }],
        events: [event(4, 'request received'), event(630, 'response sent')],
      }),
      span(shop.cart, shop.root, 'GET /cart', 3, frontend, 10, 160),
      span(randomSpanId(), shop.cart, 'GET /cart', 2, cart, 14, 156, { attributes: [{ key: 'cart.items', value: 3n }] }),
      span(shop.db, shop.cart, 'SELECT cart_items', 3, cart, 30, 120, {
        attributes: [{ key: 'db.system', value: 'postgresql' }],
        events: [event(95, 'rows fetched')],
      }),
      span(shop.cache, shop.cart, 'redis GET', 3, cart, 124, 140, { attributes: [{ key: 'db.system', value: 'redis' }] }),
      span(shop.payment, shop.root, 'POST /charge', 3, frontend, 170, 520),
      span(shop.charge, shop.payment, 'charge card', 2, payment, 178, 510, {
        status: { code: 2, message: 'card declined' },
        events: [event(300, 'retry'), event(505, 'exception')],
      }),
      span(shop.fraud, shop.charge, 'fraud check', 1, payment, 190, 290, { attributes: [{ key: 'db.system', value: 'redis' }] }),
      span(randomSpanId(), shop.charge, 'card network call', 3, payment, 310, 500),
      span(shop.publish, shop.root, 'publish order.created', 4, frontend, 525, 540),
      span(shop.consume, shop.root, 'consume order.created', 5, mailer, 545, 600, {
        links: [{ traceId: shopTraceId, spanId: shop.publish, traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0 }],
      }),
      span(shop.email, shop.consume, 'send email', 3, mailer, 560, 598, {
        links: [{ traceId: randomTraceId(), spanId: randomSpanId(), traceState: '', flags: 1, attributes: [], droppedAttributesCount: 0 }],
      }),
    ];
  }

  after(async () => {
    writeFileSync(join(ARTIFACTS_DIR, 'ui-big-trace-timing.json'), `${JSON.stringify({ spans: BIG_SPANS, ...timing }, null, 2)}\n`);
    await browser?.close();
    if (skein) {
      assert.equal(await skein.stop(), 0);
      removeDir(skein.dataDir);
    }
  });

  const newPage = (colorScheme: 'light' | 'dark' = 'light'): Promise<Page> => newCheckedPage(browser, pageErrors, colorScheme);

  const screenshot = saveScreenshot;

  const rowNodes = (page: Page): Promise<number> => page.locator('.wf-row').count();
  /** For waitForFunction: the page shows exactly `count` rows (a string: this package has no DOM types). */
  const rowsShown = (count: number): string => `document.querySelectorAll('.wf-row').length === ${count}`;

  /**
   * Runs in the page: a steady scroll through the rows, one step per frame (the frame times say
   * how smooth it is), then a jump to the bottom until the last span's row is drawn. A string, as
   * tsx's helpers for named functions do not exist in the page.
   */
  function scrollScript(lastSpanId: string): string {
    return `(async () => {
      const viewport = document.querySelector('.wf-viewport');
      const frame = () => new Promise((done) => requestAnimationFrame(done));
      const frames = [];
      let previous = await frame();
      for (let step = 0; step < 60; step++) {
        viewport.scrollTop += 1500;
        const now = await frame();
        frames.push(now - previous);
        previous = now;
      }
      const t0 = performance.now();
      viewport.scrollTop = viewport.scrollHeight;
      while (!document.querySelector('.wf-row[data-span-id="${lastSpanId}"]')) await frame();
      frames.sort((a, b) => a - b);
      return {
        jumpToBottomMs: performance.now() - t0,
        frameP50Ms: frames[Math.floor(frames.length / 2)],
        frameMaxMs: frames[frames.length - 1],
        rowNodes: document.querySelectorAll('.wf-row').length,
      };
    })()`;
  }

  test('a 10k-span trace opens with virtualized rows, deep levels folded, and scrolls to its last span', async () => {
    // The API's share of opening the trace, measured on its own.
    const apiStart = performance.now();
    const body = await (await fetch(`${skein.queryUrl}/api/v1/traces/${bigTraceId}?format=compact`)).arrayBuffer();
    timing['apiMs'] = Math.round(performance.now() - apiStart);
    timing['apiBytes'] = body.byteLength;
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/trace/${bigTraceId}`);
    await page.locator('.wf-row').first().waitFor();
    // Milliseconds since navigation start, as the page measures them.
    timing['firstRowsMs'] = Math.round(await page.evaluate(() => performance.now()));
    timing['pageApiResponseEndMs'] = Math.round(
      (await page.evaluate(
        // A worker fetches the trace (not in the page's resource timeline): the page marks its arrival.
        `performance.getEntriesByName('skein:trace-downloaded')[0]?.startTime ?? performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/v1/traces/'))?.responseEnd ?? -1`,
      )) as number,
    );
    const header = await page.locator('.trace-header').innerText();
    assert.match(header, /Spans\s*10000/i);
    assert.ok((await rowNodes(page)) < MAX_ROW_NODES, `rendered ${await rowNodes(page)} rows`);
    // Folded by default: fewer rows than spans, each folded row says how many it hides.
    const shownRows = Number((await page.locator('.wf-row-count').innerText()).replace(/\D/g, ''));
    assert.ok(shownRows > 1 && shownRows < BIG_SPANS, `${shownRows} rows shown at first`);
    assert.ok((await page.locator('.wf-row[aria-expanded="false"]').count()) > 0);
    await screenshot(page, 'ui-big-trace');

    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.waitForFunction(`document.querySelector('.wf-row-count')?.textContent?.startsWith('10,000')`);
    const lastId = bigTraceSpanId(lastDisplayedIndex(BIG_SPANS));
    const scroll = (await page.evaluate(scrollScript(lastId))) as {
      jumpToBottomMs: number;
      frameP50Ms: number;
      frameMaxMs: number;
      rowNodes: number;
    };
    timing['jumpToBottomMs'] = Math.round(scroll.jumpToBottomMs);
    timing['scrollFrameP50Ms'] = Math.round(scroll.frameP50Ms * 10) / 10;
    timing['scrollFrameMaxMs'] = Math.round(scroll.frameMaxMs * 10) / 10;
    assert.ok(scroll.rowNodes < MAX_ROW_NODES, `rendered ${scroll.rowNodes} rows after scrolling`);
    assert.ok(await page.locator(`.wf-row[data-span-id="${lastId}"]`).isVisible());
    // The page itself scrolled to the timeline, so the screenshot shows the rows' scroller whole.
    await page.evaluate(`window.scrollTo(0, document.querySelector('.waterfall').getBoundingClientRect().top + window.scrollY - 64)`);
    await screenshot(page, 'ui-big-trace-bottom');

    // In-trace search reaches a span deep in a folded subtree: the match count covers the whole trace.
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await page.keyboard.press('/');
    // Span i has shard-(i mod 16) and is a "SELECT items" when i mod 6 = 1: i = 19 mod 48, 208 of 10k.
    await page.keyboard.type('shard=shard-3 select');
    await page.waitForFunction(`/of 208$/.test(document.querySelector('.match-count')?.textContent ?? '')`);
    const searchStart = Date.now();
    await page.keyboard.press('Enter');
    await page.locator('.wf-row.selected.match').waitFor();
    timing['searchToMatchMs'] = Date.now() - searchStart;
    await screenshot(page, 'ui-big-trace-search');
    assert.match(page.url(), /span=[0-9a-f]{16}&q=shard=shard-3\+select$/);
    assert.ok((await rowNodes(page)) < MAX_ROW_NODES);
    await page.close();
  });

  test('loading a big trace shows its steps: the server, the download with the span count and bytes, decode, build', async () => {
    // Every state of the loading status the page commits, in order (an init script: it watches
    // from the first frame, however quickly the steps pass on this machine).
    const watchLoading = `(() => {
      const seen = (window.__traceLoading = []);
      new MutationObserver(() => {
        const status = document.querySelector('.trace-loading');
        if (!status) return;
        const entry = status.dataset.phase + ' | ' + status.querySelector('.loading').textContent;
        if (seen[seen.length - 1] !== entry) seen.push(entry);
      }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    })()`;
    for (const [scheme, size] of [
      ['light', { width: 1440, height: 900 }],
      ['dark', { width: 1920, height: 1080 }],
    ] as const) {
      const page = await newPage(scheme);
      await page.setViewportSize(size);
      await page.addInitScript(watchLoading);
      // The compact body is held back for a while, as a slow link would: the page says what it waits for.
      let release: () => void = () => undefined;
      const released = new Promise<void>((done) => (release = done));
      const compactBody = (url: URL): boolean => url.pathname.startsWith('/api/v1/traces/') && url.searchParams.get('format') === 'compact';
      await page.route(compactBody, async (route) => {
        await released;
        await route.continue();
      });
      await page.goto(`${skein.queryUrl}/trace/${bigTraceId}`);
      const status = page.locator('.trace-loading');
      await page.locator('.trace-loading[data-phase="download"]').waitFor();
      // The elapsed seconds tick while nothing arrives.
      await page.locator('.trace-loading-elapsed').waitFor({ timeout: 10_000 });
      assert.match(await status.innerText(), /Loading trace [0-9a-f]{32}: downloading 10,000 spans: 0\.0 MB received…\s*\d+ s/);
      assert.equal(await page.locator('.trace-loading-steps li.done').innerText(), 'server');
      assert.equal(await page.locator('.trace-loading-steps li[aria-current="step"]').innerText(), 'download');
      await screenshot(page, `ui21-big-trace-loading-${size.width}x${size.height}-${scheme}`);
      release();
      await page.locator('.wf-row').first().waitFor();
      const seen = (await page.evaluate('window.__traceLoading')) as string[];
      const phases = seen.map((entry) => entry.split(' | ')[0]);
      assert.deepEqual(
        phases.filter((phase, i) => phase !== phases[i - 1]),
        ['outline', 'download', 'decode', 'build'],
        seen.join('\n'),
      );
      // The whole body's size while decoding (a 10k-span trace is ~1 MB before gzip).
      assert.ok(
        seen.some((entry) => /^decode \| .*decoding (?!0\.0 )\d+\.\d MB of 10,000 spans/.test(entry)),
        seen.join('\n'),
      );
      assert.ok(
        seen.some((entry) => /^build \| .*building the tree of 10,000 spans/.test(entry)),
        seen.join('\n'),
      );
      await screenshot(page, `ui21-big-trace-${size.width}x${size.height}-${scheme}`);
      await page.close();
    }
  });

  test('the windowed view (?outline=1): rows by window, Enter jumps to the first match, expand all, scroll to the last span', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await newPage(scheme);
      await page.goto(`${skein.queryUrl}/trace/${bigTraceId}?outline=1`);
      await page.locator('.outline-view .wf-row[data-span-id]').first().waitFor();
      if (scheme === 'light') timing['outlineFirstRowsMs'] = Math.round(await page.evaluate(() => performance.now()));
      assert.match(await page.locator('.outline-summary').innerText(), /10,000 spans/);
      // Folded by default as the full view folds (the server picks the depth).
      const shownRows = Number((await page.locator('.wf-row-count').innerText()).replace(/\D/g, ''));
      assert.ok(shownRows > 1 && shownRows < BIG_SPANS, `${shownRows} rows shown at first`);
      assert.ok((await rowNodes(page)) < MAX_ROW_NODES, `rendered ${await rowNodes(page)} rows`);
      await page.locator('.outline-minimap rect').first().waitFor();
      await screenshot(page, `ui-outline-view${scheme === 'dark' ? '-dark' : ''}`);
      if (scheme === 'dark') {
        await page.close();
        continue;
      }
      // Enter right after typing: the server finds the span (deep in a folded subtree), unfolds
      // its ancestors and the page scrolls to it, marked.
      const deep = bigTraceSpanId(9_999);
      await page.locator('#trace-search').fill('#9999');
      await page.locator('#trace-search').press('Enter');
      await page.locator(`.wf-row.match.selected[data-span-id="${deep}"]`).waitFor();
      assert.match(await page.locator('.search-count').innerText(), /^1 match$/);
      await screenshot(page, 'ui-outline-view-search');

      await page.getByRole('button', { name: 'Expand all' }).click();
      await page.waitForFunction(`document.querySelector('.wf-row-count')?.textContent?.startsWith('10,000')`);
      const lastId = bigTraceSpanId(lastDisplayedIndex(BIG_SPANS));
      await page.evaluate(`document.querySelector('.wf-viewport').scrollTop = 1e9`);
      await page.locator(`.wf-row[data-span-id="${lastId}"]`).waitFor();
      assert.ok((await rowNodes(page)) < MAX_ROW_NODES);
      // Folding a row by its caret: its subtree's rows leave the list.
      const before = Number((await page.locator('.wf-row-count').innerText()).replace(/\D/g, ''));
      await page.evaluate(`document.querySelector('.wf-viewport').scrollTop = 0`);
      await page.locator(`.wf-row[data-span-id="${bigTraceSpanId(1)}"] .wf-toggle`).click();
      await page.waitForFunction(`Number(document.querySelector('.wf-row-count').textContent.replace(/\\D/g, '')) < ${before}`);
      await page.close();
    }
  });

  test('full view: Enter right after typing in the in-trace search jumps to the first match', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/trace/${shopTraceId}`);
    await page.locator('.wf-row').first().waitFor();
    // No wait for the match count: the query and the step race, and the step must win.
    await page.locator('#trace-search').fill('redis GET');
    await page.locator('#trace-search').press('Enter');
    await page.locator(`.wf-row.selected.match[data-span-id="${shop.cache}"]`).waitFor();
    assert.match(page.url(), new RegExp(`span=${shop.cache}`));
    await page.close();
  });

  test('zoom by dragging the minimap and the ruler; the window is in the URL and reloads; reset', async () => {
    const page = await newPage();
    const url = `${skein.queryUrl}/trace/${shopTraceId}`;
    await page.goto(url);
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await rowNodes(page), 12);
    await screenshot(page, 'ui-timeline');

    const minimap = await page.locator('.minimap').boundingBox();
    assert.ok(minimap);
    // Drag over the middle half of the trace (160 ms – 480 ms of 640 ms).
    await page.mouse.move(minimap.x + minimap.width * 0.25, minimap.y + minimap.height / 2);
    await page.mouse.down();
    await page.mouse.move(minimap.x + minimap.width * 0.5, minimap.y + minimap.height / 2, { steps: 4 });
    await page.mouse.move(minimap.x + minimap.width * 0.75, minimap.y + minimap.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForURL(/zoom=0\.25,0\.75$/);
    assert.match(await page.locator('.zoom-info').innerText(), /Showing 160 ms – 480 ms of 640 ms/);
    // Bars outside the window are not drawn; one running over its edge is cut square.
    assert.equal(await page.locator(`.wf-row[data-span-id="${shop.db}"] .wf-bar`).count(), 0);
    assert.equal(await page.locator(`.wf-row[data-span-id="${shop.payment}"] .wf-bar.clipped-right`).count(), 1);
    await page.reload();
    await page.locator('.wf-row').first().waitFor();
    assert.match(await page.locator('.zoom-info').innerText(), /Showing 160 ms – 480 ms/);
    assert.match(await page.locator('.wf-tick').first().innerText(), /(160|200) ms/);
    await page.locator(`.wf-row[data-span-id="${shop.charge}"]`).click();
    await page.waitForURL(/span=.*zoom=0\.25,0\.75/);
    await page.locator(`.wf-row[data-span-id="${shop.charge}"] .wf-event`).first().hover();
    await screenshot(page, 'ui-timeline-zoomed');

    // The ruler zooms within the current window: its middle half is 240 ms – 400 ms.
    const ruler = await page.locator('.wf-ruler').boundingBox();
    assert.ok(ruler);
    await page.mouse.move(ruler.x + ruler.width * 0.25, ruler.y + ruler.height / 2);
    await page.mouse.down();
    await page.mouse.move(ruler.x + ruler.width * 0.75, ruler.y + ruler.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/zoom=0\.375,0\.625/);
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.waitForURL((current) => !current.search.includes('zoom='));
    await page.close();
  });

  test('in-trace search: highlight with count and next/previous, filter to matches with ancestors, in the URL', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/trace/${shopTraceId}?q=db.system=redis`);
    await page.locator('.wf-row.match').first().waitFor();
    assert.equal(await page.locator('.wf-row.match').count(), 2);
    assert.equal(await rowNodes(page), 12);
    assert.match(await page.locator('.match-count').innerText(), /– of 2/);
    await page.getByRole('button', { name: 'Next match' }).click();
    await page.waitForURL(new RegExp(`span=${shop.cache}`));
    assert.match(await page.locator('.match-count').innerText(), /1 of 2/);
    await page.getByRole('button', { name: 'Next match' }).click();
    await page.waitForURL(new RegExp(`span=${shop.fraud}`));
    await page.getByRole('button', { name: 'Previous match' }).click();
    await page.waitForURL(new RegExp(`span=${shop.cache}`));
    await screenshot(page, 'ui-timeline-search');

    await page.getByRole('radio', { name: 'Filter' }).click();
    await page.waitForURL(/match=filter/);
    // The two redis calls and their ancestors: root, GET /cart, POST /charge, charge card.
    await page.waitForFunction(rowsShown(6));
    await screenshot(page, 'ui-timeline-filter');
    await page.reload();
    await page.waitForFunction(rowsShown(6));

    // A span ID prefix and a name both find their span; nonsense finds nothing.
    const search = page.getByRole('searchbox', { name: 'Find spans in this trace' });
    await search.fill(shop.email.slice(0, 8));
    await page.waitForFunction(rowsShown(3));
    await search.fill('no-such-span');
    await page.locator('.match-count.none').waitFor();
    assert.match(await page.locator('.wf-empty').innerText(), /No span matches/);
    await search.press('Escape');
    await page.waitForURL((current) => !current.search.includes('q='));
    assert.equal(await rowNodes(page), 12);
    await page.close();
  });

  test('keyboard: arrows move and fold, Enter opens details, / focuses search, Escape clears', async () => {
    const page = await newPage();
    const url = `${skein.queryUrl}/trace/${shopTraceId}`;
    await page.goto(url);
    await page.locator('.wf-row').first().waitFor();
    await page.locator('.waterfall').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(`${url}?span=${shop.root}`);
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(`${url}?span=${shop.cart}`);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(rowsShown(9));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(rowsShown(12));
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('.wf-row.selected .wf-span-name').innerText(), 'GET /cart');
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(`${url}?span=${shop.cart}`);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(rowsShown(9));
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(`${url}?span=${shop.root}`);
    await page.keyboard.press('End');
    await page.waitForURL(`${url}?span=${shop.email}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(`document.activeElement?.classList.contains('span-details')`);
    await page.locator('.waterfall').focus();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(`document.activeElement?.id`), 'trace-search');
    await page.keyboard.press('Escape');
    assert.ok(await page.evaluate(`document.activeElement?.classList.contains('waterfall')`));
    await page.keyboard.press('Escape');
    await page.waitForURL(url);
    assert.equal(await page.locator('.span-details').count(), 0);
    await page.close();
  });

  test('span links: outgoing links open their span, incoming links ("linked from") within the trace', async () => {
    const page = await newPage('dark');
    const url = `${skein.queryUrl}/trace/${shopTraceId}`;
    await page.goto(`${url}?span=${shop.publish}`);
    const details = page.locator('.span-details');
    await details.waitFor();
    assert.match(await details.innerText(), /Linked from\s*1[\s\S]*mailer:\s*consume order\.created/);
    await details.getByRole('button', { name: /consume order\.created/ }).click();
    await page.waitForURL(`${url}?span=${shop.consume}`);
    assert.match(await details.innerText(), /Links\s*1[\s\S]*this trace:\s*publish order\.created/);
    assert.match(await details.innerText(), /Self time\s*\d+ ms \(\d+ % of its duration\)/);
    await screenshot(page, 'ui-timeline-links-dark');
    await details.getByRole('button', { name: /publish order\.created/ }).click();
    await page.waitForURL(`${url}?span=${shop.publish}`);
    await page.goto(`${url}?span=${shop.email}`);
    const other = details.getByRole('link', { name: /^trace [0-9a-f]{32} \/ span [0-9a-f]{16}$/ });
    assert.match((await other.getAttribute('href')) ?? '', /^\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/);
    await page.close();
  });

  test('a trace that does not exist says so', async () => {
    const page = await newPage();
    const missing = randomTraceId();
    await page.goto(`${skein.queryUrl}/trace/${missing}`);
    await page.locator('.not-found').waitFor();
    assert.match(await page.locator('.not-found').innerText(), new RegExp(`Trace not found[\\s\\S]*trace ${missing} not found`));
    await page.close();
  });

  test('no script errors in any page', () => {
    const unexpected = pageErrors.filter((message) => !/Failed to load resource: the server responded with a status of 404/.test(message));
    assert.deepEqual(unexpected, []);
  });
});
